package application

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/project"
)

// SetupWithManager registers the reconciler with mgr, reconciling with
// workers in parallel.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, triggers *Triggers, workers int) error {
	r.Init(crmetrics.Registry)
	if r.Reader == nil {
		// The client would send unstructured reads to the API server.
		r.Reader = mgr.GetCache()
	}
	app := &unstructured.Unstructured{}
	app.SetGroupVersionKind(appv1.GroupVersion.WithKind("Application"))
	return ctrl.NewControllerManagedBy(mgr).
		Named("application").
		For(app, builder.WithPredicates(ignoreStatusOnly())).
		WatchesRawSource(triggers.Source()).
		Watches(&appv1.AppProject{}, handler.EnqueueRequestsFromMapFunc(r.appsOfProject)).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers,
			LogConstructor: requestLogger(mgr.GetLogger().WithValues("controller", "application"))}).
		Complete(r)
}

// appsOfProject lists the Applications of a changed AppProject, so that a
// project's new rules apply at once. It runs in the AppProject informer's
// event handler, so it only reads the cache, without copying it.
func (r *Reconciler) appsOfProject(ctx context.Context, obj client.Object) []reconcile.Request {
	// No Application is quiet under a project that changed.
	r.quiet.projectChanged(obj.GetName())
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationList"))
	if err := r.Reader.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		app := &list.Items[i]
		name, _, _ := unstructured.NestedString(app.Object, "spec", "project")
		if name == "" {
			name = project.DefaultName
		}
		if name == obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(app)})
		}
	}
	return out
}

// ignoreStatusOnly drops update events that changed only the status, which
// are mostly the controller's own writes.
func ignoreStatusOnly() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		oldU, ok1 := e.ObjectOld.(*unstructured.Unstructured)
		newU, ok2 := e.ObjectNew.(*unstructured.Unstructured)
		if !ok1 || !ok2 {
			return true
		}
		return !equality.Semantic.DeepEqual(oldU.Object["spec"], newU.Object["spec"]) ||
			!equality.Semantic.DeepEqual(oldU.Object["operation"], newU.Object["operation"]) ||
			!metaEqual(oldU, newU)
	}}
}

func metaEqual(a, b metav1.Object) bool {
	return equality.Semantic.DeepEqual(a.GetAnnotations(), b.GetAnnotations()) &&
		equality.Semantic.DeepEqual(a.GetLabels(), b.GetLabels()) &&
		equality.Semantic.DeepEqual(a.GetFinalizers(), b.GetFinalizers()) &&
		a.GetDeletionTimestamp().Equal(b.GetDeletionTimestamp())
}
