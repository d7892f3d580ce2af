package target

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestWatchedPaths(t *testing.T) {
	tests := []struct {
		path, annotation string
		set              bool
		want             []string
	}{
		{path: "apps/web", want: []string{"apps/web"}},
		{path: "./apps/web/", want: []string{"apps/web"}},
		{path: "", want: []string{""}},
		{path: "apps/web", annotation: ".;../shared", set: true, want: []string{"apps/web", "apps/shared"}},
		{path: "apps/web", annotation: "/lib; ", set: true, want: []string{"lib"}},
	}
	for _, tt := range tests {
		app := &appv1.Application{Spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{Path: tt.path}}}
		if tt.set {
			app.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{appv1.AnnotationKeyManifestGeneratePaths: tt.annotation}}
		}
		if got := WatchedPaths(app); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("WatchedPaths(%q, %q) = %q, want %q", tt.path, tt.annotation, got, tt.want)
		}
	}
	if !UnderAny("apps/web/x.yaml", []string{"apps/web"}) || UnderAny("apps/webby/x.yaml", []string{"apps/web"}) || !UnderAny("x", []string{""}) {
		t.Error("UnderAny")
	}
}
