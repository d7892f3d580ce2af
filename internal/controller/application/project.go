package application

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/project"
)

// inClusterName is the name Argo CD gives the cluster it runs in.
const inClusterName = "in-cluster"

// checkProject enforces the Application's AppProject as Argo CD does: the
// project must exist and permit the Application's namespace, repository
// and destination; otherwise nothing is compared, applied or pruned.
func (run *run) checkProject(ctx context.Context) bool {
	name := project.Name(run.app)
	proj := &appv1.AppProject{}
	err := run.r.Client.Get(ctx, client.ObjectKey{Namespace: run.r.Namespace, Name: name}, proj)
	switch {
	case apierrors.IsNotFound(err):
		return run.refuse(appv1.ApplicationConditionInvalidSpecError,
			fmt.Sprintf("Application referencing project %s which does not exist", name))
	case err != nil:
		run.transient = err
		return run.refuse(appv1.ApplicationConditionUnknownError, fmt.Sprintf("read project %s: %v", name, err))
	}
	if !project.SourceNamespacePermitted(proj, run.app.Namespace, run.r.Namespace) {
		return run.refuse(appv1.ApplicationConditionUnknownError,
			fmt.Sprintf("application '%s' in namespace '%s' is not permitted to use project '%s'", run.app.Name, run.app.Namespace, name))
	}
	for _, src := range run.sources {
		if !project.SourcePermitted(proj, src.RepoURL) {
			return run.refuse(appv1.ApplicationConditionInvalidSpecError,
				fmt.Sprintf("application repo %s is not permitted in project '%s'", src.RepoURL, name))
		}
	}
	d := run.app.Spec.Destination
	if !project.DestinationPermitted(proj, inClusterServer, inClusterName, d.Namespace) {
		return run.refuse(appv1.ApplicationConditionInvalidSpecError,
			fmt.Sprintf("application destination server '%s' and namespace '%s' do not match any of the allowed destinations in project '%s'", d.Server, d.Namespace, name))
	}
	if unenforced := project.Unenforced(proj); len(unenforced) > 0 {
		run.conditions.add(appv1.ApplicationConditionUnsupportedField,
			fmt.Sprintf("project %s: fields not enforced yet: %s", name, strings.Join(unenforced, ", ")))
	}
	run.project = proj
	return true
}

// refuse stops the reconcile with a condition; sync and health become
// Unknown.
func (run *run) refuse(kind appv1.ApplicationConditionType, msg string) bool {
	run.conditions.set(kind, msg)
	run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
	run.app.Status.Health.Status = appv1.HealthStatusUnknown
	return false
}

// permitted reports whether the run's project lets the Application manage
// obj; if not, why.
func (run *run) permitted(obj *unstructured.Unstructured) (bool, string) {
	return run.r.permitted(run.project, obj)
}

// permitted reports whether proj (nil: no project) lets its Applications
// manage obj; if not, why.
func (r *Reconciler) permitted(proj *appv1.AppProject, obj *unstructured.Unstructured) (bool, string) {
	if proj == nil {
		return true, ""
	}
	gvk := obj.GroupVersionKind()
	namespaced, err := r.Live.Namespaced(gvk)
	if err != nil {
		return false, fmt.Sprintf("failed to get API resource info for %s/%s: unable to verify permissions", gvk.Group, gvk.Kind)
	}
	if !project.KindPermitted(proj, gvk.Group, gvk.Kind, obj.GetName(), namespaced) {
		return false, fmt.Sprintf("resource %s:%s is not permitted in project %s", gvk.Group, gvk.Kind, proj.Name)
	}
	if namespaced && !project.DestinationPermitted(proj, inClusterServer, inClusterName, obj.GetNamespace()) {
		return false, fmt.Sprintf("namespace %s is not permitted in project '%s'", obj.GetNamespace(), proj.Name)
	}
	return true, ""
}

// invalidTasks checks every object a sync would apply against the project
// and returns a failed result for each it does not permit.
func (run *run) invalidTasks(objs []*unstructured.Unstructured, createNamespace *unstructured.Unstructured) []*appv1.ResourceResult {
	var out []*appv1.ResourceResult
	if createNamespace != nil {
		objs = append([]*unstructured.Unstructured{createNamespace}, objs...)
	}
	for _, obj := range objs {
		if ok, why := run.permitted(obj); !ok {
			res := resourceResult(obj)
			res.Status, res.Message = appv1.ResultCodeSyncFailed, why
			out = append(out, res)
		}
	}
	return out
}
