package controller

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller/application"
	"github.com/tether-gitops/tether/internal/controller/applicationset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/webhook"
)

func TestTouched(t *testing.T) {
	app := func(path, ann string) *appv1.Application {
		a := &appv1.Application{Spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{Path: path}}}
		if ann != "" {
			a.ObjectMeta = metav1.ObjectMeta{Annotations: map[string]string{appv1.AnnotationKeyManifestGeneratePaths: ann}}
		}
		return a
	}
	tests := []struct {
		name  string
		files []string
		app   *appv1.Application
		want  bool
	}{
		{"no file list touches everything", nil, app("apps/a", ""), true},
		{"file under the path", []string{"apps/a/cm.yaml"}, app("apps/a", ""), true},
		{"file elsewhere", []string{"apps/b/cm.yaml"}, app("apps/a", ""), false},
		{"prefix is not a parent", []string{"apps/ab/cm.yaml"}, app("apps/a", ""), false},
		{"manifest-generate-paths", []string{"shared/x.yaml"}, app("apps/a", ".;/shared"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := touched(webhook.Push{ChangedFiles: tt.files}, tt.app); got != tt.want {
				t.Errorf("touched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUsesRepo(t *testing.T) {
	push := webhook.Push{RepoURLs: []string{"https://git.example/org/gitops.git"}, Branch: "main", DefaultBranch: "main"}
	gen := func(repo, rev string) []appv1.ApplicationSetGenerator {
		return []appv1.ApplicationSetGenerator{{Git: &appv1.GitGenerator{RepoURL: repo, Revision: rev}}}
	}
	if !usesRepo(gen("https://git.example/org/gitops", "main"), push) {
		t.Error("same repository and branch not matched")
	}
	if usesRepo(gen("https://git.example/org/other.git", "main"), push) {
		t.Error("another repository matched")
	}
	if usesRepo(gen("https://git.example/org/gitops.git", "release"), push) {
		t.Error("another branch matched")
	}
}

func TestRoutingView(t *testing.T) {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "web", "namespace": "argocd",
			"annotations": map[string]any{appv1.AnnotationKeyManifestGeneratePaths: "."}},
		"spec":   map[string]any{"source": map[string]any{"repoURL": "https://git.example/gitops.git", "targetRevision": "main", "path": "apps/web"}},
		"status": map[string]any{"sync": map[string]any{"status": "Synced"}},
	}}
	app, ok := routingView(u)
	if !ok || app.Name != "web" || app.Spec.Source.Path != "apps/web" || app.Spec.Source.TargetRevision != "main" ||
		app.Annotations[appv1.AnnotationKeyManifestGeneratePaths] != "." {
		t.Errorf("routingView = %+v, %v", app, ok)
	}
	multi := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "multi"},
		"spec":     map[string]any{"sources": []any{map[string]any{"repoURL": "https://git.example/a.git", "path": "x"}}},
	}}
	if app, ok := routingView(multi); !ok || app.Spec.GetSource().RepoURL != "https://git.example/a.git" {
		t.Errorf("routingView of a multi-source app = %+v, %v", app.Spec, ok)
	}
}

// TestPushRoute: the leader queues the touched Applications; a stand-by,
// whose reconcilers do not run, sets the refresh annotation on them
// instead, for the leader to act on. Untouched Applications are left alone
// either way.
func TestPushRoute(t *testing.T) {
	const repo = "https://git.example/org/gitops.git"
	push := webhook.Push{RepoURLs: []string{repo}, Branch: "main", DefaultBranch: "main", ChangedFiles: []string{"apps/a/cm.yaml"}}
	for _, leader := range []bool{true, false} {
		t.Run(fmt.Sprintf("leader=%v", leader), func(t *testing.T) {
			scheme, err := Scheme()
			if err != nil {
				t.Fatal(err)
			}
			app := func(name, path string) *appv1.Application {
				return &appv1.Application{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: name},
					Spec: appv1.ApplicationSpec{Source: &appv1.ApplicationSource{RepoURL: repo, TargetRevision: "main", Path: path}}}
			}
			set := &appv1.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: "prod"},
				Spec: appv1.ApplicationSetSpec{Generators: []appv1.ApplicationSetGenerator{{
					Git: &appv1.GitGenerator{RepoURL: repo, Revision: "main", Directories: []appv1.GitDirectoryGeneratorItem{{Path: "apps/*"}}}}}}}
			c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(app("a", "apps/a"), app("b", "apps/b"), set).Build()
			elected := make(chan struct{})
			if leader {
				close(elected)
			}
			apps := &application.Reconciler{}
			apps.Init(nil)
			triggers := application.NewTriggers()
			q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
			defer q.ShutDown()
			if err := triggers.Source().Start(context.Background(), q); err != nil {
				t.Fatal(err)
			}
			p := &pushRouter{client: c, reader: c, namespace: "argocd", revisions: gitsource.NewRevisionCache(time.Minute),
				apps: apps, triggers: triggers, elected: elected, sets: &applicationset.Reconciler{}}
			p.onPush(context.Background(), push)

			queued := map[string]bool{}
			for q.Len() > 0 {
				req, _ := q.Get()
				queued[req.Name] = true
				q.Done(req)
			}
			annotated := map[string]bool{}
			for _, name := range []string{"a", "b"} {
				got := &appv1.Application{}
				if err := c.Get(context.Background(), client.ObjectKey{Namespace: "argocd", Name: name}, got); err != nil {
					t.Fatal(err)
				}
				if kind, ok := got.RefreshRequested(); ok && kind == appv1.RefreshTypeNormal {
					annotated[name] = true
				}
			}
			wantQueued, wantAnnotated := map[string]bool{"a": true}, map[string]bool{}
			if !leader {
				wantQueued, wantAnnotated = map[string]bool{}, map[string]bool{"a": true}
			}
			if !maps.Equal(queued, wantQueued) || !maps.Equal(annotated, wantAnnotated) {
				t.Errorf("queued %v and annotated %v, want queued %v and annotated %v", queued, annotated, wantQueued, wantAnnotated)
			}
			// The leader's ApplicationSet controller hears the push in
			// process; only a stand-by asks through the annotation.
			gotSet := &appv1.ApplicationSet{}
			if err := c.Get(context.Background(), client.ObjectKey{Namespace: "argocd", Name: "prod"}, gotSet); err != nil {
				t.Fatal(err)
			}
			if _, patched := gotSet.Annotations[appv1.AnnotationKeyApplicationSetRefresh]; patched != !leader {
				t.Errorf("ApplicationSet refresh annotation set = %v, want %v", patched, !leader)
			}
		})
	}
}
