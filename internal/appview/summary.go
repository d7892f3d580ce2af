package appview

import (
	"fmt"
	"io"
	"strings"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// Details are what `tether app get` knows of an Application beyond the
// object itself.
type Details struct {
	// Commit describes the revision the Application is compared against;
	// nil when it was not looked up.
	Commit *Commit
	// CommitError says why Commit could not be looked up; empty when it was
	// not tried or worked.
	CommitError string
	// Now is the time ages are measured from.
	Now time.Time
}

// labelWidth is the width of the labels of summary lines.
const labelWidth = 20

// Summary writes what an Application deploys and where it stands: name,
// project, source, the commit compared against (with subject, author and
// age when d has them), destination, sync policy, sync and health.
func Summary(w io.Writer, app *appv1.Application, d Details) error {
	src := app.Spec.GetSource()
	lines := [][2]string{
		{"Name:", qualifiedName(app)},
		{"Project:", orDefault(app.Spec.Project, "default")},
	}
	if app.Spec.HasMultipleSources() {
		lines = append(lines, sourceLines(app)...)
	} else {
		lines = append(lines, [2]string{"Repo:", orDash(RedactURL(src.RepoURL))}, [2]string{"Target:", orDefault(src.TargetRevision, "HEAD")})
		if src.Chart != "" {
			lines = append(lines, [2]string{"Chart:", src.Chart})
		} else {
			lines = append(lines, [2]string{"Path:", orDefault(src.Path, ".")})
		}
	}
	lines = append(lines,
		[2]string{"Revision:", revisionLine(app, d)},
		[2]string{"Destination:", Destination(app.Spec.Destination)},
		[2]string{"Sync Policy:", SyncPolicy(app.Spec.SyncPolicy)},
		[2]string{"Sync Status:", SyncStatus(app)},
		[2]string{"Health Status:", HealthStatus(app.Status.Health)},
	)
	return writeLines(w, lines)
}

// qualifiedName is "namespace/name", or the name alone without a namespace.
func qualifiedName(app *appv1.Application) string {
	if app.Namespace == "" {
		return app.Name
	}
	return app.Namespace + "/" + app.Name
}

// sourceLines describe each source of a multi-source Application, with
// the revision it was compared at: "Source 1:  repo/chart@^1.2 (1.2.3)".
func sourceLines(app *appv1.Application) [][2]string {
	revs := app.Status.Sync.Revisions
	var out [][2]string
	for i, src := range app.Spec.GetSources() {
		s := Source(appv1.ApplicationSource{RepoURL: RedactURL(src.RepoURL), Path: src.Path, Chart: src.Chart, TargetRevision: src.TargetRevision})
		if src.Chart == "" {
			s += "@" + orDefault(src.TargetRevision, "HEAD")
		}
		if src.Ref != "" {
			s += " as $" + src.Ref
		}
		if i < len(revs) && revs[i] != "" && revs[i] != src.TargetRevision {
			s += " (" + ShortSHA(revs[i]) + ")"
		}
		out = append(out, [2]string{fmt.Sprintf("Source %d:", i+1), s})
	}
	return out
}

// revisionsLabel joins revisions, commits shortened.
func revisionsLabel(revs []string) string {
	out := make([]string, len(revs))
	for i, r := range revs {
		out[i] = orDash(ShortSHA(r))
	}
	return strings.Join(out, ", ")
}

func revisionLine(app *appv1.Application, d Details) string {
	rev := app.Status.Sync.Revision
	if revs := app.Status.Sync.Revisions; len(revs) > 0 && rev == "" {
		return revisionsLabel(revs)
	}
	switch {
	case d.Commit != nil:
		return CommitLine(*d.Commit, d.Now)
	case rev == "":
		return "-"
	case d.CommitError != "":
		return ShortSHA(rev) + " (commit details unavailable: " + oneLine(d.CommitError) + ")"
	}
	return ShortSHA(rev)
}

func writeLines(w io.Writer, lines [][2]string) error {
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s%s\n", labelWidth, l[0], l[1])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Conditions writes the Application's conditions as a table: CONDITION,
// MESSAGE, LAST TRANSITION. It writes nothing when there are none.
func Conditions(w io.Writer, conds []appv1.ApplicationCondition, now time.Time) error {
	if len(conds) == 0 {
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "CONDITION\tMESSAGE\tLAST TRANSITION")
	for _, c := range conds {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Type, oneLine(c.Message), Age(c.LastTransitionTime, now))
	}
	return tw.Flush()
}

// Operation writes the last operation and its result: what it did, to
// which revision, who started it, its phase, when it ran and its message.
// It writes nothing for a nil state.
func Operation(w io.Writer, op *appv1.OperationState, now time.Time) error {
	if op == nil {
		return nil
	}
	kind := "Sync"
	if op.Operation.Sync != nil && op.Operation.Sync.DryRun {
		kind = "Sync (dry run)"
	}
	lines := [][2]string{{"Operation:", kind}}
	switch r, s := op.SyncResult, op.Operation.Sync; {
	case r != nil && r.Revision != "":
		lines = append(lines, [2]string{"Sync Revision:", r.Revision})
	case r != nil && len(r.Revisions) > 0:
		lines = append(lines, [2]string{"Sync Revisions:", strings.Join(r.Revisions, ", ")})
	case s != nil && s.Revision != "":
		lines = append(lines, [2]string{"Sync Revision:", s.Revision})
	case s != nil && len(s.Revisions) > 0:
		lines = append(lines, [2]string{"Sync Revisions:", strings.Join(s.Revisions, ", ")})
	}
	lines = append(lines,
		[2]string{"Initiated By:", initiator(op.Operation.InitiatedBy)},
		[2]string{"Phase:", string(op.Phase)},
		[2]string{"Start:", op.StartedAt.UTC().Format(time.RFC3339)},
	)
	end := now
	if op.FinishedAt != nil {
		end = op.FinishedAt.Time
		lines = append(lines, [2]string{"Finished:", op.FinishedAt.UTC().Format(time.RFC3339)})
	}
	lines = append(lines, [2]string{"Duration:", end.Sub(op.StartedAt.Time).Truncate(time.Second).String()})
	if op.Message != "" {
		lines = append(lines, [2]string{"Message:", oneLine(op.Message)})
	}
	return writeLines(w, lines)
}

func initiator(by appv1.OperationInitiator) string {
	switch {
	case by.Automated:
		return "automated sync policy"
	case by.Username != "":
		return by.Username
	}
	return "-"
}
