package controller_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestPushWebhook: a signed GitHub push makes a commit live without any
// polling (the test controller reconciles every two minutes); unsigned and
// badly signed pushes are refused and change nothing.
func TestPushWebhook(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	const secret = "hook-secret"
	controllertest.WebhookSecret(t, cluster.Client, argocd, map[string]string{"webhook.github.secret": secret})
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("hooked", map[string]string{"m/a.yaml": configMap("a", "1")})
	name := "hooked-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	first := repo.Head()
	waitApp(t, name, "Synced", syncedHealthy(first))

	next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
	payload := controllertest.GitHubPush(repo.URL, first, next, nil, []string{"m/a.yaml"})
	for _, bad := range []string{"", "sha256=" + hex.EncodeToString(make([]byte, 32))} {
		if code := controllertest.PostGitHub(t, webhookURL, payload, bad); code != http.StatusUnauthorized {
			t.Fatalf("push signed %q answered %d, want 401", bad, code)
		}
	}
	// Nothing moves for a while: an accepted push would have the app at
	// the new commit within a second (the push invalidates the revision
	// cache), while without one it stays at the first commit for far
	// longer (revision cache 15 s, periodic reconcile 2 min).
	stays(t, 3*time.Second, "the app at the first commit after refused pushes", func(ctx context.Context) (bool, error) {
		app, err := getApp(ctx, name)
		if err != nil {
			return false, err
		}
		cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
		return err == nil && app.Status.Sync.Revision == first && cm.Data["value"] == "1", err
	})

	before := map[[2]string]int{}
	for _, kind := range []string{"applications", "applicationsets"} {
		path := "/apis/argoproj.io/v1alpha1/namespaces/" + argocd + "/" + kind
		for _, verb := range []string{http.MethodGet, "WATCH"} {
			before[[2]string{verb, path}] = controllerRequests.Count(verb, path)
		}
	}
	if code := controllertest.PostGitHub(t, webhookURL, payload, controllertest.SignGitHub(secret, payload)); code != http.StatusOK {
		t.Fatalf("signed push answered %d", code)
	}
	clustertest.Poll(t, 10*time.Second, "the commit live", func(ctx context.Context) (bool, error) {
		cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "a", metav1.GetOptions{})
		return err == nil && cm.Data["value"] == "2", nil
	})
	waitApp(t, name, "Synced at the pushed commit", syncedHealthy(next))

	// The push was routed from the controllers' watch cache: it started no
	// list or watch, as a second (typed) informer would.
	for key, n := range before {
		if got := controllerRequests.Count(key[0], key[1]); got != n {
			t.Errorf("the push made %d %s requests for %s", got-n, key[0], key[1])
		}
	}
}

// stays polls cond for d and fails the test as soon as it does not hold:
// the check that something does not happen, given the time it would take.
func stays(t *testing.T, d time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	for {
		ok, err := cond(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil || !ok {
			t.Fatalf("%s: no longer so after %v (err %v)", what, time.Since(start).Round(time.Millisecond), err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}
