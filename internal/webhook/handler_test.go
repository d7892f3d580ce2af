package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const secret = "It's a Secret to Everybody"

func mac(body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// signer adds a provider's headers, signed or not, to a request.
type signer func(h http.Header, body []byte)

func github(event string, signed bool) signer {
	return func(h http.Header, body []byte) {
		h.Set("X-GitHub-Event", event)
		h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
		if signed {
			h.Set("X-Hub-Signature-256", "sha256="+mac(body))
		}
	}
}

func gitlab(event, token string) signer {
	return func(h http.Header, _ []byte) {
		h.Set("X-Gitlab-Event", event)
		if token != "" {
			h.Set("X-Gitlab-Token", token)
		}
	}
}

func gitea(signed bool) signer {
	return func(h http.Header, body []byte) {
		h.Set("X-Gitea-Event", "push")
		h.Set("X-Gogs-Event", "push")
		h.Set("X-GitHub-Event", "push")
		if signed {
			h.Set("X-Gitea-Signature", mac(body))
			h.Set("X-Gogs-Signature", mac(body))
		}
	}
}

func gogs(signed bool) signer {
	return func(h http.Header, body []byte) {
		h.Set("X-Gogs-Event", "push")
		if signed {
			h.Set("X-Gogs-Signature", mac(body))
		}
	}
}

func bitbucket(event, uuid string) signer {
	return func(h http.Header, _ []byte) {
		h.Set("X-Event-Key", event)
		h.Set("X-Hook-UUID", uuid)
	}
}

func bitbucketServer(event string, signed bool) signer {
	return func(h http.Header, body []byte) {
		h.Set("X-Event-Key", event)
		h.Set("X-Request-Id", "b2f3c1a0")
		if signed {
			h.Set("X-Hub-Signature", "sha256="+mac(body))
		}
	}
}

func allSecrets() Secrets {
	return Secrets{GitHub: secret, GitLab: secret, BitbucketUUID: "{8f5e3c1a-uuid}", BitbucketServer: secret, Gogs: secret}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder collects the pushes a Handler hands over.
type recorder struct {
	mu     sync.Mutex
	pushes []Push
}

func (r *recorder) onPush(_ context.Context, p Push) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pushes = append(r.pushes, p)
}

func newTestHandler(t *testing.T, secrets Secrets, rec *recorder, reg prometheus.Registerer) *Handler {
	t.Helper()
	h, err := New(Options{
		Secrets:    func(context.Context) (Secrets, error) { return secrets, nil },
		OnPush:     rec.onPush,
		Registerer: reg,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func post(h http.Handler, body []byte, sign signer) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	sign(req.Header, body)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

var (
	githubURLs = []string{"https://github.com/example-org/gitops", "https://github.com/example-org/gitops.git", "git@github.com:example-org/gitops.git"}
	gitlabURLs = []string{"https://gitlab.example.com/platform/gitops", "https://gitlab.example.com/platform/gitops.git", "git@gitlab.example.com:platform/gitops.git"}
)

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fixture    string
		sign       signer
		secrets    Secrets
		wantStatus int
		wantResult string
		want       []Push
	}{
		{
			name: "github push signed", fixture: "github-push.json", sign: github("push", true), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "github", RepoURLs: githubURLs, Branch: "main", DefaultBranch: "main",
				Before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", After: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
				ChangedFiles: []string{"apps/web/extra.yaml", "charts/web/values-prod.yaml", "apps/api/old.yaml"},
			}},
		},
		{
			name: "github push without secret configured", fixture: "github-push.json", sign: github("push", false),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "github", RepoURLs: githubURLs, Branch: "main", DefaultBranch: "main",
				Before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", After: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
				ChangedFiles: []string{"apps/web/extra.yaml", "charts/web/values-prod.yaml", "apps/api/old.yaml"},
			}},
		},
		{name: "github push unsigned", fixture: "github-push.json", sign: github("push", false), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{
			name: "github push signed with another secret", fixture: "github-push.json", secrets: Secrets{GitHub: "other"},
			sign: github("push", true), wantStatus: 401, wantResult: ResultUnauthorized,
		},
		{
			name: "github tag", fixture: "github-tag.json", sign: github("push", true), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "github", RepoURLs: githubURLs, Tag: "v1.4.0", DefaultBranch: "main",
				Before: "0000000000000000000000000000000000000000", After: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
			}},
		},
		{name: "github ping", fixture: "github-ping.json", sign: github("ping", true), secrets: allSecrets(), wantStatus: 200, wantResult: ResultIgnored},
		{name: "github ping unsigned", fixture: "github-ping.json", sign: github("ping", false), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{name: "github other event", fixture: "github-ping.json", sign: github("issues", true), secrets: allSecrets(), wantStatus: 200, wantResult: ResultIgnored},
		{name: "github push not json", fixture: "not-json.txt", sign: github("push", true), secrets: allSecrets(), wantStatus: 400, wantResult: ResultBadRequest},
		{name: "github push without ref", fixture: "github-ping.json", sign: github("push", true), secrets: allSecrets(), wantStatus: 400, wantResult: ResultBadRequest},
		{
			name: "gitlab push", fixture: "gitlab-push.json", sign: gitlab("Push Hook", secret), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gitlab", RepoURLs: gitlabURLs, Branch: "main", DefaultBranch: "main",
				Before: "95790bf891e76fee5e1747ab589903a6a1f80f22", After: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
				ChangedFiles: []string{"apps/web/values.yaml"},
			}},
		},
		{
			name: "gitlab push with more commits than listed", fixture: "gitlab-push-truncated.json", sign: gitlab("Push Hook", secret), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gitlab", RepoURLs: gitlabURLs, Branch: "main", DefaultBranch: "main",
				Before: "95790bf891e76fee5e1747ab589903a6a1f80f22", After: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
			}},
		},
		{
			name: "gitlab tag push", fixture: "gitlab-tag-push.json", sign: gitlab("Tag Push Hook", secret), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gitlab", RepoURLs: gitlabURLs, Tag: "v2.0.0", DefaultBranch: "main",
				Before: "0000000000000000000000000000000000000000", After: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
			}},
		},
		{
			name: "gitlab system hook", fixture: "gitlab-push.json", sign: gitlab("System Hook", secret), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gitlab", RepoURLs: gitlabURLs, Branch: "main", DefaultBranch: "main",
				Before: "95790bf891e76fee5e1747ab589903a6a1f80f22", After: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
				ChangedFiles: []string{"apps/web/values.yaml"},
			}},
		},
		{name: "gitlab wrong token", fixture: "gitlab-push.json", sign: gitlab("Push Hook", "guess"), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{name: "gitlab no token", fixture: "gitlab-push.json", sign: gitlab("Push Hook", ""), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{name: "gitlab merge request", fixture: "gitlab-push.json", sign: gitlab("Merge Request Hook", secret), secrets: allSecrets(), wantStatus: 200, wantResult: ResultIgnored},
		{
			name: "gitea push", fixture: "gitea-push.json", sign: gitea(true), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gitea", Branch: "release", DefaultBranch: "main",
				RepoURLs: []string{"https://gitea.example.com/ops/deploy", "https://gitea.example.com/ops/deploy.git", "git@gitea.example.com:ops/deploy.git"},
				Before:   "2e0c1d8b1a7f4c3d9e8f7a6b5c4d3e2f1a0b9c8d", After: "7f6e5d4c3b2a19081726354453627180f9e8d7c6",
				ChangedFiles: []string{"overlays/prod/patch.yaml", "overlays/prod/kustomization.yaml"},
			}},
		},
		{name: "gitea push unsigned", fixture: "gitea-push.json", sign: gitea(false), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{
			name: "gogs push", fixture: "gogs-push.json", sign: gogs(true), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "gogs", Branch: "master", DefaultBranch: "master",
				RepoURLs: []string{"https://gogs.example.com/team/manifests", "https://gogs.example.com/team/manifests.git", "ssh://git@gogs.example.com:2222/team/manifests.git"},
				Before:   "a1b2c3d4e5f60718293a4b5c6d7e8f9011223344", After: "5566778899aabbccddeeff00112233445566778a",
				ChangedFiles: []string{"api/deployment.yaml"},
			}},
		},
		{name: "gogs push signed with another secret", fixture: "gogs-push.json", sign: gogs(true), secrets: Secrets{Gogs: "other"}, wantStatus: 401, wantResult: ResultUnauthorized},
		{
			name: "bitbucket cloud push", fixture: "bitbucket-push.json", sign: bitbucket("repo:push", "{8f5e3c1a-uuid}"), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{
				{
					Provider: "bitbucket", RepoURLs: []string{"https://bitbucket.org/acme/gitops"}, Branch: "main",
					Before: "beef0000beef0000beef0000beef0000beef0000", After: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
				},
				{
					Provider: "bitbucket", RepoURLs: []string{"https://bitbucket.org/acme/gitops"}, Branch: "feature-x",
					Before: "feed0000feed0000feed0000feed0000feed0000", Deleted: true,
				},
			},
		},
		{name: "bitbucket cloud wrong uuid", fixture: "bitbucket-push.json", sign: bitbucket("repo:push", "{other}"), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{name: "bitbucket cloud other event", fixture: "bitbucket-push.json", sign: bitbucket("repo:fork", "{8f5e3c1a-uuid}"), secrets: allSecrets(), wantStatus: 200, wantResult: ResultIgnored},
		{
			name: "bitbucket server push", fixture: "bitbucketserver-refs-changed.json", sign: bitbucketServer("repo:refs_changed", true), secrets: allSecrets(),
			wantStatus: 200, wantResult: ResultPush,
			want: []Push{{
				Provider: "bitbucketserver", Branch: "main",
				RepoURLs: []string{"ssh://git@bitbucket.example.com:7999/ops/gitops.git", "https://bitbucket.example.com/scm/ops/gitops.git"},
				Before:   "1111111111111111111111111111111111111111", After: "2222222222222222222222222222222222222222",
			}},
		},
		{name: "bitbucket server unsigned", fixture: "bitbucketserver-refs-changed.json", sign: bitbucketServer("repo:refs_changed", false), secrets: allSecrets(), wantStatus: 401, wantResult: ResultUnauthorized},
		{name: "bitbucket server ping", fixture: "bitbucketserver-ping.json", sign: bitbucketServer("diagnostics:ping", true), secrets: allSecrets(), wantStatus: 200, wantResult: ResultIgnored},
		{name: "unknown provider", fixture: "github-push.json", sign: func(http.Header, []byte) {}, secrets: allSecrets(), wantStatus: 400, wantResult: ResultBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			reg := prometheus.NewRegistry()
			h := newTestHandler(t, tt.secrets, rec, reg)
			w := post(h, readFixture(t, tt.fixture), tt.sign)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tt.wantStatus)
			}
			if !reflect.DeepEqual(rec.pushes, tt.want) {
				t.Errorf("pushes:\n got %+v\nwant %+v", rec.pushes, tt.want)
			}
			provider := ProviderUnknown
			if len(tt.want) > 0 {
				provider = tt.want[0].Provider
			} else if p, _ := detect(headersOf(tt.sign)); p != nil {
				provider = p.name
			}
			if got := counterValue(t, h.requests.WithLabelValues(provider, tt.wantResult)); got != 1 {
				t.Errorf("tether_webhook_requests_total{provider=%q,result=%q} = %v, want 1", provider, tt.wantResult, got)
			}
		})
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func headersOf(sign signer) http.Header {
	h := http.Header{}
	sign(h, nil)
	return h
}

func TestHandlerSizeLimit(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "github-push.json")
	tests := []struct {
		name       string
		limit      int64
		chunked    bool
		wantStatus int
	}{
		{"under the limit", int64(len(body)), false, 200},
		{"declared length over the limit", int64(len(body)) - 1, false, 413},
		{"streamed body over the limit", int64(len(body)) - 1, true, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			h, err := New(Options{OnPush: rec.onPush, MaxPayloadBytes: tt.limit,
				Secrets: func(context.Context) (Secrets, error) { return allSecrets(), nil }})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, Path, strings.NewReader(string(body)))
			if tt.chunked {
				req.ContentLength = -1
			}
			github("push", true)(req.Header, body)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if tt.wantStatus != 200 && len(rec.pushes) > 0 {
				t.Errorf("a refused request handed over %d pushes", len(rec.pushes))
			}
		})
	}
}

func TestHandlerRequests(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "github-push.json")
	form := []byte("payload=" + url.QueryEscape(string(body)))
	tests := []struct {
		name        string
		method      string
		contentType string
		body        []byte
		secrets     func(context.Context) (Secrets, error)
		wantStatus  int
		wantPushes  int
	}{
		{name: "GET", method: http.MethodGet, body: body, wantStatus: 405},
		{name: "form encoded", method: http.MethodPost, contentType: "application/x-www-form-urlencoded", body: form, wantStatus: 200, wantPushes: 1},
		{name: "form without payload", method: http.MethodPost, contentType: "application/x-www-form-urlencoded", body: []byte("x=1"), wantStatus: 400},
		{
			name: "secrets unavailable", method: http.MethodPost, body: body, wantStatus: 503,
			secrets: func(context.Context) (Secrets, error) { return Secrets{}, errors.New("informer not synced") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			secrets := tt.secrets
			if secrets == nil {
				secrets = func(context.Context) (Secrets, error) { return allSecrets(), nil }
			}
			h, err := New(Options{OnPush: rec.onPush, Secrets: secrets})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(tt.method, Path, strings.NewReader(string(tt.body)))
			req.Header.Set("Content-Type", tt.contentType)
			github("push", true)(req.Header, tt.body)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.wantStatus || len(rec.pushes) != tt.wantPushes {
				t.Fatalf("status = %d with %d pushes, want %d with %d", w.Code, len(rec.pushes), tt.wantStatus, tt.wantPushes)
			}
		})
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{}); err == nil {
		t.Error("New without OnPush succeeded")
	}
	reg := prometheus.NewRegistry()
	for range 2 {
		if _, err := New(Options{OnPush: func(context.Context, Push) {}, Registerer: reg}); err != nil {
			t.Errorf("New on a registry that has the counter: %v", err)
		}
	}
}
