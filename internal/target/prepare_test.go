package target

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/live"
)

// scopes is a Scoper over a fixed table of kinds.
type scopes map[string]bool

func (s scopes) Namespaced(gvk schema.GroupVersionKind) (bool, error) {
	ns, ok := s[gvk.Kind]
	if !ok {
		return false, errors.New("not served")
	}
	return ns, nil
}

func obj(kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	if kind == "Widget" {
		u.SetAPIVersion("example.com/v1")
	}
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func crd(scope string) *unstructured.Unstructured {
	u := obj("CustomResourceDefinition", "", "widgets.example.com")
	u.SetAPIVersion("apiextensions.k8s.io/v1")
	_ = unstructured.SetNestedField(u.Object, "example.com", "spec", "group")
	_ = unstructured.SetNestedField(u.Object, "Widget", "spec", "names", "kind")
	_ = unstructured.SetNestedField(u.Object, scope, "spec", "scope")
	return u
}

func hook(u *unstructured.Unstructured, h string) *unstructured.Unstructured {
	u.SetAnnotations(map[string]string{HookAnnotation: h})
	return u
}

func TestHooks(t *testing.T) {
	objs := []*unstructured.Unstructured{obj("ConfigMap", "", "plain"), hook(obj("ConfigMap", "", "skipped"), "Skip"), hook(obj("Pod", "", "migrate"), "PreSync")}
	if got := Hooks(objs); len(got) != 1 || got[0] != "Pod migrate (PreSync)" {
		t.Errorf("Hooks = %q", got)
	}
}

func TestPrepare(t *testing.T) {
	known := scopes{"ConfigMap": true, "Namespace": false, "ClusterRole": false, "CustomResourceDefinition": false}
	app := &appv1.Application{Spec: appv1.ApplicationSpec{Destination: appv1.ApplicationDestination{Namespace: "prod"}}}
	tests := []struct {
		name     string
		objs     []*unstructured.Unstructured
		dest     string
		wantNS   []string
		wantErr  bool
		warnings int
	}{
		{name: "namespaced without namespace gets the destination", objs: []*unstructured.Unstructured{obj("ConfigMap", "", "a")}, dest: "prod", wantNS: []string{"prod"}},
		{name: "explicit namespace is kept", objs: []*unstructured.Unstructured{obj("ConfigMap", "other", "a")}, dest: "prod", wantNS: []string{"other"}},
		{name: "cluster-scoped loses its namespace", objs: []*unstructured.Unstructured{obj("ClusterRole", "prod", "r")}, dest: "prod", wantNS: []string{""}},
		{name: "no namespace anywhere", objs: []*unstructured.Unstructured{obj("ConfigMap", "", "a")}, dest: "", wantErr: true},
		{name: "unknown kind", objs: []*unstructured.Unstructured{obj("Widget", "", "w")}, dest: "prod", wantErr: true},
		{name: "custom resource of a CRD in the same render", objs: []*unstructured.Unstructured{crd("Namespaced"), obj("Widget", "", "w")}, dest: "prod", wantNS: []string{"", "prod"}},
		{name: "duplicates warn and the last wins", objs: []*unstructured.Unstructured{obj("ConfigMap", "", "a"), obj("ConfigMap", "", "a")}, dest: "prod", wantNS: []string{"prod"}, warnings: 1},
		{name: "the Skip hook is left out", objs: []*unstructured.Unstructured{hook(obj("ConfigMap", "", "skipped"), "Skip"), obj("ConfigMap", "other", "a")}, dest: "prod", wantNS: []string{"other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.DeepCopy()
			a.Spec.Destination.Namespace = tt.dest
			out, warnings, err := Prepare(tt.objs, a, "web", known)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(warnings) != tt.warnings {
				t.Errorf("warnings %v", warnings)
			}
			for i, o := range out {
				if o.GetNamespace() != tt.wantNS[i] {
					t.Errorf("object %d namespace %q, want %q", i, o.GetNamespace(), tt.wantNS[i])
				}
				if live.AppOf(o) != "web" || o.GetLabels()[live.ManagedLabel] != "true" {
					t.Errorf("object %d not tracked: %v %v", i, o.GetAnnotations(), o.GetLabels())
				}
			}
			for i, o := range tt.objs {
				if live.AppOf(o) != "" || o.GetLabels() != nil {
					t.Errorf("input %d was modified", i)
				}
			}
		})
	}
}

func TestInstanceName(t *testing.T) {
	if got := InstanceName("argocd", "web", "argocd"); got != "web" {
		t.Errorf("got %q", got)
	}
	if got := InstanceName("team", "web", "argocd"); got != "team_web" {
		t.Errorf("got %q", got)
	}
}
