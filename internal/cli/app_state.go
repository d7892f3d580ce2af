package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/live"
	"github.com/tether-gitops/tether/internal/render"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/target"
)

// stateSource says where the desired state comes from: the revision the
// Application tracks, another revision, or a local folder.
type stateSource struct {
	// revision is a branch, tag or commit; empty means the tracked one.
	revision string
	// local is a folder of uncommitted files: the app's directory.
	local string
	// localRoot is the repository root around local; empty means the
	// nearest folder above local that has .git, else local itself.
	localRoot string
}

// desiredState is what Git (or a local folder) says an Application runs.
type desiredState struct {
	// objects are ready to apply, exactly as the controller applies them:
	// namespaced and tracked.
	objects []*unstructured.Unstructured
	// commit is the commit rendered; for a local folder, the one the
	// Application was last compared against.
	commit   string
	warnings []string
}

// desired renders the Application's source with the controller's code:
// the same render request, renderer and preparation of objects.
func (c *appClient) desired(ctx context.Context, app *appv1.Application, store *gitsource.Store, from stateSource) (*desiredState, error) {
	src, err := renderableSource(app)
	if err != nil {
		return nil, err
	}
	commit, root, path, err := c.checkout(ctx, app, src, store, from)
	if err != nil {
		return nil, err
	}
	cluster, err := c.cluster()
	if err != nil {
		return nil, err
	}
	req := target.RenderRequest(app, commit, cluster)
	req.Root, req.Path = root, path
	res, err := render.NewRenderer().Render(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("render application %q from %s: %w", app.Name, renderedFrom(src, from, commit), err)
	}
	objs, warnings, err := target.Prepare(res.Objects, app, c.instance(app), live.NewCache(c.dyn, c.mapper, nil))
	if err != nil {
		return nil, fmt.Errorf("application %q: %w", app.Name, err)
	}
	return &desiredState{objects: objs, commit: commit, warnings: warnings}, nil
}

// checkout returns the commit and the folder (root and app path) to render.
func (c *appClient) checkout(ctx context.Context, app *appv1.Application, src appv1.ApplicationSource, store *gitsource.Store, from stateSource) (commit, root, path string, err error) {
	if from.local != "" {
		root, path, err = localFolder(from.local, from.localRoot)
		return app.Status.Sync.Revision, root, path, err
	}
	rev := from.revision
	if rev == "" {
		rev = src.TargetRevision
	}
	commit, err = store.Resolve(ctx, src.RepoURL, rev)
	if err != nil {
		return "", "", "", err
	}
	root, err = store.Checkout(ctx, src.RepoURL, commit)
	return commit, root, src.Path, err
}

// renderableSource is the Application's one Git source, or why the CLI
// cannot render it.
func renderableSource(app *appv1.Application) (appv1.ApplicationSource, error) {
	spec := app.Spec
	switch {
	case spec.HasMultipleSources():
		return appv1.ApplicationSource{}, fmt.Errorf("application %q has several sources (spec.sources): not supported yet", app.Name)
	case spec.SourceHydrator != nil:
		return appv1.ApplicationSource{}, fmt.Errorf("application %q uses spec.sourceHydrator: not supported yet", app.Name)
	case spec.Source == nil || spec.Source.RepoURL == "":
		return appv1.ApplicationSource{}, fmt.Errorf("application %q has no spec.source.repoURL", app.Name)
	case spec.Source.Chart != "":
		return appv1.ApplicationSource{}, fmt.Errorf("application %q deploys a chart from a Helm repository: not supported yet", app.Name)
	}
	return *spec.Source, nil
}

func renderedFrom(src appv1.ApplicationSource, from stateSource, commit string) string {
	if from.local != "" {
		return from.local
	}
	return fmt.Sprintf("%s at %s", gitsource.Redact(src.RepoURL), target.ShortSHA(commit))
}

// localFolder resolves --local and --local-repo-root to the repository root
// and the app's path inside it.
func localFolder(dir, root string) (string, string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	if st, err := os.Stat(abs); err != nil || !st.IsDir() {
		return "", "", usagef("--local %s is not a folder", dir)
	}
	if root == "" {
		root = gitTopLevel(abs)
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return "", "", err
	}
	rel, err := filepath.Rel(rootAbs, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", "", usagef("--local %s is not inside --local-repo-root %s", dir, root)
	}
	if rel == "." {
		rel = ""
	}
	return rootAbs, filepath.ToSlash(rel), nil
}

// gitTopLevel is the nearest folder from dir upwards that holds .git, or
// dir when there is none.
func gitTopLevel(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// cluster reads the destination cluster's Capabilities for rendering.
func (c *appClient) cluster() (target.Cluster, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(c.config)
	if err != nil {
		return target.Cluster{}, fmt.Errorf("discovery client: %w", err)
	}
	cl, err := target.Discover(dc)
	if err != nil {
		return target.Cluster{}, apiError(err, "discover", "the cluster's version and API groups", c.server)
	}
	return cl, nil
}

// instance is the Application's name in tracking annotations.
func (c *appClient) instance(app *appv1.Application) string {
	return target.InstanceName(app.Namespace, app.Name, c.ns)
}

// objKey identifies an object across versions of its kind.
type objKey struct{ group, kind, namespace, name string }

func keyOf(obj *unstructured.Unstructured) objKey {
	gvk := obj.GroupVersionKind()
	return objKey{gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName()}
}

func (k objKey) String() string {
	kind := k.kind
	if k.group != "" {
		kind = k.group + "/" + k.kind
	}
	return kind + " " + qualified(k.namespace, k.name)
}

// argoName names the object as `argocd app diff` headers do:
// group/kind namespace/name, with empty parts left empty.
func (k objKey) argoName() string {
	return k.group + "/" + k.kind + " " + k.namespace + "/" + k.name
}

func (k objKey) less(o objKey) bool {
	return k.group+"/"+k.kind+"/"+k.namespace+"/"+k.name < o.group+"/"+o.kind+"/"+o.namespace+"/"+o.name
}

// liveState maps objects to their live state as the controller's watches
// see them: only objects with Tether's managed label.
type liveState map[objKey]*unstructured.Unstructured

// live lists the managed objects of the given kinds in the given
// namespaces (cluster-scoped kinds everywhere). Kinds the cluster does not
// serve have no live objects.
func (c *appClient) live(ctx context.Context, kinds []schema.GroupVersionKind, namespaces []string) (liveState, error) {
	out := liveState{}
	opts := metav1.ListOptions{LabelSelector: live.ManagedLabel + "=true"}
	for _, gvk := range kinds {
		mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, apiError(err, "find", "resource type "+gvk.String(), c.server)
		}
		scopes := []string{""}
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			scopes = namespaces
		}
		for _, ns := range scopes {
			list, err := c.dyn.Resource(mapping.Resource).Namespace(ns).List(ctx, opts)
			if err != nil {
				return nil, apiError(err, "list", listWhat(mapping.Resource.Resource, ns), c.server)
			}
			for i := range list.Items {
				out[keyOf(&list.Items[i])] = &list.Items[i]
			}
		}
	}
	return out, nil
}

func listWhat(resource, ns string) string {
	if ns == "" {
		return resource
	}
	return fmt.Sprintf("%s in namespace %q", resource, ns)
}

// scope lists the kinds and namespaces to read live objects of: those of
// the desired objects, of the resources the status lists, and the
// destination namespace.
func scope(app *appv1.Application, desired []*unstructured.Unstructured) ([]schema.GroupVersionKind, []string) {
	kinds := map[schema.GroupVersionKind]bool{}
	nss := map[string]bool{}
	if ns := app.Spec.Destination.Namespace; ns != "" {
		nss[ns] = true
	}
	for _, o := range desired {
		kinds[o.GroupVersionKind()] = true
		nss[o.GetNamespace()] = true
	}
	for _, r := range app.Status.Resources {
		kinds[schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}] = true
		nss[r.Namespace] = true
	}
	delete(nss, "")
	var ks []schema.GroupVersionKind
	for k := range kinds {
		if k.Kind != "" && k.Version != "" {
			ks = append(ks, k)
		}
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].String() < ks[j].String() })
	ns := make([]string, 0, len(nss))
	for n := range nss {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ks, ns
}

// resourcePair is a desired object and its live state; either may be nil.
type resourcePair struct {
	key           objKey
	desired, live *unstructured.Unstructured
}

// pairUp pairs each desired object with its live state (the last one wins
// when Git has an object twice), and adds the live objects that the
// Application owns but Git no longer has, as the controller prunes them.
// Pairs are sorted by group, kind, namespace and name.
func pairUp(desired []*unstructured.Unstructured, state liveState, instance string) []resourcePair {
	byKey := map[objKey]*resourcePair{}
	for _, d := range desired {
		k := keyOf(d)
		byKey[k] = &resourcePair{key: k, desired: d, live: state[k]}
	}
	for k, l := range state {
		if _, ok := byKey[k]; !ok && live.AppOf(l) == instance {
			byKey[k] = &resourcePair{key: k, live: l}
		}
	}
	out := make([]resourcePair, 0, len(byKey))
	for _, p := range byKey {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.less(out[j].key) })
	return out
}
