package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/chartsource"
	"github.com/tether-gitops/tether/internal/devcluster"
	"github.com/tether-gitops/tether/internal/live"
	"github.com/tether-gitops/tether/internal/render"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/source/helmrepo"
	"github.com/tether-gitops/tether/internal/source/oci"
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
	// position is the 1-based source that revision applies to (0: the
	// first); revisions and positions pair up for several sources.
	position  int
	revisions []string
	positions []int
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

// desired renders the Application's sources with the controller's code:
// the same render requests, renderer and preparation of objects.
func (c *appClient) desired(ctx context.Context, app *appv1.Application, store *gitsource.Store, from stateSource) (*desiredState, error) {
	if err := renderable(app); err != nil {
		return nil, err
	}
	cluster, err := c.cluster()
	if err != nil {
		return nil, err
	}
	var rendered *target.Rendered
	var revisions []string
	if from.local != "" {
		rendered, revisions, err = c.renderLocal(ctx, app, cluster, from)
	} else {
		rendered, revisions, err = c.renderGit(ctx, app, store, cluster, from)
	}
	if err != nil {
		return nil, err
	}
	objs, warnings, err := target.Prepare(rendered.Objects, app, c.instance(app), live.NewCache(c.dyn, c.mapper, nil))
	if err != nil {
		return nil, fmt.Errorf("application %q: %w", app.Name, err)
	}
	return &desiredState{objects: objs, commit: strings.Join(revisions, " "), warnings: warnings}, nil
}

// renderLocal renders the files of a local folder as the Application's
// single source.
func (c *appClient) renderLocal(ctx context.Context, app *appv1.Application, cluster target.Cluster, from stateSource) (*target.Rendered, []string, error) {
	if app.Spec.HasMultipleSources() {
		return nil, nil, usagef("--local: application %q has several sources (spec.sources); render them from Git", app.Name)
	}
	root, path, err := localFolder(from.local, from.localRoot)
	if err != nil {
		return nil, nil, err
	}
	commit := app.Status.Sync.Revision
	req := target.RenderRequest(app, commit, cluster)
	req.Root, req.Path = root, path
	req.Dependencies = target.ChartDependencies(c.charts())
	res, err := render.NewRenderer().Render(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("render application %q from %s: %w", app.Name, from.local, err)
	}
	return &target.Rendered{Objects: res.Objects, Types: []string{res.Type}}, []string{commit}, nil
}

// renderGit resolves every source (at the revisions from asks for, else
// the tracked ones) and renders them.
func (c *appClient) renderGit(ctx context.Context, app *appv1.Application, store *gitsource.Store, cluster target.Cluster, from stateSource) (*target.Rendered, []string, error) {
	sources := app.Spec.GetSources()
	targets, err := from.targets(len(sources))
	if err != nil {
		return nil, nil, err
	}
	charts := c.charts()
	chart := func(src appv1.ApplicationSource) bool {
		if charts != nil {
			return charts.Handles(src)
		}
		return target.LooksLikeChart(src)
	}
	revisions := make([]string, len(sources))
	for i, src := range sources {
		rev := src.TargetRevision
		if targets[i] != "" {
			rev = targets[i]
		}
		switch {
		case chart(src) && charts == nil:
			err = fmt.Errorf("chart and OCI sources are not supported by this command")
		case chart(src):
			src.TargetRevision = rev
			revisions[i], err = charts.Resolve(ctx, src, time.Now())
		default:
			revisions[i], err = store.Resolve(ctx, src.RepoURL, rev)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("application %q: %s: %w", app.Name, describePosition(app, i), err)
		}
	}
	fetch := func(ctx context.Context, src appv1.ApplicationSource, revision string) (target.Fetched, error) {
		if chart(src) {
			return charts.Fetch(ctx, src, revision)
		}
		dir, err := store.Checkout(ctx, src.RepoURL, revision)
		return target.Fetched{Dir: dir}, err
	}
	out, err := target.RenderSources(ctx, app, revisions, cluster, fetch, target.ChartDependencies(charts), render.NewRenderer().Render)
	if err != nil {
		return nil, nil, fmt.Errorf("application %q: %w", app.Name, err)
	}
	return out, revisions, nil
}

// describePosition names source i of app for messages.
func describePosition(app *appv1.Application, i int) string {
	src := app.Spec.GetSources()[i]
	name := target.DescribeSource(appv1.ApplicationSource{RepoURL: gitsource.Redact(src.RepoURL), Path: src.Path, Chart: src.Chart})
	if app.Spec.HasMultipleSources() {
		return fmt.Sprintf("source %d (%s)", i+1, name)
	}
	return name
}

// targets returns, for each of n sources, the revision asked for ("" for
// the tracked one): --revision for --source-position (1 by default), or
// --revisions paired with --source-positions.
func (from stateSource) targets(n int) ([]string, error) {
	out := make([]string, n)
	if len(from.revisions) != len(from.positions) {
		return nil, usagef("--revisions and --source-positions must be given as often as each other (%d and %d)", len(from.revisions), len(from.positions))
	}
	set := func(pos int, rev string) error {
		if pos < 1 || pos > n {
			return usagef("source position %d is out of range: the application has %d source(s)", pos, n)
		}
		out[pos-1] = rev
		return nil
	}
	if from.revision != "" {
		pos := from.position
		if pos == 0 {
			pos = 1
		}
		if err := set(pos, from.revision); err != nil {
			return nil, err
		}
	}
	for i, rev := range from.revisions {
		if err := set(from.positions[i], rev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// renderable reports why the CLI cannot render app, or nil.
func renderable(app *appv1.Application) error {
	spec := app.Spec
	switch {
	case spec.SourceHydrator != nil:
		return fmt.Errorf("application %q uses spec.sourceHydrator: not supported yet", app.Name)
	case len(spec.GetSources()) == 0:
		return fmt.Errorf("application %q has no spec.source", app.Name)
	}
	for i, src := range spec.GetSources() {
		if src.RepoURL == "" {
			return fmt.Errorf("application %q: %s has no repoURL", app.Name, describePosition(app, i))
		}
	}
	return nil
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

// charts serves the chart and OCI sources of Applications, with the
// repository Secrets and argocd-tls-certs-cm of the namespace (none when
// they may not be read), read once per command.
func (c *appClient) charts() target.Charts {
	c.chartsOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), "tether-cli-charts")
		if cache, err := devcluster.DefaultCacheDir(); err == nil {
			dir = filepath.Join(cache, "cli-charts")
		}
		var (
			once    sync.Once
			secrets []corev1.Secret
			certs   map[string]string
			readErr error
		)
		read := func(ctx context.Context) {
			once.Do(func() {
				list, err := c.typed.CoreV1().Secrets(c.ns).List(ctx, metav1.ListOptions{LabelSelector: gitsource.SecretTypeLabel})
				switch {
				case apierrors.IsForbidden(err):
				case err != nil:
					readErr = apiError(err, "list", fmt.Sprintf("repository secrets in namespace %q", c.ns), c.server)
					return
				default:
					secrets = list.Items
				}
				cm, err := c.typed.CoreV1().ConfigMaps(c.ns).Get(ctx, "argocd-tls-certs-cm", metav1.GetOptions{})
				switch {
				case apierrors.IsNotFound(err), apierrors.IsForbidden(err):
				case err != nil:
					readErr = apiError(err, "get", fmt.Sprintf("configmap argocd-tls-certs-cm in namespace %q", c.ns), c.server)
				default:
					certs = cm.Data
				}
			})
		}
		c.chartSources = &chartsource.Sources{
			Helm: helmrepo.New(helmrepo.Options{CacheDir: filepath.Join(dir, "charts")}),
			OCI:  oci.New(oci.Options{CacheDir: filepath.Join(dir, "oci")}),
			Secrets: func(ctx context.Context) ([]corev1.Secret, error) {
				read(ctx)
				return secrets, readErr
			},
			TLSCerts: func(ctx context.Context) (map[string]string, error) {
				read(ctx)
				return certs, readErr
			},
		}
	})
	return c.chartSources
}

// addRevisionFlags adds the flags choosing which revision of which source
// to render, as `argocd app diff` and `argocd app manifests` have them.
func addRevisionFlags(f *pflag.FlagSet, from *stateSource, verb string) {
	f.StringVar(&from.revision, "revision", "", verb+" this branch, tag, commit or chart version instead of the tracked revision")
	f.IntVar(&from.position, "source-position", 0, "the source (1-based, of spec.sources) that --revision applies to (default 1)")
	f.StringArrayVar(&from.revisions, "revisions", nil, "revisions of several sources, each paired with a --source-positions")
	f.IntSliceVar(&from.positions, "source-positions", nil, "the 1-based source positions of --revisions, in the same order")
}

// checkRevisionFlags refuses combinations that mean nothing.
func checkRevisionFlags(from stateSource) error {
	switch {
	case from.local != "" && (from.revision != "" || len(from.revisions) > 0):
		return usagef("--local and --revision (or --revisions) cannot be used together")
	case from.localRoot != "" && from.local == "":
		return usagef("--local-repo-root needs --local")
	case from.position != 0 && from.revision == "":
		return usagef("--source-position needs --revision")
	case len(from.revisions) != len(from.positions):
		return usagef("--revisions and --source-positions must be given as often as each other (%d and %d)", len(from.revisions), len(from.positions))
	}
	return nil
}
