package application

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestLastOtherManager(t *testing.T) {
	at := func(s int) *metav1.Time { t := metav1.NewTime(time.Unix(int64(s), 0)); return &t }
	entry := func(manager, sub string, when int, fields string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Subresource: sub, Time: at(when), FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}}
	}
	obj := &unstructured.Unstructured{}
	obj.SetManagedFields([]metav1.ManagedFieldsEntry{
		entry(FieldManager, "", 1, `{"f:spec":{"f:replicas":{}}}`),
		{Manager: "hpa", Subresource: "scale", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:replicas":{}}}`)}},
		entry("old-scaler", "", 2, `{"f:spec":{"f:replicas":{}}}`),
		entry("kube-controller-manager", "", 9, `{"f:metadata":{"f:annotations":{}}}`),
		entry("kube-controller-manager", "status", 10, `{"f:status":{"f:replicas":{}}}`),
		entry("kubectl", "", 3, `{"f:spec":{"f:template":{"f:spec":{"f:containers":{}}}}}`),
	})
	tests := []struct {
		fields []string
		want   string
	}{
		{[]string{"spec.replicas"}, "hpa"},
		{[]string{"spec.template.spec.containers[name=web].image"}, "kubectl"},
		{[]string{"spec.paused"}, ""},
	}
	for _, tt := range tests {
		if got := lastOtherManager(obj, tt.fields); got != tt.want {
			t.Errorf("lastOtherManager(%v) = %q, want %q", tt.fields, got, tt.want)
		}
	}
}
