package application

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/target"
)

// run is the state of one reconcile of one Application.
type run struct {
	r    *Reconciler
	orig *appv1.Application
	// app is the copy whose status the steps fill in.
	app *appv1.Application
	// raw is the object as stored, unknown fields included.
	raw *unstructured.Unstructured

	conditions conditionSet
	// source is the first of sources, the only one unless multi().
	source  appv1.ApplicationSource
	sources appv1.ApplicationSources
	// project is the Application's AppProject, once checkProject passed.
	project *appv1.AppProject
	// revisions are the sources' resolved revisions; commit is their key
	// (revisionKey), the revision itself for a single source.
	revisions []string
	commit    string
	// rendered holds what Git says, ready to apply (namespaced, tracked).
	desired []*unstructured.Unstructured
	// live maps desired and owned objects to their live state (nil: missing).
	live map[objKey]*unstructured.Unstructured
	// drift maps out-of-sync objects to the fields that differ.
	drift map[objKey][]string
	// prune lists owned live objects that Git no longer has.
	prune []*unstructured.Unstructured
	// hardRefresh drops caches for this run.
	hardRefresh bool
	// transient is an error worth a backed-off retry, unless retryIn
	// schedules the next reconcile (see result).
	transient error
	// retryIn asks for an earlier reconcile than the periodic one.
	retryIn time.Duration
}

// objKey identifies an object across versions of its kind.
type objKey struct {
	group, kind, namespace, name string
}

func keyOf(obj *unstructured.Unstructured) objKey {
	gvk := obj.GroupVersionKind()
	return objKey{group: gvk.Group, kind: gvk.Kind, namespace: obj.GetNamespace(), name: obj.GetName()}
}

func newRun(r *Reconciler, app *appv1.Application, raw *unstructured.Unstructured) *run {
	return &run{
		r:          r,
		orig:       app.DeepCopy(),
		app:        app,
		raw:        raw,
		conditions: conditionSet{},
		live:       map[objKey]*unstructured.Unstructured{},
		drift:      map[objKey][]string{},
	}
}

// A step does one part of the reconcile and reports whether the pipeline
// continues. It owns the conditions it sets.
type step struct {
	name string
	fn   func(context.Context) bool
}

func (run *run) execute(ctx context.Context) {
	steps := []step{
		{"refresh", run.refresh},
		{"check spec", run.checkSpec},
		{"check project", run.checkProject},
		{"resolve revision", run.resolve},
		{"render", run.render},
		{"compare", run.compare},
		{"sync", run.sync},
		{"health", run.assessHealth},
	}
	for _, s := range steps {
		if !s.fn(ctx) {
			run.failOperation()
			return
		}
	}
}

// instance is the Application's name in tracking ids: its name, prefixed by
// its namespace when that is not the controller's, as Argo CD does.
func (run *run) instance() string {
	return instanceName(run.app.Namespace, run.app.Name, run.r.Namespace)
}

func instanceName(namespace, name, controllerNamespace string) string {
	return target.InstanceName(namespace, name, controllerNamespace)
}

// kinds lists the kinds of desired objects and of resources the status
// remembers, so that objects left in the cluster are still watched.
func (run *run) kinds() []schema.GroupVersionKind {
	seen := map[schema.GroupVersionKind]bool{}
	var out []schema.GroupVersionKind
	add := func(gvk schema.GroupVersionKind) {
		if !seen[gvk] && gvk.Kind != "" {
			seen[gvk] = true
			out = append(out, gvk)
		}
	}
	for _, obj := range run.desired {
		add(obj.GroupVersionKind())
	}
	for _, res := range run.orig.Status.Resources {
		add(schema.GroupVersionKind{Group: res.Group, Version: res.Version, Kind: res.Kind})
	}
	return out
}
