package target

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/live"
)

// Scoper tells namespaced kinds from cluster-scoped ones; live.Cache
// implements it from the API server's discovery.
type Scoper interface {
	Namespaced(gvk schema.GroupVersionKind) (bool, error)
}

// HookAnnotation marks an Argo CD resource hook: PreSync, Sync, PostSync,
// SyncFail, PostDelete, or Skip (never applied).
const HookAnnotation = "argocd.argoproj.io/hook"

// Hooks lists the objects of objs that are resource hooks (Skip aside), as
// "<Kind> <name> (<hook>)".
func Hooks(objs []*unstructured.Unstructured) []string {
	var out []string
	for _, o := range objs {
		if h := o.GetAnnotations()[HookAnnotation]; h != "" && h != "Skip" {
			out = append(out, fmt.Sprintf("%s %s (%s)", o.GetKind(), o.GetName(), h))
		}
	}
	return out
}

// Prepare copies the rendered objects of app, but those annotated as the
// Skip hook, and makes them ready to apply:
// the destination namespace on namespaced objects that have none, none on
// cluster-scoped ones, and Tether's tracking annotation (naming instance)
// and label. An object rendered more than once (by two sources, say) is
// kept once, the last one winning, and reported in a warning worded as
// Argo CD's RepeatedResourceWarning condition.
func Prepare(objs []*unstructured.Unstructured, app *appv1.Application, instance string, scope Scoper) ([]*unstructured.Unstructured, []string, error) {
	out := make([]*unstructured.Unstructured, 0, len(objs))
	seen := map[string]int{}
	count := map[string]int{}
	var order []string
	var warnings []string
	crdScopes := crdScopes(objs)
	for _, o := range objs {
		if o.GetAnnotations()[HookAnnotation] == "Skip" {
			// Argo CD's way to keep a rendered object out of syncs.
			continue
		}
		obj := o.DeepCopy()
		namespaced, err := scope.Namespaced(obj.GroupVersionKind())
		if err != nil {
			scope, ok := crdScopes[obj.GroupVersionKind().GroupKind().String()]
			if !ok {
				return nil, nil, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
			}
			namespaced = scope
		}
		switch {
		case !namespaced:
			obj.SetNamespace("")
		case obj.GetNamespace() == "":
			obj.SetNamespace(app.Spec.Destination.Namespace)
		}
		if obj.GetNamespace() == "" && namespaced {
			return nil, nil, fmt.Errorf("%s %s has no namespace and the destination sets none", obj.GetKind(), obj.GetName())
		}
		k := resourceKey(obj)
		if at, ok := seen[k]; ok {
			// As Argo CD: the last one wins.
			count[k]++
			out[at] = obj
			Track(obj, instance)
			continue
		}
		seen[k], count[k] = len(out), 1
		order = append(order, k)
		Track(obj, instance)
		out = append(out, obj)
	}
	for _, k := range order {
		if n := count[k]; n > 1 {
			warnings = append(warnings, fmt.Sprintf("Resource %s appeared %d times among application resources.", k, n))
		}
	}
	return out, warnings, nil
}

// Track marks obj as owned by the Application instance app.
func Track(obj *unstructured.Unstructured, app string) {
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

// ShortSHA abbreviates a commit for messages.
func ShortSHA(commit string) string {
	if len(commit) > 7 {
		return commit[:7]
	}
	return commit
}

// InstanceName is an Application's name in tracking ids: its name, prefixed
// by its namespace when that is not the controller's, as Argo CD does.
func InstanceName(namespace, name, controllerNamespace string) string {
	if namespace == "" || namespace == controllerNamespace {
		return name
	}
	return namespace + "_" + name
}

// resourceKey is Argo CD's key of a resource: group/kind/namespace/name.
func resourceKey(obj *unstructured.Unstructured) string {
	gvk := obj.GroupVersionKind()
	return fmt.Sprintf("%s/%s/%s/%s", gvk.Group, gvk.Kind, obj.GetNamespace(), obj.GetName())
}
