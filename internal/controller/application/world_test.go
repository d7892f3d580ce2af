package application

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/live"
	"github.com/tether-gitops/tether/internal/render"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// A world is a Reconciler wired to fakes instead of a cluster: a
// controller-runtime fake client for Applications and AppProjects, a fake
// dynamic client behind the live cache and the applier, a fake repository
// and renderer. It lets unit tests judge decisions by the state they leave.
type world struct {
	r    *Reconciler
	dyn  *dynamicfake.FakeDynamicClient
	repo *fakeRepo
	// writes counts patches of Applications.
	writes atomic.Int32
	now    time.Time
}

var (
	gvkConfigMap   = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	gvkNamespace   = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	gvkDeployment  = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	gvkClusterRole = schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}
)

// fakeRepo is a repository whose revisions resolve through commits and
// whose commits render to objects.
type fakeRepo struct {
	commits    map[string]string // revision → commit
	objects    map[string][]*unstructured.Unstructured
	resolveErr error
	// changed lists the files that differ between any two commits; nil
	// means every file the renders read.
	changed []string
	renders atomic.Int32
}

func (f *fakeRepo) Resolve(_ context.Context, _, revision string) (string, error) {
	if f.resolveErr != nil {
		return "", f.resolveErr
	}
	if c, ok := f.commits[revision]; ok {
		return c, nil
	}
	return "", errors.New("unknown revision " + revision)
}

func (f *fakeRepo) Checkout(_ context.Context, _, commit string) (string, error) {
	return "/checkout/" + commit, nil
}

func (f *fakeRepo) ChangedFiles(_ context.Context, _, from, to string) ([]string, error) {
	if f.changed == nil && from != to {
		return []string{"guestbook/a.yaml"}, nil
	}
	return f.changed, nil
}

func (f *fakeRepo) render(_ context.Context, req render.Request) (*render.Result, error) {
	f.renders.Add(1)
	commit := req.Root[len("/checkout/"):]
	var out []*unstructured.Unstructured
	for _, o := range f.objects[commit] {
		out = append(out, o.DeepCopy())
	}
	return &render.Result{Type: render.TypeDirectory, Objects: out, Files: []string{req.Path + "/a.yaml"}}, nil
}

func newWorld(t *testing.T, objs ...client.Object) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(gvkConfigMap, meta.RESTScopeNamespace)
	mapper.Add(gvkDeployment, meta.RESTScopeNamespace)
	mapper.Add(gvkNamespace, meta.RESTScopeRoot)
	mapper.Add(gvkClusterRole, meta.RESTScopeRoot)
	listKinds := map[schema.GroupVersionResource]string{}
	for _, gvk := range []schema.GroupVersionKind{gvkConfigMap, gvkDeployment, gvkNamespace, gvkClusterRole} {
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatal(err)
		}
		listKinds[m.Resource] = gvk.Kind + "List"
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds)
	dyn.PrependReactor("patch", "*", applyReactor(dyn.Tracker()))

	scheme := runtime.NewScheme()
	if err := appv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	w := &world{dyn: dyn, now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		repo: &fakeRepo{commits: map[string]string{"main": "c1"}, objects: map[string][]*unstructured.Unstructured{}}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithInterceptorFuncs(interceptor.Funcs{Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			w.writes.Add(1)
			return c.Patch(ctx, obj, patch, opts...)
		}}).Build()
	lc := live.NewCache(dyn, mapper, nil)
	lc.Start(ctx)
	w.r = &Reconciler{
		Client:    c,
		Live:      lc,
		Applier:   &apply.Applier{Dynamic: dyn, Mapper: mapper, Manager: FieldManager},
		Source:    w.repo,
		Render:    w.repo.render,
		Revisions: gitsource.NewRevisionCache(time.Minute),
		Options:   Options{Namespace: "argocd", ReconcileInterval: 3 * time.Minute, SelfHealTimeout: 5 * time.Second},
		now:       func() time.Time { return w.now },
	}
	w.r.Init(nil)
	return w
}

// applyReactor stands in for server-side apply: it stores the applied
// object as given, creating it when missing; a dry run stores nothing.
func applyReactor(tracker k8stesting.ObjectTracker) k8stesting.ReactionFunc {
	return func(action k8stesting.Action) (bool, runtime.Object, error) {
		pa, ok := action.(k8stesting.PatchActionImpl)
		if !ok || pa.GetPatchType() != "application/apply-patch+yaml" {
			return false, nil, nil
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(pa.GetPatch(), &obj.Object); err != nil {
			return true, nil, err
		}
		obj.SetName(pa.GetName())
		if len(pa.PatchOptions.DryRun) > 0 {
			return true, obj, nil
		}
		gvr, ns := pa.GetResource(), pa.GetNamespace()
		_, err := tracker.Get(gvr, ns, pa.GetName(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			err = tracker.Create(gvr, obj, ns)
		case err == nil:
			err = tracker.Update(gvr, obj, ns)
		}
		return true, obj, err
	}
}

// seedLive stores objs in the fake cluster as objects of app: labelled and
// annotated as Tether applies them.
func (w *world) seedLive(t *testing.T, app string, objs ...*unstructured.Unstructured) {
	t.Helper()
	for _, o := range objs {
		o = o.DeepCopy()
		o.SetLabels(map[string]string{live.ManagedLabel: "true"})
		ann := o.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[live.TrackingAnnotation] = live.TrackingID(app, o)
		o.SetAnnotations(ann)
		m, err := w.r.Applier.Mapper.RESTMapping(o.GroupVersionKind().GroupKind(), o.GroupVersionKind().Version)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.dyn.Tracker().Create(m.Resource, o, o.GetNamespace()); err != nil {
			t.Fatal(err)
		}
	}
}

// liveObj returns the object in the fake cluster, or nil.
func (w *world) liveObj(t *testing.T, gvk schema.GroupVersionKind, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	m, err := w.r.Applier.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatal(err)
	}
	o, err := w.dyn.Tracker().Get(m.Resource, namespace, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(mustToMap(t, o), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func mustToMap(t *testing.T, o runtime.Object) map[string]any {
	t.Helper()
	if u, ok := o.(*unstructured.Unstructured); ok {
		return u.Object
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// configMap is a desired ConfigMap in namespace ns, in sync wave wave ("" for none).
func configMap(ns, name, wave string, data map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"data": data}}
	u.SetGroupVersionKind(gvkConfigMap)
	u.SetNamespace(ns)
	u.SetName(name)
	if wave != "" {
		u.SetAnnotations(map[string]string{apply.SyncWaveAnnotation: wave})
	}
	return u
}

// defaultProject permits everything, as Argo CD's default project does.
func defaultProject() *appv1.AppProject {
	return &appv1.AppProject{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "default"},
		Spec: appv1.AppProjectSpec{
			SourceRepos:              []string{"*"},
			Destinations:             []appv1.ApplicationDestination{{Server: "*", Namespace: "*"}},
			ClusterResourceWhitelist: []appv1.ClusterResourceRestrictionItem{{Group: "*", Kind: "*"}},
		},
	}
}

// guestbook is an Application of the default project deploying path
// guestbook at main into namespace guestbook.
func guestbook(mod func(*appv1.Application)) *appv1.Application {
	app := &appv1.Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: appv1.GroupVersion.String(), Kind: "Application"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "guestbook"},
		Spec: appv1.ApplicationSpec{
			Project:     "default",
			Source:      &appv1.ApplicationSource{RepoURL: "https://git.example/guestbook.git", TargetRevision: "main", Path: "guestbook"},
			Destination: appv1.ApplicationDestination{Server: inClusterServer, Namespace: "guestbook"},
		},
	}
	if mod != nil {
		mod(app)
	}
	return app
}

// newTestRun starts a reconcile of app in w, as Reconcile does after
// reading it.
func (w *world) newTestRun(t *testing.T, app *appv1.Application) *run {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(app)
	if err != nil {
		t.Fatal(err)
	}
	return newRun(w.r, app.DeepCopy(), &unstructured.Unstructured{Object: m})
}

// getApp reads app back from the fake client.
func (w *world) getApp(t *testing.T, name string) *appv1.Application {
	t.Helper()
	app := &appv1.Application{}
	if err := w.r.Client.Get(context.Background(), client.ObjectKey{Namespace: "argocd", Name: name}, app); err != nil {
		t.Fatal(err)
	}
	return app
}

// use sets the run's single source and, when given, its resolved commit, as
// checkSpec and resolve would.
func (run *run) use(src appv1.ApplicationSource, commit ...string) {
	run.source, run.sources = src, appv1.ApplicationSources{src}
	if len(commit) > 0 {
		run.revisions, run.commit = commit, revisionKey(commit)
	}
}
