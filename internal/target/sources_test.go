package target

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func twoSources() *appv1.Application {
	app := &appv1.Application{Spec: appv1.ApplicationSpec{Sources: appv1.ApplicationSources{
		{RepoURL: "https://git.example/charts.git", Path: "charts/web", TargetRevision: "main",
			Helm: &appv1.ApplicationSourceHelm{ValueFiles: []string{"$values/web/values.yaml"}}},
		{RepoURL: "https://git.example/values.git", TargetRevision: "v2", Ref: "values"},
		{RepoURL: "https://git.example/extra.git", Path: "extra", Ref: "extra"},
	}}}
	app.Name = "web"
	return app
}

func TestSources(t *testing.T) {
	app := twoSources()
	tests := []struct {
		i       int
		refOnly bool
		watched []string
		repoEnv string
	}{
		{i: 0, watched: []string{"charts/web"}, repoEnv: "https://git.example/charts.git"},
		{i: 1, refOnly: true, repoEnv: "https://git.example/values.git"},
		{i: 2, watched: []string{"extra"}, repoEnv: "https://git.example/extra.git"},
	}
	for _, tt := range tests {
		src := app.Spec.GetSources()[tt.i]
		if got := RefOnly(src); got != tt.refOnly {
			t.Errorf("RefOnly(source %d) = %v", tt.i, got)
		}
		if got := SourceWatchedPaths(app, tt.i); !reflect.DeepEqual(got, tt.watched) {
			t.Errorf("SourceWatchedPaths(%d) = %q, want %q", tt.i, got, tt.watched)
		}
		req := SourceRenderRequest(app, tt.i, "abc", Cluster{})
		if req.Path != src.Path || req.Env["ARGOCD_APP_SOURCE_REPO_URL"] != tt.repoEnv {
			t.Errorf("SourceRenderRequest(%d) = path %q env %v", tt.i, req.Path, req.Env)
		}
	}
	if got := ReferencedSources(app.Spec.GetSources()); !reflect.DeepEqual(got, map[string]int{"values": 1, "extra": 2}) {
		t.Errorf("ReferencedSources = %v", got)
	}
}

func TestPrepareRepeated(t *testing.T) {
	first, second := obj("ConfigMap", "", "a"), obj("ConfigMap", "", "a")
	second.SetLabels(map[string]string{"from": "second"})
	app := &appv1.Application{Spec: appv1.ApplicationSpec{Destination: appv1.ApplicationDestination{Namespace: "prod"}}}
	out, warnings, err := Prepare([]*unstructured.Unstructured{first, obj("ConfigMap", "", "b"), second}, app, "web", scopes{"ConfigMap": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].GetLabels()["from"] != "second" {
		t.Errorf("out = %v", out)
	}
	want := []string{"Resource /ConfigMap/prod/a appeared 2 times among application resources."}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
}
