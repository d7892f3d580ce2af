// Package install puts Tether's cluster-wide prerequisites in place: the
// CRDs (Application, ApplicationSet, AppProject), the namespace where
// Applications live and the AppProject "default". Everything is applied by
// server-side apply, so running it again changes nothing.
package install

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
)

// FieldManager owns what install applies.
const FieldManager = "tether-install"

// Change is what install did to one object.
type Change struct {
	Kind, Name string
	// Action is "created", "configured" or "unchanged".
	Action string
}

// Installer applies the prerequisites.
type Installer struct {
	Dynamic dynamic.Interface
	Mapper  meta.RESTMapper
}

// Objects returns what Install applies for namespace, in order.
func Objects(namespace string) ([]*unstructured.Unstructured, error) {
	crds, err := appv1.CRDs()
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, b := range crds {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(b, &u.Object); err != nil {
			return nil, fmt.Errorf("parse embedded CRD: %w", err)
		}
		objs = append(objs, u)
	}
	// The label gives the apply a field to own: an apply that owns nothing
	// leaves no managedFields, and the next one would write to add them.
	ns := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{
			"name": namespace, "labels": map[string]any{"app.kubernetes.io/part-of": "tether"},
		},
	}}
	project := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": appv1.GroupVersion.String(), "kind": "AppProject",
		"metadata": map[string]any{"name": "default", "namespace": namespace},
		"spec": map[string]any{
			"sourceRepos":              []any{"*"},
			"destinations":             []any{map[string]any{"server": "*", "namespace": "*"}},
			"clusterResourceWhitelist": []any{map[string]any{"group": "*", "kind": "*"}},
		},
	}}
	return append(objs, ns, project), nil
}

// Install applies the prerequisites for namespace and waits for the CRDs to
// be established. It reports what changed, object by object.
func (i *Installer) Install(ctx context.Context, namespace string) ([]Change, error) {
	objs, err := Objects(namespace)
	if err != nil {
		return nil, err
	}
	applier := &apply.Applier{Dynamic: i.Dynamic, Mapper: i.Mapper, Manager: FieldManager}
	var changes []Change
	for _, obj := range objs {
		if obj.GetKind() == "AppProject" {
			if err := i.waitEstablished(ctx, "appprojects.argoproj.io", "applications.argoproj.io", "applicationsets.argoproj.io"); err != nil {
				return changes, err
			}
			meta.MaybeResetRESTMapper(i.Mapper)
		}
		before, err := i.get(ctx, obj)
		if err != nil {
			return changes, err
		}
		after, err := applier.Apply(ctx, obj, false)
		if err != nil {
			return changes, err
		}
		changes = append(changes, Change{Kind: obj.GetKind(), Name: obj.GetName(), Action: action(before, after)})
	}
	return changes, nil
}

func action(before, after *unstructured.Unstructured) string {
	switch {
	case before == nil:
		return "created"
	case before.GetResourceVersion() == after.GetResourceVersion():
		return "unchanged"
	default:
		return "configured"
	}
}

func (i *Installer) get(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := i.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("resource type of %s: %w", apply.Describe(obj), err)
	}
	var ri dynamic.ResourceInterface = i.Dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = i.Dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace())
	}
	got, err := ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read %s: %w", apply.Describe(obj), err)
	}
	return got, nil
}

// waitEstablished waits until the named CRDs serve their resources.
func (i *Installer) waitEstablished(ctx context.Context, names ...string) error {
	crds := i.Dynamic.Resource(apiextensionsv1.SchemeGroupVersion.WithResource("customresourcedefinitions"))
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, name := range names {
			u, err := crds.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			var crd apiextensionsv1.CustomResourceDefinition
			if err := fromUnstructured(u, &crd); err != nil {
				return false, err
			}
			if !established(&crd) {
				return false, nil
			}
		}
		return true, nil
	})
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}
