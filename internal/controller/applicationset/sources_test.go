package applicationset

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// countingRepos resolves every revision to "c1" and counts the calls.
type countingRepos struct{ resolves, checkouts int }

func (r *countingRepos) Resolve(context.Context, string, string) (string, error) {
	r.resolves++
	return "c1", nil
}

func (r *countingRepos) Checkout(_ context.Context, repoURL, commit string) (string, error) {
	r.checkouts++
	return "/checkouts/" + commit, nil
}

func TestCachedRepos(t *testing.T) {
	ctx := context.Background()
	repos := &countingRepos{}
	cache := gitsource.NewRevisionCache(time.Hour)
	cached := &cachedRepos{repos: repos, cache: cache}
	for range 2 {
		if c, err := cached.Resolve(ctx, "https://host/r.git", "main"); err != nil || c != "c1" {
			t.Fatalf("resolve: %q, %v", c, err)
		}
	}
	if repos.resolves != 1 {
		t.Errorf("%d resolves through the cache, want 1", repos.resolves)
	}
	fresh := &cachedRepos{repos: repos, cache: cache, notBefore: time.Now().Add(time.Second)}
	if _, err := fresh.Resolve(ctx, "https://host/r.git", "main"); err != nil {
		t.Fatal(err)
	}
	if repos.resolves != 2 {
		t.Errorf("a refresh used the cached revision: %d resolves, want 2", repos.resolves)
	}
	// The fresh answer serves later cached calls.
	if _, err := cached.Resolve(ctx, "https://host/r.git", "main"); err != nil || repos.resolves != 2 {
		t.Errorf("after a refresh: %d resolves, %v", repos.resolves, err)
	}
	if dir, err := cached.Checkout(ctx, "https://host/r.git", "c1"); err != nil || dir != "/checkouts/c1" || repos.checkouts != 1 {
		t.Errorf("checkout: %q, %v, %d calls", dir, err, repos.checkouts)
	}
}

func TestListClusters(t *testing.T) {
	secret := func(name, ns, secretType string, data map[string]string) *corev1.Secret {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"env": name}}, Data: map[string][]byte{}}
		if secretType != "" {
			s.Labels[appset.SecretTypeLabel] = secretType
		}
		for k, v := range data {
			s.Data[k] = []byte(v)
		}
		return s
	}
	c := newFakeClient(t,
		secret("prod", "argocd", appset.SecretTypeCluster, map[string]string{"name": "prod", "server": "https://prod:6443", "project": "p"}),
		secret("repo", "argocd", "repository", map[string]string{"url": "https://host/r.git"}),
		secret("plain", "argocd", "", nil),
		secret("other-ns", "elsewhere", appset.SecretTypeCluster, map[string]string{"name": "x", "server": "https://x"}),
	)
	r := &Reconciler{Client: c, Options: Options{Namespace: "argocd"}}
	got, err := r.listClusters(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("clusters %+v, want prod only", got)
	}
	if p := got[0]; p.Name != "prod" || p.Server != "https://prod:6443" || p.Project != "p" || p.Labels["env"] != "prod" {
		t.Errorf("cluster %+v", p)
	}

	broken := &Reconciler{Client: brokenList{c}, Options: Options{Namespace: "argocd"}}
	if _, err := broken.listClusters(context.Background()); err == nil {
		t.Error("a failed list returned no error")
	}
}
