package appview

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// ListOptions configure List.
type ListOptions struct {
	// Wide adds the project, target revision, sync policy and conditions.
	Wide bool
	// Now is the time ages are measured from.
	Now time.Time
}

// List writes one aligned row per Application: NAME, SYNC, HEALTH,
// REVISION (the short commit compared against), SOURCE, DESTINATION and
// LAST-SYNC (when the last operation finished).
func List(w io.Writer, apps []appv1.Application, opts ListOptions) error {
	tw := newTable(w)
	header := "NAME\tSYNC\tHEALTH\tREVISION\tSOURCE\tDESTINATION\tLAST-SYNC"
	if opts.Wide {
		header += "\tPROJECT\tTARGET\tPOLICY\tCONDITIONS"
	}
	fmt.Fprintln(tw, header)
	for i := range apps {
		app := &apps[i]
		src := app.Spec.GetSource()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s", app.Name,
			orDefault(string(app.Status.Sync.Status), "Unknown"),
			orDefault(string(app.Status.Health.Status), "Unknown"),
			orDash(ShortSHA(app.Status.Sync.Revision)),
			Source(src), Destination(app.Spec.Destination), lastSync(app, opts.Now))
		if opts.Wide {
			fmt.Fprintf(tw, "\t%s\t%s\t%s\t%s", orDefault(app.Spec.Project, "default"),
				orDefault(src.TargetRevision, "HEAD"), shortPolicy(app.Spec.SyncPolicy),
				conditionSummary(app.Status.Conditions))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// Names writes the Applications' names, one a line.
func Names(w io.Writer, apps []appv1.Application) error {
	for i := range apps {
		if _, err := fmt.Fprintln(w, apps[i].Name); err != nil {
			return err
		}
	}
	return nil
}

// lastSync is the age of the last operation's end (or start, while it
// runs).
func lastSync(app *appv1.Application, now time.Time) string {
	op := app.Status.OperationState
	if op == nil {
		return "-"
	}
	if op.FinishedAt != nil {
		return Age(op.FinishedAt, now)
	}
	return "running since " + Age(&op.StartedAt, now)
}

// table aligns tab-separated cells two spaces apart, as kubectl does, and
// writes lines without trailing blanks when flushed.
type table struct {
	out io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

// newTable returns a table that writes to w on Flush.
func newTable(w io.Writer) *table {
	t := &table{out: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *table) Write(p []byte) (int, error) { return t.tw.Write(p) }

// Flush aligns what was written and writes it out.
func (t *table) Flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		trimmed := strings.TrimRight(line, " \n")
		if trimmed == "" && line == "" {
			continue
		}
		b.WriteString(trimmed)
		if strings.HasSuffix(line, "\n") {
			b.WriteString("\n")
		}
	}
	t.buf.Reset()
	_, err := io.WriteString(t.out, b.String())
	return err
}
