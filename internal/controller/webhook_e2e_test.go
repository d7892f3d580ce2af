package controller_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "argocd-secret", Namespace: argocd},
		StringData: map[string]string{"webhook.github.secret": secret},
	}
	if _, err := cluster.Client.CoreV1().Secrets(argocd).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Secrets(argocd).Delete(context.Background(), "argocd-secret", metav1.DeleteOptions{})
	})
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("hooked", map[string]string{"m/a.yaml": configMap("a", "1")})
	name := "hooked-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	first := repo.Head()
	waitApp(t, name, "Synced", syncedHealthy(first))

	next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
	payload := githubPush(repo.URL, first, next, "m/a.yaml")
	for _, bad := range []string{"", "sha256=" + hex.EncodeToString(make([]byte, 32))} {
		if code := postHook(t, payload, bad); code != http.StatusUnauthorized {
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
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(payload)
	if code := postHook(t, payload, "sha256="+hex.EncodeToString(mac.Sum(nil))); code != http.StatusOK {
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

func githubPush(repoURL, before, after string, files ...string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after,
		"repository": map[string]any{"html_url": repoURL, "clone_url": repoURL, "default_branch": "main"},
		"commits":    []any{map[string]any{"id": after, "added": []string{}, "modified": files, "removed": []string{}}},
	})
	return b
}

func postHook(t *testing.T, payload []byte, signature string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, webhookURL, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
