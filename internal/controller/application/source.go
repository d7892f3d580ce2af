package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/target"
)

// resolve turns the target revision into a commit, trusting a recent answer
// for the same repository and revision unless a refresh was asked for.
func (run *run) resolve(ctx context.Context) bool {
	src := run.source
	commit, err := run.r.revisions.resolve(ctx, run.r.Source, src.RepoURL, src.TargetRevision, run.hardRefresh)
	if err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		run.retryIn = 30 * time.Second
		return false
	}
	run.commit = commit
	return true
}

// render produces the desired objects for run.commit, from the cache when
// neither the commit nor anything that shapes the output changed.
func (run *run) render(ctx context.Context) bool {
	objs, typ, err := run.renderAt(ctx, run.commit)
	if err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		return false
	}
	run.app.Status.SourceType = appv1.ApplicationSourceType(typ)
	desired, warnings, err := target.Prepare(objs, run.app, run.instance(), run.r.Live)
	for _, w := range warnings {
		run.conditions.set(appv1.ApplicationConditionRepeatedResourceWarning, w)
	}
	if err != nil {
		run.conditions.set(appv1.ApplicationConditionComparisonError, err.Error())
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		return false
	}
	run.desired = desired
	return true
}

// renderAt renders the source at commit; the result is shared and must not
// be modified.
func (run *run) renderAt(ctx context.Context, commit string) ([]*unstructured.Unstructured, string, error) {
	req := target.RenderRequest(run.app, commit, run.r.Cluster)
	key := renderKey(commit, req)
	if e, ok := run.r.renders.get(run.instance(), key); ok {
		return e.objects, e.sourceType, e.err
	}
	dir, err := run.r.Source.Checkout(ctx, run.source.RepoURL, commit)
	if err != nil {
		return nil, "", err
	}
	req.Root = dir
	res, err := run.r.Render(ctx, req)
	run.r.metrics.renders.WithLabelValues(resultLabel(err)).Inc()
	if err != nil {
		err = fmt.Errorf("render %s at %s: %w", describeSource(run.source), shortSHA(commit), err)
		// Render errors are cached too: the same inputs fail the same way.
		run.r.renders.put(run.instance(), key, renderEntry{err: err})
		return nil, "", err
	}
	e := renderEntry{objects: res.Objects, sourceType: res.Type}
	run.r.renders.put(run.instance(), key, e)
	return e.objects, e.sourceType, nil
}

func describeSource(s appv1.ApplicationSource) string {
	if s.Path == "" {
		return s.RepoURL
	}
	return s.RepoURL + " path " + s.Path
}

func shortSHA(commit string) string { return target.ShortSHA(commit) }

// renderKey identifies a render's inputs: the commit and everything of the
// request but the checkout folder.
func renderKey(commit string, req any) string {
	b, _ := json.Marshal(req)
	h := sha256.Sum256(append([]byte(commit+"\x00"), b...))
	return hex.EncodeToString(h[:16])
}

type renderEntry struct {
	objects    []*unstructured.Unstructured
	sourceType string
	err        error
}

// renderCache keeps each Application's last render, by input key. Its size
// is bounded by the number of Applications.
type renderCache struct {
	mu      sync.Mutex
	entries map[string]keyedRender
}

type keyedRender struct {
	key string
	renderEntry
}

func newRenderCache() *renderCache { return &renderCache{entries: map[string]keyedRender{}} }

func (c *renderCache) get(app, key string) (renderEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[app]
	if !ok || e.key != key {
		return renderEntry{}, false
	}
	return e.renderEntry, true
}

func (c *renderCache) put(app, key string, e renderEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[app] = keyedRender{key: key, renderEntry: e}
}

func (c *renderCache) forget(app string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, app)
}

// revisionCache remembers what branches and tags resolved to, for ttl.
type revisionCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[2]string]resolved
}

type resolved struct {
	commit string
	at     time.Time
}

func newRevisionCache(ttl time.Duration) *revisionCache {
	return &revisionCache{ttl: ttl, entries: map[[2]string]resolved{}}
}

func (c *revisionCache) resolve(ctx context.Context, src Source, repo, rev string, fresh bool) (string, error) {
	key := [2]string{repo, rev}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && !fresh && time.Since(e.at) < c.ttl {
		return e.commit, nil
	}
	commit, err := src.Resolve(ctx, repo, rev)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.entries[key] = resolved{commit: commit, at: time.Now()}
	c.mu.Unlock()
	return commit, nil
}

// Invalidate drops what is known of repo's revisions, so that the next
// reconcile asks the repository: for push webhooks.
func (c *revisionCache) invalidate(repo string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if k[0] == repo {
			delete(c.entries, k)
		}
	}
}

func resultLabel(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
