// Package gittest gives Go tests real Git repositories, served over smart
// HTTP (and optionally ssh) by gitserver on a local port, with helpers to
// commit, branch and tag, and counters of the fetches the server answered.
//
// Usage:
//
//	srv := gittest.NewServer(t)
//	repo := srv.NewRepo("apps", map[string]string{"guestbook/deploy.yaml": manifest})
//	// repo.URL is http://127.0.0.1:port/apps.git; repo.Head() the commit on main.
//	next := repo.Commit(map[string]string{"guestbook/deploy.yaml": changed})
//	if srv.Fetches("apps") != 1 { ... }
//
// Everything is removed when the test ends. It needs the git binary.
package gittest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tether-gitops/tether/internal/gitserver"
)

// Server is a Git smart HTTP server on a local port, serving the
// repositories of one test.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:40123.
	URL string
	// Root is the directory that holds the bare repositories.
	Root string

	t        testing.TB
	mu       sync.Mutex
	fetches  map[string]int
	listings map[string]int
}

// Option configures NewServer.
type Option func(*gitserver.Server)

// WithBasicAuth makes the server require HTTP basic auth with user and
// password.
func WithBasicAuth(user, password string) Option {
	return func(s *gitserver.Server) { s.Username, s.Password = user, password }
}

// NewServer starts a server for the test and stops it at cleanup. It skips
// the test when git is not installed.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("gittest: git is not installed")
	}
	s := &Server{Root: t.TempDir(), t: t, fetches: map[string]int{}, listings: map[string]int{}}
	gs := &gitserver.Server{Root: s.Root}
	for _, opt := range opts {
		opt(gs)
	}
	hs := httptest.NewServer(s.count(gs.Handler()))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// count tallies, per repository, the ref listings and the fetches that
// reach the server. A listing is a GET of info/refs for upload-pack in
// protocol v0 (go-git's), or an ls-refs command in protocol v2 (git's); a
// fetch is a POST to upload-pack that asks for objects.
func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(path, "/git-upload-pack"):
			name := repoName(strings.TrimSuffix(path, "/git-upload-pack"))
			if isLsRefs(r) {
				s.add(s.listings, name)
			} else {
				s.add(s.fetches, name)
			}
		case strings.HasSuffix(path, "/info/refs") && r.URL.Query().Get("service") == "git-upload-pack" && !isV2(r):
			s.add(s.listings, repoName(strings.TrimSuffix(path, "/info/refs")))
		}
		next.ServeHTTP(w, r)
	})
}

func isV2(r *http.Request) bool { return strings.Contains(r.Header.Get("Git-Protocol"), "version=2") }

func (s *Server) add(counts map[string]int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts[name]++
}

// isLsRefs reports whether r is a protocol v2 ls-refs command, keeping its
// body readable.
func isLsRefs(r *http.Request) bool {
	if !isV2(r) {
		return false
	}
	const command = "0014command=ls-refs\n"
	head := make([]byte, len(command))
	n, _ := io.ReadFull(r.Body, head)
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head[:n]), r.Body), r.Body}
	return string(head[:n]) == command
}

func repoName(path string) string {
	return strings.TrimSuffix(strings.TrimPrefix(path, "/"), ".git")
}

// Fetches returns how many fetches (upload-pack POSTs) the repository name
// has served, whether they succeeded or not.
func (s *Server) Fetches(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[repoName(name)]
}

// Listings returns how many ref listings (ls-remote, or the first step of
// a fetch) the repository name has served.
func (s *Server) Listings(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listings[repoName(name)]
}

// NewRepo creates the bare repository <name>.git (name may contain
// slashes) and, unless files is empty, commits files to main.
func (s *Server) NewRepo(name string, files map[string]string) *Repo {
	s.t.Helper()
	name = strings.TrimSuffix(name, ".git")
	r := &Repo{
		Name: name,
		URL:  s.URL + "/" + name + ".git",
		Dir:  filepath.Join(s.Root, filepath.FromSlash(name)+".git"),
		t:    s.t,
	}
	if err := gitserver.InitBare(context.Background(), r.Dir); err != nil {
		s.t.Fatalf("gittest: %v", err)
	}
	if len(files) > 0 {
		r.Commit(files)
	}
	return r
}

// Repo is a bare repository served by a Server. Its methods fail the test
// that created the Server on error, so call them from that test's
// goroutine (or its subtests' when they run before the test returns).
type Repo struct {
	// Name is the name given to NewRepo, without ".git".
	Name string
	// URL is the repository's http URL.
	URL string
	// Dir is the bare repository's directory.
	Dir string

	t testing.TB
}

// FileURL returns the repository's file:// URL.
func (r *Repo) FileURL() string { return "file://" + filepath.ToSlash(r.Dir) }

// Commit commits files (path to content) to main, deletes the paths in
// remove, and returns the new commit's SHA.
func (r *Repo) Commit(files map[string]string, remove ...string) string {
	r.t.Helper()
	return r.CommitWith(gitserver.Commit{Files: files, Remove: remove})
}

// CommitWith makes the commit c and returns its SHA.
func (r *Repo) CommitWith(c gitserver.Commit) string {
	r.t.Helper()
	sha, err := gitserver.CommitFiles(context.Background(), r.Dir, c)
	if err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	return sha
}

// Tag creates a lightweight tag, or an annotated one when message is set.
func (r *Repo) Tag(name, rev, message string) {
	r.t.Helper()
	if err := gitserver.Tag(context.Background(), r.Dir, name, rev, message); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
}

// Branch creates or moves the branch name to rev.
func (r *Repo) Branch(name, rev string) {
	r.t.Helper()
	if err := gitserver.SetRef(context.Background(), r.Dir, "refs/heads/"+name, rev); err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
}

// Head returns the SHA at the tip of main.
func (r *Repo) Head() string {
	r.t.Helper()
	return r.Rev("refs/heads/" + gitserver.DefaultBranch)
}

// Rev returns the commit SHA that rev names.
func (r *Repo) Rev(rev string) string {
	r.t.Helper()
	sha, err := gitserver.RevParse(context.Background(), r.Dir, rev)
	if err != nil {
		r.t.Fatalf("gittest: %v", err)
	}
	return sha
}
