package appset

import (
	"context"
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
)

const planSpec = `generators:
- list:
    elements: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}]
template:
  metadata:
    name: "{{name}}"
    annotations:
      owner: template
  spec:
    project: default
    source:
      targetRevision: main
    destination:
      namespace: "{{name}}"
`

// liveApp is a live Application named name, as applied by FieldManager
// from planSpec, owned by the ApplicationSet with UID owner; edit changes
// it.
func liveApp(name, owner string, edit func(u *unstructured.Unstructured)) *unstructured.Unstructured {
	yes := true
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"spec": map[string]any{
			"project":     "default",
			"source":      map[string]any{"targetRevision": "main"},
			"destination": map[string]any{"namespace": name},
		},
	}}
	u.SetName(name)
	u.SetNamespace("argocd")
	u.SetAnnotations(map[string]string{"owner": "template"})
	u.SetFinalizers([]string{"resources-finalizer.argocd.argoproj.io"})
	if owner != "" {
		u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "argoproj.io/v1alpha1", Kind: "ApplicationSet",
			Name: "set-" + owner, UID: types.UID("uid-" + owner[len(owner)-1:]), Controller: &yes}})
		if owner == "set" {
			u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "argoproj.io/v1alpha1", Kind: "ApplicationSet",
				Name: "test", UID: "uid-1", Controller: &yes}})
		}
	}
	u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: FieldManager, Operation: metav1.ManagedFieldsOperationApply,
		APIVersion: "argoproj.io/v1alpha1", FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{}`)}}})
	if edit != nil {
		edit(u)
	}
	return u
}

func TestPlan(t *testing.T) {
	live := []*unstructured.Unstructured{
		liveApp("a", "set", nil),
		liveApp("b", "set", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "elsewhere", "spec", "destination", "namespace")
		}),
		// c does not exist.
		liveApp("d", "other-2", nil),
		liveApp("e", "set", func(u *unstructured.Unstructured) { u.SetManagedFields(nil) }),
		liveApp("old", "set", nil),
		liveApp("mine", "", nil),
		liveApp("going", "set", func(u *unstructured.Unstructured) { now := metav1.Now(); u.SetDeletionTimestamp(&now) }),
	}
	tests := []struct {
		policy string
		extra  string
		want   string
	}{
		{
			policy: "sync",
			want:   "a unchanged, b update, c create, d conflict, e update, going unchanged, old delete",
		},
		{
			policy: "create-only",
			want:   "a unchanged, b kept, c create, d conflict, e kept, going unchanged, old kept",
		},
		{
			policy: "create-update",
			want:   "a unchanged, b update, c create, d conflict, e update, going unchanged, old kept",
		},
		{
			policy: "create-delete",
			want:   "a unchanged, b kept, c create, d conflict, e kept, going unchanged, old delete",
		},
		{
			policy: "sync",
			extra: `ignoreApplicationDifferences:
- jsonPointers: [/spec/destination/namespace]
  name: b
`,
			want: "a unchanged, b unchanged, c create, d conflict, e update, going unchanged, old delete",
		},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			s := parseSet(t, manifest(planSpec+tt.extra+"syncPolicy:\n  applicationsSync: "+tt.policy+"\n"))
			s.SetUID("uid-1")
			res, err := testGenerator(t).Generate(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			changes, err := Plan(s, res.Applications, live)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, fmt.Sprintf("%s %s", c.Name, c.Action))
				if (c.Action == ActionKeep || c.Action == ActionConflict) && c.Reason == "" {
					t.Errorf("%s: %s without a reason", c.Name, c.Action)
				}
			}
			if strings.Join(got, ", ") != tt.want {
				t.Errorf("plan:\n got %s\nwant %s", strings.Join(got, ", "), tt.want)
			}
		})
	}
}

func TestAdjust(t *testing.T) {
	s := parseSet(t, manifest(`preservedFields:
  annotations: [notified]
  labels: [team]
ignoreApplicationDifferences:
- jsonPointers: [/spec/source/targetRevision, /spec/syncPolicy]
generators: []
`))
	spec, err := readSpec(s)
	if err == nil {
		t.Fatal("an empty generator list was accepted")
	}
	_ = spec
	s = parseSet(t, manifest(`preservedFields:
  annotations: [notified]
  labels: [team]
ignoreApplicationDifferences:
- jsonPointers: [/spec/source/targetRevision, /spec/syncPolicy]
generators:
- list: {elements: []}
`))
	if spec, err = readSpec(s); err != nil {
		t.Fatal(err)
	}
	desired := liveApp("a", "set", func(u *unstructured.Unstructured) {
		u.SetAnnotations(map[string]string{"notified": "template", "owner": "template"})
		u.SetLabels(map[string]string{"team": "template"})
		_ = unstructured.SetNestedField(u.Object, map[string]any{"automated": map[string]any{}}, "spec", "syncPolicy")
	})
	live := liveApp("a", "set", func(u *unstructured.Unstructured) {
		u.SetAnnotations(map[string]string{"notified": "live"})
		_ = unstructured.SetNestedField(u.Object, "v2", "spec", "source", "targetRevision")
	})
	got, err := adjust(desired, live, &spec.ApplicationSetSpec)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ path, want string }{
		{"metadata.annotations.notified", "live"},
		{"metadata.annotations.owner", "template"},
		{"metadata.labels.team", "template"},
		{"spec.source.targetRevision", "v2"},
		{"spec.syncPolicy", "<none>"},
	}
	for _, c := range checks {
		v, ok := get(got.Object, strings.Split(c.path, "."))
		if !ok {
			v = "<none>"
		}
		if fmt.Sprint(v) != c.want {
			t.Errorf("%s = %v, want %s", c.path, v, c.want)
		}
	}
	if a := desired.GetAnnotations()["notified"]; a != "template" {
		t.Errorf("adjust modified its argument: %s", a)
	}
}
