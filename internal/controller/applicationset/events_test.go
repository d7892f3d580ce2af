package applicationset

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/event"

	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/webhook"
)

const repo = "https://git.example/org/gitops.git"

// gitSet is an ApplicationSet named name whose generators are gens.
func gitSet(name, gens string) string {
	return fmt.Sprintf(`
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {name: %s, namespace: argocd}
spec:
  generators: %s
  template:
    metadata: {name: x}
    spec: {project: default}
`, name, gens)
}

func newsReconciler(t *testing.T) *Reconciler {
	t.Helper()
	sets := []string{
		gitSet("plain", `[{git: {repoURL: '`+repo+`', revision: main, directories: [{path: 'apps/*'}]}}]`),
		gitSet("nested", `[{matrix: {generators: [{list: {elements: [{a: b}]}}, {merge: {mergeKeys: [x], generators: [
			{git: {repoURL: 'https://GIT.example/org/gitops', revision: refs/heads/main, files: [{path: 'a.json'}]}},
			{list: {elements: []}}]}}]}}]`),
		gitSet("head", `[{git: {repoURL: '`+repo+`', directories: [{path: '*'}]}}]`),
		gitSet("other-branch", `[{git: {repoURL: '`+repo+`', revision: staging, directories: [{path: '*'}]}}]`),
		gitSet("other-repo", `[{git: {repoURL: 'https://git.example/org/else.git', revision: main, directories: [{path: '*'}]}}]`),
		gitSet("template-only", `[{list: {elements: [], template: {spec: {source: {repoURL: '`+repo+`'}}}}}]`),
	}
	var objs []client.Object
	for _, s := range sets {
		objs = append(objs, object(t, s))
	}
	return &Reconciler{Client: fakeClient(t, interceptor.Funcs{}, objs...), Options: Options{Namespace: "argocd"}}
}

// TestNewsConcerns: news of a repository reaches the ApplicationSets whose
// git generators, nested ones included, read it at the revision that moved
// or the pushed ref; not those of other branches or repositories.
func TestNewsConcerns(t *testing.T) {
	r := newsReconciler(t)
	at := time.Now()
	tests := []struct {
		name string
		send func()
		want []string
	}{
		{"main moved", func() {
			r.RevisionMoved(gitsource.RevisionChange{RepoURL: repo, Revision: "main", Commit: "b", At: at})
		},
			[]string{"head", "nested", "plain"}},
		{"HEAD moved", func() {
			r.RevisionMoved(gitsource.RevisionChange{RepoURL: repo + "/", Revision: "HEAD", Commit: "b", At: at})
		},
			[]string{"head", "nested", "other-branch", "plain"}},
		{"staging moved", func() {
			r.RevisionMoved(gitsource.RevisionChange{RepoURL: repo, Revision: "refs/heads/staging", At: at})
		},
			[]string{"head", "other-branch"}},
		{"push to main", func() {
			r.Pushed(webhook.Push{RepoURLs: []string{"https://git.example/org/gitops"}, Branch: "main", DefaultBranch: "main"})
		}, []string{"head", "nested", "plain"}},
		{"push to a feature branch", func() {
			r.Pushed(webhook.Push{RepoURLs: []string{repo}, Branch: "feature", DefaultBranch: "main"})
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.send()
			var got []string
			for _, key := range r.concerned(context.Background(), r.news().take()) {
				got = append(got, key.Name)
				if r.fresh.get(key).IsZero() {
					t.Errorf("%s enqueued without a freshness mark", key.Name)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("enqueued %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNewsNeverBlocks: with an event loop whose consumer reads nothing,
// thousands of announcements return at once, and the consumer then finds
// them coalesced into one request per ApplicationSet.
func TestNewsNeverBlocks(t *testing.T) {
	r := newsReconciler(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := make(chan event.GenericEvent) // nobody reads it yet
	go func() { _ = r.route(ctx, out) }()

	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range 10000 {
			r.RevisionMoved(gitsource.RevisionChange{RepoURL: repo, Revision: "main", Commit: fmt.Sprint(i), At: time.Now()})
			r.Pushed(webhook.Push{RepoURLs: []string{repo}, Branch: "main"})
		}
	}()
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("announcing blocked on a consumer that reads nothing")
	}

	got := map[string]int{}
	deadline := time.After(10 * time.Second)
	for len(got) < 3 {
		select {
		case e := <-out:
			got[e.Object.GetName()]++
		case <-deadline:
			t.Fatalf("requests after the announcements: %v, want head, nested and plain", got)
		}
	}
	// The loop took at most a few batches: each set is enqueued a few
	// times, not 20,000.
	for name, n := range got {
		if n > 3 {
			t.Errorf("%s enqueued %d times", name, n)
		}
	}
}
