package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
	"github.com/tether-gitops/tether/internal/target"
)

// An Application deploys from one source (spec.source) or several
// (spec.sources). Each source resolves to a revision of its own: a commit
// of a Git repository, a chart version of a Helm repository, a tag or
// digest of an OCI registry. run.revisions holds them in the order of
// spec.GetSources(); run.commit is their key (the commit itself for a
// single source), under which renders are cached.

// multi reports whether the Application uses spec.sources, whose status
// fields are the plural ones (revisions, sources).
func (run *run) multi() bool { return run.app.Spec.HasMultipleSources() }

// revisionKey is the render cache's and the quiet tracker's name for a list
// of revisions: the revision itself when there is one.
func revisionKey(revisions []string) string { return strings.Join(revisions, " ") }

// revLabel names the revisions for events: short commits, versions as
// they are.
func revLabel(revisions []string) string {
	out := make([]string, len(revisions))
	for i, r := range revisions {
		out[i] = target.ShortRevision(r)
	}
	return strings.Join(out, ", ")
}

// chartSource reports whether src is served by Charts rather than Git.
func (r *Reconciler) chartSource(src appv1.ApplicationSource) bool {
	if r.Charts != nil {
		return r.Charts.Handles(src)
	}
	return target.LooksLikeChart(src)
}

// dependencies downloads charts' dependencies through Charts; without
// Charts they must be vendored.
func (r *Reconciler) dependencies() render.DependencyFetcher {
	if r.Charts == nil {
		return nil
	}
	return target.ChartDependencies(r.Charts)
}

// resolveSource resolves revision of src, no answer older than notBefore.
// A lenient notBefore (a new Application's) binds a chart source only when
// the answer at hand fails: a chart published after it was read is found,
// while a thousand new Applications of one chart share one index.
func (r *Reconciler) resolveSource(ctx context.Context, src appv1.ApplicationSource, revision string, notBefore time.Time, lenient bool) (string, error) {
	if r.chartSource(src) {
		if r.Charts == nil {
			return "", errors.New("chart and OCI sources are not configured in this controller")
		}
		src.TargetRevision = revision
		if lenient {
			if rev, err := r.Charts.Resolve(ctx, src, time.Time{}); err == nil {
				return rev, nil
			}
		}
		return r.Charts.Resolve(ctx, src, notBefore)
	}
	return r.Revisions.Resolve(ctx, r.Source, src.RepoURL, revision, notBefore)
}

// resolveAll resolves every source. targets, when set, replace the
// sources' target revisions position by position ("" keeps the source's):
// an operation's revisions, a rollback's history entry.
func (run *run) resolveAll(ctx context.Context, targets []string, notBefore time.Time, lenient bool) ([]string, error) {
	out := make([]string, len(run.sources))
	for i, src := range run.sources {
		rev := src.TargetRevision
		if i < len(targets) && targets[i] != "" {
			rev = targets[i]
		}
		got, err := run.r.resolveSource(ctx, src, rev, notBefore, lenient)
		if err != nil {
			return nil, run.sourceError(i, err)
		}
		out[i] = got
	}
	return out, nil
}

// sourceError names the source of a multi-source Application in err, as
// Argo CD does ("source 2 of 3").
func (run *run) sourceError(i int, err error) error {
	if !run.multi() {
		return err
	}
	return fmt.Errorf("source %d of %d: %w", i+1, len(run.sources), err)
}

// operationTargets returns the revisions an operation asks for, position
// by position, or nil when it asks for the compared ones.
func (run *run) operationRevisions(sop *appv1.SyncOperation) []string {
	if run.multi() {
		if len(sop.Revisions) == 0 {
			return nil
		}
		return sop.Revisions
	}
	if sop.Revision == "" {
		return nil
	}
	return []string{sop.Revision}
}

// differs reports whether targets name a revision other than the resolved
// ones.
func (run *run) differs(targets []string) bool {
	for i, t := range targets {
		if t != "" && (i >= len(run.revisions) || t != run.revisions[i]) {
			return true
		}
	}
	return false
}

// fetchSource returns the files of src at revision.
func (run *run) fetchSource(ctx context.Context, src appv1.ApplicationSource, revision string) (Fetched, error) {
	if run.r.chartSource(src) {
		if run.r.Charts == nil {
			return Fetched{}, errors.New("chart and OCI sources are not configured in this controller")
		}
		return run.r.Charts.Fetch(ctx, src, revision)
	}
	dir, err := run.r.Source.Checkout(ctx, src.RepoURL, revision)
	return Fetched{Dir: dir}, err
}

// renderSources renders every source at revisions (target.RenderSources):
// the path of multi-source Applications and of chart and OCI sources.
func (run *run) renderSources(ctx context.Context, revisions []string) (renderEntry, error) {
	app := run.instance()
	reqs := make([]render.Request, len(run.sources))
	for i := range run.sources {
		reqs[i] = target.SourceRenderRequest(run.app, i, revisions[i], run.r.Cluster)
	}
	key, spec := revisionKey(revisions), specKeyAll(reqs)
	if e, ok := run.r.renders.get(app, key, spec); ok {
		return e, e.err
	}
	renderer := func(ctx context.Context, req render.Request) (*render.Result, error) {
		res, err := run.r.Render(ctx, req)
		run.r.metrics.renders.WithLabelValues(resultLabel(err)).Inc()
		return res, err
	}
	out, err := target.RenderSources(ctx, run.app, revisions, run.r.Cluster, run.fetchSource, run.r.dependencies(), renderer)
	var rerr *target.RenderError
	if err != nil && !errors.As(err, &rerr) {
		// A fetch failed: not cached, the next reconcile asks again.
		return renderEntry{}, err
	}
	// Render errors are cached too: the same inputs fail the same way.
	e := renderEntry{commit: key, spec: spec, err: err}
	if err == nil {
		e.objects, e.sourceTypes, e.files = out.Objects, out.Types, out.Files
		if !run.multi() && len(out.Types) == 1 {
			e.sourceType = out.Types[0]
		}
	}
	run.r.renders.put(app, e)
	return e, e.err
}

// specKeyAll is specKey of several requests.
func specKeyAll(reqs []render.Request) string {
	keys := make([]string, len(reqs))
	for i, req := range reqs {
		keys[i] = specKey(req)
	}
	b, _ := json.Marshal(keys)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// syncStatus is status.sync for what was compared.
func (run *run) syncStatus(code appv1.SyncStatusCode) appv1.SyncStatus {
	s := appv1.SyncStatus{Status: code, ComparedTo: appv1.ComparedTo{Destination: run.app.Spec.Destination}}
	if run.multi() {
		s.Revisions, s.ComparedTo.Sources = slices.Clone(run.revisions), slices.Clone(run.sources)
	} else {
		s.Revision, s.ComparedTo.Source = run.commit, run.source
	}
	return s
}

// syncResult is the operation's result at the compared revisions.
func (run *run) syncResult(res []appv1.ResourceResult) *appv1.SyncOperationResult {
	out := &appv1.SyncOperationResult{Resources: res}
	if run.multi() {
		out.Revisions, out.Sources = slices.Clone(run.revisions), slices.Clone(run.sources)
	} else {
		out.Revision, out.Source = run.commit, run.source
	}
	return out
}

// syncedSame reports whether an operation's result is at the compared
// revisions and sources.
func (run *run) syncedSame(r *appv1.SyncOperationResult) bool {
	if run.multi() {
		return slices.Equal(r.Revisions, run.revisions) && equality.Semantic.DeepEqual(r.Sources, run.sources)
	}
	return r.Revision == run.commit && sourcesEqual(r.Source, run.source)
}

// pin makes sop sync the revisions of an earlier attempt's result.
func pin(sop *appv1.SyncOperation, r *appv1.SyncOperationResult) (*appv1.SyncOperation, bool) {
	pinned := *sop
	switch {
	case len(r.Revisions) > 0:
		pinned.Revisions = r.Revisions
	case r.Revision != "":
		pinned.Revision = r.Revision
	default:
		return sop, false
	}
	return &pinned, true
}
