package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestTrimApplication(t *testing.T) {
	entry := func(manager, operation string) any {
		return map[string]any{"manager": manager, "operation": operation, "fieldsV1": map[string]any{"f:spec": map[string]any{}}}
	}
	tests := []struct {
		name    string
		fields  []any // nil: no managedFields at all
		want    []string
		present bool
	}{
		{name: "none", fields: nil, present: false},
		{name: "only the controller's status writes", fields: []any{entry("tether", "Update"), entry("kubectl-client-side-apply", "Update")}, present: false},
		{name: "the ApplicationSet controller's entry stays", fields: []any{entry("tether", "Update"), entry("tether-applicationset", "Apply")}, want: []string{"tether-applicationset"}, present: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{
				"metadata": map[string]any{"name": "guestbook"},
				"spec":     map[string]any{"project": "default"},
			}}
			if tt.fields != nil {
				u.Object["metadata"].(map[string]any)["managedFields"] = tt.fields
			}
			out, err := trimApplication(u)
			if err != nil {
				t.Fatal(err)
			}
			got := out.(*unstructured.Unstructured)
			entries, present, _ := unstructured.NestedSlice(got.Object, "metadata", "managedFields")
			if present != tt.present {
				t.Fatalf("managedFields present = %v, want %v: %v", present, tt.present, entries)
			}
			var managers []string
			for _, e := range entries {
				managers = append(managers, e.(map[string]any)["manager"].(string))
			}
			if len(managers) != len(tt.want) || (len(managers) > 0 && managers[0] != tt.want[0]) {
				t.Errorf("managers = %v, want %v", managers, tt.want)
			}
			if got.GetName() != "guestbook" || got.Object["spec"] == nil {
				t.Errorf("the rest of the object changed: %v", got.Object)
			}
		})
	}
}
