package application

import (
	"context"
	"fmt"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/project"
)

// finalize handles a deleted Application: with Argo CD's resources
// finalizer it deletes every object the app deployed that its project
// permits (as Argo CD, objects the project does not permit stay), waits
// until they are gone, then removes the finalizer. Without it, objects stay.
func (r *Reconciler) finalize(ctx context.Context, app *appv1.Application) (ctrl.Result, error) {
	fins := app.GetFinalizers()
	ours := []string{appv1.ResourcesFinalizerName, appv1.ForegroundPropagationPolicyFinalizer, appv1.BackgroundPropagationPolicyFinalizer}
	has := slices.ContainsFunc(fins, func(f string) bool { return slices.Contains(ours, f) })
	if !has {
		return ctrl.Result{}, nil
	}
	var kinds []schema.GroupVersionKind
	for _, res := range app.Status.Resources {
		kinds = append(kinds, schema.GroupVersionKind{Group: res.Group, Version: res.Version, Kind: res.Kind})
	}
	if err := r.Live.Watch(ctx, kinds...); err != nil {
		return ctrl.Result{}, err
	}
	owned := r.Live.Owned(instanceName(app.Namespace, app.Name, r.Namespace))
	proj := &appv1.AppProject{}
	switch err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Namespace, Name: project.Name(app)}, proj); {
	case apierrors.IsNotFound(err):
		proj = nil // no project: everything owned goes
	case err != nil:
		return ctrl.Result{}, fmt.Errorf("read project of application %s: %w", app.Name, err)
	}
	remaining := 0
	for _, obj := range owned {
		if ok, _ := r.permitted(proj, obj); !ok {
			continue
		}
		if obj.GetDeletionTimestamp() == nil {
			if err := r.Applier.Delete(ctx, obj, false); err != nil {
				return ctrl.Result{}, fmt.Errorf("delete resources of application %s: %w", app.Name, err)
			}
		}
		remaining++
	}
	if remaining > 0 {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	orig := app.DeepCopy()
	app.SetFinalizers(slices.DeleteFunc(slices.Clone(fins), func(f string) bool { return slices.Contains(ours, f) }))
	if err := r.Client.Patch(ctx, app, client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	return ctrl.Result{}, nil
}
