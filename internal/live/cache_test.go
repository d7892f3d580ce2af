package live

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestTrackingID(t *testing.T) {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("apps/v1")
	u.SetKind("Deployment")
	u.SetNamespace("prod")
	u.SetName("web")
	id := TrackingID("web-app", u)
	if id != "web-app:apps/Deployment:prod/web" {
		t.Fatalf("TrackingID = %q", id)
	}
	u.SetAnnotations(map[string]string{TrackingAnnotation: id})
	if got := AppOf(u); got != "web-app" {
		t.Errorf("AppOf = %q", got)
	}
	u.SetAnnotations(map[string]string{TrackingAnnotation: "no-separator"})
	if got := AppOf(u); got != "" {
		t.Errorf("AppOf of a malformed id = %q, want empty", got)
	}
	core := &unstructured.Unstructured{}
	core.SetAPIVersion("v1")
	core.SetKind("Namespace")
	core.SetName("prod")
	if got := TrackingID("a", core); got != "a:/Namespace:/prod" {
		t.Errorf("TrackingID of a core cluster-scoped object = %q", got)
	}
}
