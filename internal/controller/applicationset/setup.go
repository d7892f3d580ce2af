package applicationset

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

// SetupWithManager registers the reconciler with mgr, reconciling with
// workers in parallel. ApplicationSets are reconciled when their spec,
// labels or annotations change, when an Application they own changes in a
// way their status shows or the template manages, when a cluster Secret
// changes, and on news of the repositories their git generators read: a
// revision that moved in Revisions (it subscribes RevisionMoved), a push
// (Pushed). The news reaches the controller's queue through a channel
// source, fed by a loop that runs with the controller (on the leader).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	r.Init()
	if r.Reader == nil {
		r.Reader = mgr.GetCache()
	}
	if r.Revisions != nil {
		r.Revisions.Subscribe(r.RevisionMoved)
	}
	routed := make(chan event.GenericEvent)
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error { return r.route(ctx, routed) })); err != nil {
		return err
	}
	set := &unstructured.Unstructured{}
	set.SetGroupVersionKind(appSetGVK)
	app := &unstructured.Unstructured{}
	app.SetGroupVersionKind(appv1.GroupVersion.WithKind("Application"))
	return ctrl.NewControllerManagedBy(mgr).
		Named("applicationset").
		For(set, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Owns(app, builder.WithPredicates(ownedAppChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.allSets),
			builder.WithPredicates(isClusterSecret())).
		WatchesRawSource(source.Channel(routed, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

// ownedAppChanged passes creations, deletions and updates of an owned
// Application that change its spec, metadata or the sync and health status
// that the ApplicationSet's status shows; not the Application controller's
// other status writes.
func ownedAppChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*unstructured.Unstructured)
		n, ok2 := e.ObjectNew.(*unstructured.Unstructured)
		if !ok1 || !ok2 {
			return true
		}
		for _, path := range [][]string{{"spec"}, {"status", "sync", "status"}, {"status", "health", "status"}} {
			a, _, _ := unstructured.NestedFieldNoCopy(o.Object, path...)
			b, _, _ := unstructured.NestedFieldNoCopy(n.Object, path...)
			if !equality.Semantic.DeepEqual(a, b) {
				return true
			}
		}
		return !equality.Semantic.DeepEqual(o.GetLabels(), n.GetLabels()) ||
			!equality.Semantic.DeepEqual(o.GetAnnotations(), n.GetAnnotations()) ||
			!equality.Semantic.DeepEqual(o.GetFinalizers(), n.GetFinalizers()) ||
			!equality.Semantic.DeepEqual(o.GetOwnerReferences(), n.GetOwnerReferences()) ||
			!o.GetDeletionTimestamp().Equal(n.GetDeletionTimestamp())
	}}
}

func isClusterSecret() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(obj client.Object) bool {
		return obj.GetLabels()[appset.SecretTypeLabel] == appset.SecretTypeCluster
	})
}

// allSets enqueues every ApplicationSet of the controller's namespace.
func (r *Reconciler) allSets(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationSetList"))
	if err := r.reader().List(ctx, list, client.InNamespace(r.Namespace)); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, s := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
	}
	return out
}
