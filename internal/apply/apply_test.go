package apply

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, name, wave string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetKind(kind)
	u.SetName(name)
	if wave != "" {
		u.SetAnnotations(map[string]string{SyncWaveAnnotation: wave})
	}
	return u
}

func TestSort(t *testing.T) {
	objs := []*unstructured.Unstructured{
		obj("Deployment", "web", ""),
		obj("Widget", "custom", ""),
		obj("Service", "web", ""),
		obj("ConfigMap", "late", "5"),
		obj("Namespace", "prod", ""),
		obj("CustomResourceDefinition", "widgets", ""),
		obj("Job", "migrate", "-1"),
		obj("ConfigMap", "a", ""),
	}
	Sort(objs)
	var got []string
	for _, o := range objs {
		got = append(got, o.GetKind()+"/"+o.GetName())
	}
	want := []string{"Job/migrate", "Namespace/prod", "ConfigMap/a", "CustomResourceDefinition/widgets", "Service/web", "Deployment/web", "Widget/custom", "ConfigMap/late"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestWave(t *testing.T) {
	for wave, want := range map[string]int{"": 0, "3": 3, "-2": -2, "x": 0} {
		if got := Wave(obj("ConfigMap", "a", wave)); got != want {
			t.Errorf("Wave(%q) = %d, want %d", wave, got, want)
		}
	}
}
