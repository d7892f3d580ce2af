package live

import (
	"strings"
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

// tracked is ConfigMap prod/settings (UID uid-1) at resourceVersion rv,
// tracked as app's ("" for none).
func tracked(app, rv string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("v1")
	u.SetKind("ConfigMap")
	u.SetNamespace("prod")
	u.SetName("settings")
	u.SetUID("uid-1")
	u.SetResourceVersion(rv)
	if app != "" {
		u.SetAnnotations(map[string]string{TrackingAnnotation: TrackingID(app, u)})
	}
	return u
}

func TestOwnWritesAreNotReported(t *testing.T) {
	obj := func(rv string) *unstructured.Unstructured { return tracked("web", rv) }
	type event struct {
		kind string // add, update, delete, expect
		rv   string
	}
	tests := []struct {
		name   string
		events []event
		want   int // events reported
	}{
		{name: "others' changes", events: []event{{"add", "1"}, {"update", "2"}, {"delete", "2"}}, want: 3},
		{name: "own create and update", events: []event{{"expect", "1"}, {"add", "1"}, {"expect", "2"}, {"update", "2"}}, want: 0},
		{name: "a change after the own write", events: []event{{"expect", "1"}, {"add", "1"}, {"update", "2"}}, want: 1},
		{name: "own write's event came before Expect", events: []event{{"update", "2"}, {"expect", "2"}, {"update", "3"}}, want: 2},
		{name: "deletes are always reported", events: []event{{"expect", "2"}, {"delete", "2"}}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := 0
			c := NewCache(nil, nil, func(app string) {
				if app != "web" {
					t.Errorf("reported app %q", app)
				}
				got++
			})
			h := c.handler()
			for _, e := range tt.events {
				switch e.kind {
				case "expect":
					c.Expect(obj(e.rv))
				case "add":
					h.OnAdd(obj(e.rv), false)
				case "update":
					h.OnUpdate(obj("0"), obj(e.rv))
				case "delete":
					h.OnDelete(obj(e.rv))
				}
			}
			if got != tt.want {
				t.Errorf("reported %d events, want %d", got, tt.want)
			}
		})
	}
}

// TestTakenOverObjectTellsItsPreviousOwner: an object whose tracking id
// moves to another Application (or is edited away) changed for both.
func TestTakenOverObjectTellsItsPreviousOwner(t *testing.T) {
	owned := func(app string) *unstructured.Unstructured { return tracked(app, "2") }
	var got []string
	c := NewCache(nil, nil, func(app string) { got = append(got, app) })
	c.handler().OnUpdate(owned("web"), owned("other"))
	c.handler().OnUpdate(owned("other"), owned(""))
	if want := []string{"other", "web", "other"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("reported %v, want %v", got, want)
	}
}
