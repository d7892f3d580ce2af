package git

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// history is a repository with a known shape:
//
//	c0 ── c1 (v1.0.0, stable*) ── c2 (main, v1.2.0*)
//	        └── c3 (feature)
//
// (* annotated tags)
type history struct {
	repo           *gittest.Repo
	c0, c1, c2, c3 string
}

func newHistory(t *testing.T, srv *gittest.Server) history {
	t.Helper()
	h := history{repo: srv.NewRepo("apps", map[string]string{"README.md": "zero"})}
	h.c0 = h.repo.Head()
	h.c1 = h.repo.Commit(map[string]string{"app/deploy.yaml": "one"})
	h.repo.Branch("feature", h.c1)
	h.c3 = h.repo.CommitWith(gitserver.Commit{Branch: "feature", Files: map[string]string{"app/feature.yaml": "three"}})
	h.c2 = h.repo.Commit(map[string]string{"app/deploy.yaml": "two", "app/service.yaml": "svc"}, "README.md")
	h.repo.Tag("v1.0.0", h.c1, "")
	h.repo.Tag("stable", h.c1, "stable release")
	h.repo.Tag("v1.2.0", h.c2, "release 1.2.0")
	h.repo.Tag("v2.0.0-rc.1", h.c3, "")
	return h
}

func TestResolve(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	tests := []struct{ revision, want string }{
		{"", h.c2},
		{"HEAD", h.c2},
		{"main", h.c2},
		{"refs/heads/main", h.c2},
		{"feature", h.c3},
		{"v1.0.0", h.c1},
		{"stable", h.c1},
		{"refs/tags/stable", h.c1},
		{"v1.2.0", h.c2},
		{"1.*", h.c2},
		{">=1.0.0 <1.2.0", h.c1},
		{h.c0, h.c0},
		{strings.ToUpper(h.c3), h.c3},
		{h.c0[:7], h.c0},
		{h.c3[:12], h.c3},
	}
	for _, transport := range []struct{ name, url string }{{"http", h.repo.URL}, {"file", h.repo.FileURL()}, {"path", h.repo.Dir}} {
		t.Run(transport.name, func(t *testing.T) {
			store := &Store{Dir: t.TempDir()}
			for _, tt := range tests {
				got, err := store.Resolve(testContext(t), transport.url, tt.revision)
				if err != nil {
					t.Errorf("Resolve(%q): %v", tt.revision, err)
				} else if got != tt.want {
					t.Errorf("Resolve(%q) = %s, want %s", tt.revision, got, tt.want)
				}
			}
		})
	}
}

func TestResolveDoesNotFetchRefs(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	store := &Store{Dir: t.TempDir()}
	for _, rev := range []string{"main", "HEAD", "feature", "stable", "v1.*"} {
		if _, err := store.Resolve(testContext(t), h.repo.URL, rev); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Fetches(h.repo.Name); n != 0 {
		t.Errorf("resolving refs made %d fetches, want 0", n)
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	empty := srv.NewRepo("empty", nil)
	tests := []struct {
		name, url, revision string
		kind                error
		message             string
	}{
		{"unknown branch", h.repo.URL, "nope", ErrRevisionNotFound, "revision nope not found in " + h.repo.URL},
		{"unknown sha", h.repo.URL, strings.Repeat("ab", 20), ErrRevisionNotFound, "revision " + strings.Repeat("ab", 20) + " not found in " + h.repo.URL},
		{"unknown short sha", h.repo.URL, "abcdef1", ErrRevisionNotFound, "revision abcdef1 not found in " + h.repo.URL},
		{"unknown repository", srv.URL + "/missing.git", "main", ErrRepositoryNotFound, "repository " + srv.URL + "/missing.git not found"},
		{"empty repository", empty.URL, "main", ErrEmptyRepository, "repository " + empty.URL + " is empty"},
		{"unreachable", "http://" + closedAddr(t) + "/repo.git", "main", ErrUnreachable, "is unreachable"},
		{"missing path", filepath.Join(t.TempDir(), "nothing"), "main", ErrRepositoryNotFound, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &Store{Dir: t.TempDir()}
			_, err := store.Resolve(testContext(t), tt.url, tt.revision)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

// closedAddr returns a local address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	const password = "correct-horse-battery"
	srv := gittest.NewServer(t, gittest.WithBasicAuth("alice", password))
	repo := srv.NewRepo("private", map[string]string{"a.yaml": "a"})
	withCreds := func(c *Credentials) func(context.Context, string) (*Credentials, error) {
		return func(context.Context, string) (*Credentials, error) { return c, nil }
	}
	urlWithPassword := strings.Replace(repo.URL, "http://", "http://alice:wrong-"+password+"@", 1)
	tests := []struct {
		name  string
		url   string
		creds func(context.Context, string) (*Credentials, error)
		kind  error
	}{
		{"no credentials", repo.URL, nil, ErrAuthRequired},
		{"wrong password", repo.URL, withCreds(&Credentials{Username: "alice", Password: "wrong-" + password}), ErrAuthFailed},
		{"wrong password in URL", urlWithPassword, nil, ErrAuthFailed},
		{"right password", repo.URL, withCreds(&Credentials{Username: "alice", Password: password}), nil},
		{"from secrets", repo.URL, func(_ context.Context, url string) (*Credentials, error) {
			return MatchCredentials(nil, url), nil
		}, ErrAuthRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &Store{Dir: t.TempDir(), Creds: tt.creds}
			commit, err := store.Resolve(testContext(t), tt.url, "main")
			if err == nil {
				_, err = store.Checkout(testContext(t), tt.url, commit)
			}
			if !errors.Is(err, tt.kind) && (tt.kind != nil || err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if err == nil {
				return
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error %q contains the password", err)
			}
			if !strings.Contains(err.Error(), repo.URL) {
				t.Errorf("error %q does not name %s", err, repo.URL)
			}
		})
	}
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	store := &Store{Dir: t.TempDir()}
	ctx := testContext(t)
	const callers = 40
	dirs := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			commit, err := store.Resolve(ctx, h.repo.URL, "main")
			if err == nil {
				dirs[i], err = store.Checkout(ctx, h.repo.URL, commit)
			}
			if err == nil {
				_, err = store.Commit(ctx, h.repo.URL, commit)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if dirs[i] != dirs[0] {
			t.Fatalf("caller %d got %s, caller 0 %s", i, dirs[i], dirs[0])
		}
	}
	if n := srv.Fetches(h.repo.Name); n != 1 {
		t.Errorf("%d callers made %d fetches, want 1", callers, n)
	}
	if n := srv.Listings(h.repo.Name); n > 3 {
		t.Errorf("%d callers made %d listings, want at most 3 (two rounds of Resolve and the fetch)", callers, n)
	}
}

func TestSharedFailure(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	store := &Store{Dir: t.TempDir()}
	ctx := testContext(t)
	missing := strings.Repeat("cd", 20)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := store.Checkout(ctx, h.repo.URL, missing); !errors.Is(err, ErrRevisionNotFound) {
				t.Errorf("err = %v, want ErrRevisionNotFound", err)
			}
		}()
	}
	wg.Wait()
	// One round looks for the commit among the tips, then fetches every
	// branch and tag; callers that arrived during a round share it.
	if n := srv.Fetches(h.repo.Name); n > 2 {
		t.Errorf("20 callers of a missing commit made %d fetches, want at most 2", n)
	}
}

func TestNewCommitIsSeenAndFetched(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", map[string]string{"app.yaml": "v1"})
	store := &Store{Dir: t.TempDir()}
	ctx := testContext(t)
	first := checkoutFile(t, store, repo.URL, "main", "app.yaml")
	next := repo.Commit(map[string]string{"app.yaml": "v2"})
	got, err := store.Resolve(ctx, repo.URL, "main")
	if err != nil || got != next {
		t.Fatalf("Resolve after a push = %s, %v; want %s", got, err, next)
	}
	second := checkoutFile(t, store, repo.URL, "main", "app.yaml")
	if first != "v1" || second != "v2" {
		t.Errorf("contents = %q then %q, want v1 then v2", first, second)
	}
	if n := srv.Fetches(repo.Name); n != 2 {
		t.Errorf("fetches = %d, want 2 (one per commit)", n)
	}
	// Both commits are cached: nothing is fetched again.
	checkoutFile(t, store, repo.URL, "main", "app.yaml")
	if _, err := store.Commit(ctx, repo.URL, next); err != nil {
		t.Fatal(err)
	}
	if n := srv.Fetches(repo.Name); n != 2 {
		t.Errorf("fetches = %d after reusing cached commits, want 2", n)
	}
}

func checkoutFile(t *testing.T, store *Store, url, revision, file string) string {
	t.Helper()
	commit, err := store.Resolve(testContext(t), url, revision)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := store.Checkout(testContext(t), url, commit)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestCacheSurvivesRestart(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	dir := t.TempDir()
	ctx := testContext(t)
	if _, err := (&Store{Dir: dir}).Commit(ctx, h.repo.URL, h.c2); err != nil {
		t.Fatal(err)
	}
	// A new Store on the same Dir finds the commit, and its parents, in
	// the cache.
	restarted := &Store{Dir: dir}
	for _, c := range []string{h.c2, h.c1} {
		if _, err := restarted.Commit(ctx, h.repo.URL, c); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Fetches(h.repo.Name); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
	// The feature branch is fetched incrementally.
	if _, err := restarted.Checkout(ctx, h.repo.URL, h.c3); err != nil {
		t.Fatal(err)
	}
}

func TestCommit(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", nil)
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	sha := repo.CommitWith(gitserver.Commit{Message: "Deploy guestbook\n\nWith details.", Files: map[string]string{"a": "a"}, Time: when})
	info, err := (&Store{Dir: t.TempDir()}).Commit(testContext(t), repo.URL, sha)
	if err != nil {
		t.Fatal(err)
	}
	if info.Hash != sha || info.Subject != "Deploy guestbook" || info.Author != gitserver.Author || !info.Date.Equal(when) {
		t.Errorf("Commit = %+v", info)
	}
	if !strings.Contains(info.Message, "With details.") {
		t.Errorf("Message = %q", info.Message)
	}
}

func TestChangedFiles(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	h := newHistory(t, srv)
	store := &Store{Dir: t.TempDir()}
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"modified, added and removed", h.c1, h.c2, []string{"README.md", "app/deploy.yaml", "app/service.yaml"}},
		{"reverse", h.c2, h.c1, []string{"README.md", "app/deploy.yaml", "app/service.yaml"}},
		{"branch", h.c1, h.c3, []string{"app/feature.yaml"}},
		{"same commit", h.c2, h.c2, nil},
		{"everything", "", h.c1, []string{"README.md", "app/deploy.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.ChangedFiles(testContext(t), h.repo.URL, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("ChangedFiles = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := store.ChangedFiles(testContext(t), h.repo.URL, "main", h.c2); err == nil {
		t.Error("ChangedFiles accepted a branch name")
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", map[string]string{"a": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&Store{Dir: t.TempDir()}).Resolve(ctx, repo.URL, "main")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestResolveCommitReachableOnlyFromOtherRefs(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", map[string]string{"a": "main"})
	inPR := repo.CommitWith(gitserver.Commit{Branch: "pr", Files: map[string]string{"a": "pr 1"}})
	tip := repo.CommitWith(gitserver.Commit{Branch: "pr", Files: map[string]string{"a": "pr 2"}})
	if err := gitserver.SetRef(testContext(t), repo.Dir, "refs/pull/1/head", tip); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "--git-dir="+repo.Dir, "update-ref", "-d", "refs/heads/pr").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	store := &Store{Dir: t.TempDir()}
	// Not a tip, not reachable from a branch or tag: the server refuses it.
	if _, err := store.Resolve(testContext(t), repo.URL, inPR); !errors.Is(err, ErrRevisionNotFound) {
		t.Fatalf("err = %v, want ErrRevisionNotFound", err)
	}
	// A pull request head is a tip, and is fetched as one.
	if got, err := store.Resolve(testContext(t), repo.URL, tip); err != nil || got != tip {
		t.Fatalf("Resolve(pull request head) = %s, %v", got, err)
	}
	// A server that allows any reachable commit in a want serves it.
	if out, err := exec.Command("git", "--git-dir="+repo.Dir, "config", "uploadpack.allowReachableSHA1InWant", "true").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	store = &Store{Dir: t.TempDir()}
	if got, err := store.Resolve(testContext(t), repo.URL, inPR); err != nil || got != inPR {
		t.Fatalf("Resolve(commit inside a pull request) = %s, %v", got, err)
	}
}

func TestHTTPSAndBearerToken(t *testing.T) {
	t.Parallel()
	plain := gittest.NewServer(t)
	plain.NewRepo("apps", map[string]string{"a.yaml": "a"})
	backend := (&gitserver.Server{Root: plain.Root}).Handler()
	tls := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret-token" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(tls.Close)
	url := tls.URL + "/apps.git"
	tests := []struct {
		name  string
		creds *Credentials
		kind  error
	}{
		{"untrusted certificate", &Credentials{BearerToken: "s3cret-token"}, ErrUnreachable},
		{"insecure", &Credentials{BearerToken: "s3cret-token", Insecure: true}, nil},
		{"wrong token", &Credentials{BearerToken: "other-token", Insecure: true}, ErrAuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &Store{Dir: t.TempDir(), Creds: func(context.Context, string) (*Credentials, error) { return tt.creds, nil }}
			content, err := readThrough(t, store, url, "a.yaml")
			if !errors.Is(err, tt.kind) && (tt.kind != nil || err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.kind)
			}
			if err == nil && content != "a" {
				t.Errorf("a.yaml = %q", content)
			}
			if err != nil && (strings.Contains(err.Error(), "s3cret-token") || strings.Contains(err.Error(), "other-token")) {
				t.Errorf("error %q mentions the token", err)
			}
		})
	}
}
