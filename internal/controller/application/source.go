package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
	"github.com/tether-gitops/tether/internal/target"
)

// resolve turns the target revision into a commit, trusting a recent answer
// for the same repository and revision unless a refresh was asked for.
func (run *run) resolve(ctx context.Context) bool {
	// A refresh asks the repository; a new Application takes no answer
	// older than itself, which may predate the commit that created it (an
	// ApplicationSet's new folder, say).
	var notBefore time.Time
	lenient := false
	switch {
	case run.hardRefresh:
		notBefore = time.Now()
	case run.orig.Status.Sync.Revision == "" && len(run.orig.Status.Sync.Revisions) == 0:
		// Creation times are truncated to the second: round up.
		notBefore, lenient = run.app.CreationTimestamp.Add(time.Second), true
	}
	revisions, err := run.resolveAll(ctx, nil, notBefore, lenient)
	if err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		run.retryIn = 30 * time.Second
		return false
	}
	run.revisions, run.commit = revisions, revisionKey(revisions)
	return true
}

// render produces the desired objects for run.revisions, from the cache
// when neither the revisions nor anything that shapes the output changed.
func (run *run) render(ctx context.Context) bool {
	desired, warnings, types, err := run.desiredAt(ctx, run.revisions)
	if run.multi() {
		if len(types) > 0 {
			run.app.Status.SourceTypes = make([]appv1.ApplicationSourceType, len(types))
			for i, t := range types {
				run.app.Status.SourceTypes[i] = appv1.ApplicationSourceType(t)
			}
		}
	} else if len(types) > 0 && types[0] != "" {
		run.app.Status.SourceType = appv1.ApplicationSourceType(types[0])
	}
	for _, w := range warnings {
		run.conditions.add(appv1.ApplicationConditionRepeatedResourceWarning, w)
	}
	if err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		return false
	}
	if hooks := target.Hooks(desired); len(hooks) > 0 {
		run.conditions.add(appv1.ApplicationConditionUnsupportedField,
			"resource hooks are not run as hooks yet; they are applied in their sync wave as ordinary objects: "+strings.Join(hooks, ", "))
	}
	run.desired = desired
	return true
}

// desiredAt returns the objects to apply at revisions, rendered and
// prepared (target.Prepare), with Prepare's warnings and the source types.
// Both steps are cached with the render, so a reconcile in which nothing
// changed copies no object. The objects are shared and must not be
// modified.
func (run *run) desiredAt(ctx context.Context, revisions []string) ([]*unstructured.Unstructured, []string, []string, error) {
	e, err := run.renderAt(ctx, revisions)
	if err != nil {
		return nil, nil, nil, err
	}
	types := e.types()
	if e.prepared != nil {
		return e.prepared, e.warnings, types, nil
	}
	desired, warnings, err := target.Prepare(e.objects, run.app, run.instance(), run.r.Live)
	if err != nil {
		return nil, warnings, types, err
	}
	e.prepared, e.warnings = desired, warnings
	run.r.renders.put(run.instance(), e)
	return desired, warnings, types, nil
}

// renderAt renders the sources at revisions: a single Git source here,
// the others in renderSources.
func (run *run) renderAt(ctx context.Context, revisions []string) (renderEntry, error) {
	if run.multi() || run.r.chartSource(run.source) {
		return run.renderSources(ctx, revisions)
	}
	return run.renderGit(ctx, revisions[0])
}

// renderGit renders a single Git source at commit; the result is shared
// and must not be modified. When only the commit changed since the last
// render and the change touches none of the files that shaped it, the last
// render carries over without rendering again: one commit in a monorepo
// re-renders only the Applications whose files it touched.
func (run *run) renderGit(ctx context.Context, commit string) (renderEntry, error) {
	req := target.RenderRequest(run.app, commit, run.r.Cluster)
	spec := specKey(req)
	app := run.instance()
	if e, ok := run.r.renders.get(app, commit, spec); ok {
		return e, e.err
	}
	if prev, ok := run.r.renders.previous(app, spec); ok && prev.err == nil && !usesRevision(run.source) {
		if unaffected, err := run.unaffected(ctx, prev, commit); err == nil && unaffected {
			prev.commit = commit
			run.r.renders.put(app, prev)
			return prev, nil
		}
	}
	dir, err := run.r.Source.Checkout(ctx, run.source.RepoURL, commit)
	if err != nil {
		return renderEntry{}, err
	}
	req.Root, req.Dependencies = dir, run.r.dependencies()
	res, err := run.r.Render(ctx, req)
	run.r.metrics.renders.WithLabelValues(resultLabel(err)).Inc()
	if target.Transient(err) {
		// A chart dependency could not be downloaded: not cached, the
		// next reconcile tries again.
		return renderEntry{}, fmt.Errorf("render %s at %s: %w", describeSource(run.source), shortSHA(commit), err)
	}
	e := renderEntry{commit: commit, spec: spec}
	if err != nil {
		// Render errors are cached too: the same inputs fail the same way.
		e.err = fmt.Errorf("render %s at %s: %w", describeSource(run.source), shortSHA(commit), err)
	} else {
		e.objects, e.sourceType, e.files = res.Objects, res.Type, res.Files
	}
	run.r.renders.put(app, e)
	return e, e.err
}

// unaffected reports whether the change from prev's commit to commit leaves
// every input of prev's render as it was: no changed file under the app's
// path, among the files the render read, or under the paths of Argo CD's
// manifest-generate-paths annotation when it is set.
func (run *run) unaffected(ctx context.Context, prev renderEntry, commit string) (bool, error) {
	changed, err := run.r.changes.get(ctx, run.r.Source, run.source.RepoURL, prev.commit, commit)
	if err != nil {
		return false, err
	}
	watched := target.WatchedPaths(run.app)
	read := map[string]bool{}
	for _, f := range prev.files {
		read[f] = true
	}
	for _, f := range changed {
		if read[f] || target.UnderAny(f, watched) {
			return false, nil
		}
	}
	return true, nil
}

func describeSource(s appv1.ApplicationSource) string { return target.DescribeSource(s) }

func shortSHA(commit string) string { return target.ShortSHA(commit) }

// specKey identifies everything of a render's inputs but the commit (also
// in the build environment) and the checkout folder.
func specKey(req render.Request) string {
	env := make(map[string]string, len(req.Env))
	for k, v := range req.Env {
		if !strings.HasPrefix(k, "ARGOCD_APP_REVISION") {
			env[k] = v
		}
	}
	req.Env = env
	b, _ := json.Marshal(req)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// usesRevision reports whether the source spec refers to the revision
// through the build environment, so that a render cannot carry over to
// another commit.
func usesRevision(src appv1.ApplicationSource) bool {
	b, _ := json.Marshal(src)
	return strings.Contains(string(b), "ARGOCD_APP_REVISION")
}

type renderEntry struct {
	commit, spec string
	objects      []*unstructured.Unstructured
	sourceType   string
	// sourceTypes are each rendered source's type, for spec.sources.
	sourceTypes []string
	// files are the repository files the render read.
	files []string
	// prepared are objects ready to apply, and Prepare's warnings; nil
	// until the first reconcile that uses the render prepares them.
	prepared []*unstructured.Unstructured
	warnings []string
	err      error
}

// types are the source types of the render, one per rendered source.
func (e renderEntry) types() []string {
	if e.sourceTypes != nil {
		return e.sourceTypes
	}
	if e.sourceType == "" {
		return nil
	}
	return []string{e.sourceType}
}

// renderCache keeps each Application's last render. Its size is bounded by
// the number of Applications.
type renderCache struct {
	mu      sync.Mutex
	entries map[string]renderEntry
}

func newRenderCache() *renderCache { return &renderCache{entries: map[string]renderEntry{}} }

// get returns app's render of spec at commit.
func (c *renderCache) get(app, commit, spec string) (renderEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[app]
	if !ok || e.commit != commit || e.spec != spec {
		return renderEntry{}, false
	}
	return e, true
}

// previous returns app's last render of spec, at whatever commit.
func (c *renderCache) previous(app, spec string) (renderEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[app]
	if !ok || e.spec != spec {
		return renderEntry{}, false
	}
	return e, true
}

func (c *renderCache) put(app string, e renderEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[app] = e
}

// reads reports whether app's last render read one of files.
func (c *renderCache) reads(app string, files []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[app]
	if !ok {
		return false
	}
	for _, f := range files {
		if slices.Contains(e.files, f) {
			return true
		}
	}
	return false
}

func (c *renderCache) forget(app string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, app)
}

// changeCache remembers the files changed between two commits of a
// repository: every Application of a monorepo asks the same question, often
// at once (a push moves them all to a new commit), so callers that miss the
// same key share one answer.
type changeCache struct {
	mu       sync.Mutex
	entries  map[[3]string][]string
	order    [][3]string
	inflight map[[3]string]*pendingChange
}

// pendingChange is a ChangedFiles call in progress; done closes when files
// and err are set.
type pendingChange struct {
	done  chan struct{}
	files []string
	err   error
}

const changeCacheSize = 256

func newChangeCache() *changeCache {
	return &changeCache{entries: map[[3]string][]string{}, inflight: map[[3]string]*pendingChange{}}
}

func (c *changeCache) get(ctx context.Context, src Source, repo, from, to string) ([]string, error) {
	key := [3]string{repo, from, to}
	c.mu.Lock()
	if files, ok := c.entries[key]; ok {
		c.mu.Unlock()
		return files, nil
	}
	if p, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-p.done:
			return p.files, p.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	p := &pendingChange{done: make(chan struct{})}
	c.inflight[key] = p
	c.mu.Unlock()
	p.files, p.err = src.ChangedFiles(ctx, repo, from, to)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.inflight, key)
	close(p.done)
	if p.err != nil {
		return nil, p.err
	}
	c.entries[key] = p.files
	c.order = append(c.order, key)
	if len(c.order) > changeCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	return p.files, nil
}

func resultLabel(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
