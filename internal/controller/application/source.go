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
	"github.com/tether-gitops/tether/internal/live"
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
	desired, err := run.prepare(objs)
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
	req := run.renderRequest()
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

// prepare copies the rendered objects and makes them ready to apply: the
// destination namespace on namespaced objects that have none, none on
// cluster-scoped ones, and Tether's tracking annotation and label.
func (run *run) prepare(objs []*unstructured.Unstructured) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	seen := map[objKey]bool{}
	crdScopes := crdScopes(objs)
	for _, o := range objs {
		obj := o.DeepCopy()
		namespaced, err := run.r.Live.Namespaced(obj.GroupVersionKind())
		if err != nil {
			scope, ok := crdScopes[obj.GroupVersionKind().GroupKind().String()]
			if !ok {
				return nil, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
			}
			namespaced = scope
		}
		switch {
		case !namespaced:
			obj.SetNamespace("")
		case obj.GetNamespace() == "":
			obj.SetNamespace(run.app.Spec.Destination.Namespace)
		}
		if obj.GetNamespace() == "" && namespaced {
			return nil, fmt.Errorf("%s %s has no namespace and the destination sets none", obj.GetKind(), obj.GetName())
		}
		k := keyOf(obj)
		if seen[k] {
			run.conditions.set(appv1.ApplicationConditionRepeatedResourceWarning,
				fmt.Sprintf("%s %s/%s appears more than once; the last one wins", k.kind, k.namespace, k.name))
		}
		seen[k] = true
		track(obj, run.instance())
		out = append(out, obj)
	}
	return out, nil
}

// track marks obj as owned by the Application instance app.
func track(obj *unstructured.Unstructured, app string) {
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[live.TrackingAnnotation] = live.TrackingID(app, obj)
	obj.SetAnnotations(ann)
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[live.ManagedLabel] = "true"
	obj.SetLabels(labels)
}

// crdScopes maps "Kind.group" of CRDs in objs to whether they are namespaced,
// for custom resources whose CRD is applied in the same sync.
func crdScopes(objs []*unstructured.Unstructured) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
		scope, _, _ := unstructured.NestedString(o.Object, "spec", "scope")
		out[kind+"."+group] = scope == "Namespaced"
	}
	return out
}

func describeSource(s appv1.ApplicationSource) string {
	if s.Path == "" {
		return s.RepoURL
	}
	return s.RepoURL + " path " + s.Path
}

func shortSHA(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}

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
