package controller_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/controller"
	"github.com/tether-gitops/tether/internal/controller/controllertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// hookProvider is how one Git host signs and shapes a push webhook.
type hookProvider struct {
	name string
	// payload is the push of after onto before on main of repoURL.
	payload func(repoURL, before, after string) []byte
	// headers are the provider's headers for payload, signed with key.
	headers func(payload []byte, key string) http.Header
	// key is the provider's entry in argocd-secret.
	key string
}

func hexHMAC(payload []byte, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(payload)
	return hex.EncodeToString(mac.Sum(nil))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// gogsPayload is the push of Gogs and Gitea (GitHub's shape).
func gogsPayload(repoURL, before, after string) []byte {
	return mustJSON(map[string]any{
		"ref": "refs/heads/main", "before": before, "after": after,
		"repository": map[string]any{"html_url": strings.TrimSuffix(repoURL, ".git"), "clone_url": repoURL, "default_branch": "main"},
		"commits":    []any{map[string]any{"id": after, "added": []string{}, "modified": []string{"m/a.yaml"}, "removed": []string{}}},
	})
}

var hookProviders = []hookProvider{
	{
		name: "gitlab",
		key:  "webhook.gitlab.secret",
		payload: func(repoURL, before, after string) []byte {
			return mustJSON(map[string]any{
				"object_kind": "push", "ref": "refs/heads/main", "before": before, "after": after, "total_commits_count": 1,
				"project": map[string]any{"web_url": strings.TrimSuffix(repoURL, ".git"), "git_http_url": repoURL, "default_branch": "main"},
				"commits": []any{map[string]any{"id": after, "added": []string{}, "modified": []string{"m/a.yaml"}, "removed": []string{}}},
			})
		},
		headers: func(_ []byte, key string) http.Header {
			return http.Header{"X-Gitlab-Event": {"Push Hook"}, "X-Gitlab-Token": {key}}
		},
	},
	{
		name: "gitea", key: "webhook.gogs.secret", payload: gogsPayload,
		headers: func(p []byte, key string) http.Header {
			return http.Header{"X-Gitea-Event": {"push"}, "X-Gitea-Signature": {hexHMAC(p, key)}}
		},
	},
	{
		name: "gogs", key: "webhook.gogs.secret", payload: gogsPayload,
		headers: func(p []byte, key string) http.Header {
			return http.Header{"X-Gogs-Event": {"push"}, "X-Gogs-Signature": {hexHMAC(p, key)}}
		},
	},
	{
		name: "bitbucket",
		key:  "webhook.bitbucket.uuid",
		payload: func(repoURL, before, after string) []byte {
			ref := func(hash string) map[string]any {
				return map[string]any{"type": "branch", "name": "main", "target": map[string]any{"type": "commit", "hash": hash}}
			}
			return mustJSON(map[string]any{
				"repository": map[string]any{"links": map[string]any{"html": map[string]any{"href": strings.TrimSuffix(repoURL, ".git")}}},
				"push":       map[string]any{"changes": []any{map[string]any{"new": ref(after), "old": ref(before)}}},
			})
		},
		headers: func(_ []byte, key string) http.Header {
			return http.Header{"X-Event-Key": {"repo:push"}, "X-Hook-Uuid": {key}}
		},
	},
	{
		name: "bitbucketserver",
		key:  "webhook.bitbucketserver.secret",
		payload: func(repoURL, before, after string) []byte {
			return mustJSON(map[string]any{
				"eventKey":   "repo:refs_changed",
				"repository": map[string]any{"links": map[string]any{"clone": []any{map[string]any{"href": repoURL, "name": "http"}}}},
				"changes": []any{map[string]any{
					"ref":      map[string]any{"id": "refs/heads/main", "displayId": "main", "type": "BRANCH"},
					"refId":    "refs/heads/main",
					"fromHash": before, "toHash": after, "type": "UPDATE",
				}},
			})
		},
		headers: func(p []byte, key string) http.Header {
			return http.Header{"X-Event-Key": {"repo:refs_changed"}, "X-Hub-Signature": {"sha256=" + hexHMAC(p, key)}}
		},
	},
}

// TestPushWebhookProviders: a push from GitLab, Gitea, Gogs, Bitbucket
// Cloud and Bitbucket Server, signed with the key of argocd-secret, makes
// the commit live within seconds; the same push with a wrong key gets 401
// and changes nothing for as long as an accepted one would have taken
// many times over. The controller polls every hour with an hour-long
// revision cache, so only an accepted push can move an Application.
func TestPushWebhookProviders(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home := cluster.Namespace(t)
	keys := map[string]string{}
	for _, p := range hookProviders {
		keys[p.key] = "key-of-" + p.key
	}
	controllertest.WebhookSecret(t, cluster.Client, home, keys)
	addr := freeAddr(t)
	startReplica(t, home, "hooks", func(o *controller.Options) {
		o.WebhookAddr = addr
		o.ReconcileInterval, o.ReconcileJitter, o.RevisionCacheTTL = time.Hour, 0, time.Hour
	})
	url := "http://" + addr + "/api/webhook"
	srv := gittest.NewServer(t)
	for _, p := range hookProviders {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			dest := cluster.Namespace(t)
			repo := srv.NewRepo("push-"+p.name, map[string]string{"m/a.yaml": configMap("a", "1")})
			createIn(t, home, dirApp(p.name, repo.URL, "m", dest, autoPrune))
			first := repo.Head()
			waitIn(t, home, p.name, "Synced", func(app *appv1.Application) bool {
				return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == first
			})
			next := repo.Commit(map[string]string{"m/a.yaml": configMap("a", "2")})
			payload := p.payload(repo.URL, first, next)

			if code := postProviderHook(t, url, payload, p.headers(payload, "wrong-key")); code != http.StatusUnauthorized {
				t.Fatalf("push with a wrong key answered %d, want 401", code)
			}
			stays(t, 3*time.Second, "the app at the first commit after a refused push", func(ctx context.Context) (bool, error) {
				app, err := controllertest.GetApp(ctx, dyn, home, p.name)
				if err != nil {
					return false, err
				}
				return app.Status.Sync.Revision == first && configMapValueOK(ctx, dest, "a", "1"), nil
			})

			start := time.Now()
			if code := postProviderHook(t, url, payload, p.headers(payload, keys[p.key])); code != http.StatusOK {
				t.Fatalf("signed push answered %d", code)
			}
			pollApp(t, "the pushed commit live", func(ctx context.Context) (bool, error) {
				return configMapValueOK(ctx, dest, "a", "2"), nil
			})
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("the push took %v to go live", d)
			}
			waitIn(t, home, p.name, "Synced at the pushed commit", func(app *appv1.Application) bool {
				return app.Status.Sync.Status == appv1.SyncStatusCodeSynced && app.Status.Sync.Revision == next
			})
		})
	}
}

func postProviderHook(t *testing.T, url string, payload []byte, h http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func configMapValueOK(ctx context.Context, ns, name, value string) bool {
	cm, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	return err == nil && cm.Data["value"] == value
}
