package bump

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tether-gitops/tether/internal/bump/yamledit"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

const valuesYAML = `# Values for the web chart, production.
replicaCount: 2 # scaled by hand

image:
  repository: registry.example/web
  # Set by the pipeline; do not edit.
  tag: "0d1a26e"
  pullPolicy: IfNotPresent

podAnnotations: {}
`

const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
images:
  - name: web # the app
    newName: registry.example/web
    newTag: old
`

func newRepo(t *testing.T, srv *gittest.Server) *gittest.Repo {
	t.Helper()
	return srv.NewRepo("gitops", map[string]string{
		"charts/web/values-prod.yaml":      valuesYAML,
		"charts/api/values-prod.yaml":      "image:\n  tag: v1\n",
		"overlays/prod/kustomization.yaml": kustomization,
		"overlays/prod/deployment.yaml":    "kind: Deployment\n",
	})
}

// readAt returns the content of name at rev of the bare repository dir.
func readAt(t *testing.T, dir, rev, name string) string {
	t.Helper()
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(plumbing.NewHash(rev))
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.File(name)
	if err != nil {
		t.Fatalf("%s at %s: %v", name, rev, err)
	}
	s, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func commitAt(t *testing.T, dir, rev string) *object.Commit {
	t.Helper()
	repo, err := gogit.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(plumbing.NewHash(rev))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func set(path, value string) Set { return Set{Path: path, Value: value} }

func options(repo *gittest.Repo, file string, sets ...Set) Options {
	return Options{
		RepoURL: repo.URL, Branch: "main", File: file, Sets: sets,
		Author:  object.Signature{Name: "CI", Email: "ci@example.com"},
		Backoff: func(int) time.Duration { return time.Millisecond },
	}
}

func TestRunCommitsAndPushes(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	before := repo.Head()

	res, err := Run(context.Background(), options(repo, "charts/web/values-prod.yaml",
		set("image.tag", "4f2e9c1"), set("replicaCount", "3"), set(`podAnnotations."example.com/team"`, "web")))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Commit != repo.Head() || res.Parent != before || res.Attempts != 1 {
		t.Fatalf("result %+v; head %s, was %s", res, repo.Head(), before)
	}
	want := strings.NewReplacer(
		`tag: "0d1a26e"`, `tag: "4f2e9c1"`,
		"replicaCount: 2 #", "replicaCount: 3 #",
		"podAnnotations: {}", "podAnnotations:\n  example.com/team: web",
	).Replace(valuesYAML)
	if got := readAt(t, repo.Dir, res.Commit, "charts/web/values-prod.yaml"); got != want {
		t.Errorf("pushed file:\n%s\nwant:\n%s", got, want)
	}
	c := commitAt(t, repo.Dir, res.Commit)
	if c.Author.Email != "ci@example.com" || len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != before {
		t.Errorf("commit author %v, parents %v", c.Author, c.ParentHashes)
	}
	if !strings.Contains(c.Message, "image.tag=4f2e9c1") {
		t.Errorf("commit message %q does not list the change", c.Message)
	}
	if got := readAt(t, repo.Dir, res.Commit, "charts/api/values-prod.yaml"); got != "image:\n  tag: v1\n" {
		t.Errorf("another file changed: %q", got)
	}
}

func TestRunNoChange(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	before := repo.Head()
	res, err := Run(context.Background(), options(repo, "charts/web/values-prod.yaml", set("image.tag", "0d1a26e"), set("replicaCount", "2")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() || res.Pushed || len(res.Changes) != 0 || repo.Head() != before {
		t.Errorf("a no-op bump made %+v; head %s, was %s", res, repo.Head(), before)
	}
}

func TestRunDryRun(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	before := repo.Head()
	o := options(repo, "charts/web/values-prod.yaml", set("image.tag", "abc"))
	o.DryRun = true
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pushed || repo.Head() != before || !strings.Contains(res.Diff, `+  tag: "abc"`) || strings.HasSuffix(res.Diff, "\n \n") {
		t.Errorf("dry run pushed or has no diff: %+v", res)
	}
}

func TestRunKustomizeImage(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	o := options(repo, "overlays/prod")
	o.Images = []yamledit.Image{{Name: "web", NewName: "registry.example/web", NewTag: "v2"}, {Name: "cache", NewTag: "7.2"}}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(kustomization, "newTag: old", "newTag: v2", 1) + "  - name: cache\n    newTag: \"7.2\"\n"
	if res.File != "overlays/prod/kustomization.yaml" {
		t.Errorf("file = %s", res.File)
	}
	if got := readAt(t, repo.Dir, repo.Head(), "overlays/prod/kustomization.yaml"); got != want {
		t.Errorf("kustomization:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunRetriesWhenBranchMoved makes another bump land between the first
// one's fetch and its push.
func TestRunRetriesWhenBranchMoved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second Options
		wantAttempts  int
		wantCommit    bool
		wantWeb       string
	}{
		{
			name:         "different files",
			first:        Options{File: "charts/web/values-prod.yaml", Sets: []Set{set("image.tag", "first")}},
			second:       Options{File: "charts/api/values-prod.yaml", Sets: []Set{set("image.tag", "second")}},
			wantAttempts: 2, wantCommit: true, wantWeb: "first",
		},
		{
			name:         "different keys of one file",
			first:        Options{File: "charts/web/values-prod.yaml", Sets: []Set{set("image.tag", "first")}},
			second:       Options{File: "charts/web/values-prod.yaml", Sets: []Set{set("replicaCount", "5")}},
			wantAttempts: 2, wantCommit: true, wantWeb: "first",
		},
		{
			name:         "the same value",
			first:        Options{File: "charts/web/values-prod.yaml", Sets: []Set{set("image.tag", "same")}},
			second:       Options{File: "charts/web/values-prod.yaml", Sets: []Set{set("image.tag", "same")}},
			wantAttempts: 2, wantCommit: false, wantWeb: "same",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := gittest.NewServer(t)
			repo := newRepo(t, srv)
			first := options(repo, tt.first.File, tt.first.Sets...)
			second := options(repo, tt.second.File, tt.second.Sets...)
			second.Message = "the other bump\n" // else equal edits make the same commit
			var secondRes *Result
			var secondErr error
			first.beforePush = func(attempt int) {
				if attempt == 1 {
					secondRes, secondErr = Run(context.Background(), second)
				}
			}
			res, err := Run(context.Background(), first)
			if err != nil || secondErr != nil {
				t.Fatalf("first: %v; second: %v", err, secondErr)
			}
			if res.Attempts != tt.wantAttempts || res.Changed() != tt.wantCommit {
				t.Errorf("first bump: attempts %d, commit %q; want %d attempts, commit %v", res.Attempts, res.Commit, tt.wantAttempts, tt.wantCommit)
			}
			head := repo.Head()
			if tt.wantCommit && (res.Commit != head || res.Parent != secondRes.Commit) {
				t.Errorf("first commit %s on %s; head %s, second %s", res.Commit, res.Parent, head, secondRes.Commit)
			}
			web := readAt(t, repo.Dir, head, "charts/web/values-prod.yaml")
			if !strings.Contains(web, `tag: "`+tt.wantWeb+`"`) || !strings.Contains(web, "# Set by the pipeline; do not edit.") {
				t.Errorf("web values at head:\n%s", web)
			}
			for _, s := range second.Sets {
				got := readAt(t, repo.Dir, head, second.File)
				if !strings.Contains(got, s.Value) {
					t.Errorf("the second bump's %s=%s was lost:\n%s", s.Path, s.Value, got)
				}
			}
		})
	}
}

// TestRunConcurrent races bumps of different keys on one branch.
func TestRunConcurrent(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := options(repo, "charts/web/values-prod.yaml", set(fmt.Sprintf("bumps.b%d", i), "done"))
			o.Backoff = nil
			_, errs[i] = Run(context.Background(), o)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	got := readAt(t, repo.Dir, repo.Head(), "charts/web/values-prod.yaml")
	for i := range n {
		if !strings.Contains(got, fmt.Sprintf("b%d: done", i)) {
			t.Errorf("bump %d was lost:\n%s", i, got)
		}
	}
}

func TestRunGivesUp(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	o := options(repo, "charts/web/values-prod.yaml", set("image.tag", "mine"))
	o.MaxAttempts = 2
	o.beforePush = func(attempt int) {
		repo.Commit(map[string]string{"other.txt": fmt.Sprint(attempt)})
	}
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrBranchMoving) {
		t.Fatalf("err = %v, want ErrBranchMoving", err)
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestRunAuth(t *testing.T) {
	t.Parallel()
	const user, password = "ci-bot", "s3cret-pa55"
	srv := gittest.NewServer(t, gittest.WithBasicAuth(user, password))
	repo := newRepo(t, srv)
	tests := []struct {
		name    string
		env     map[string]string
		url     string
		wantErr string
	}{
		{name: "username and password", env: map[string]string{EnvUsername: user, EnvPassword: password}},
		{name: "token with username", env: map[string]string{EnvUsername: user, EnvToken: password}},
		{name: "credentials in the URL", url: strings.Replace(repo.URL, "://", "://"+user+":"+password+"@", 1)},
		{name: "none", wantErr: "authentication required"},
		{name: "wrong password", env: map[string]string{EnvUsername: user, EnvPassword: "wrong-password"}, wantErr: "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(repo, "charts/web/values-prod.yaml", set("image.tag", tt.name))
			if tt.url != "" {
				o.RepoURL = tt.url
			}
			o.Credentials = func(_ context.Context, u string) (*gitsource.Credentials, error) {
				return CredentialsFromEnv(env(tt.env), u)
			}
			res, err := Run(context.Background(), o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "wrong-password") {
					t.Errorf("error leaks a password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.Pushed || strings.Contains(res.Repo, password) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestRunSSH(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	x := srv.StartSSH()
	o := options(repo, "charts/web/values-prod.yaml", set("image.tag", "over-ssh"))
	o.RepoURL = x.URL(repo)
	o.KnownHosts = []string{x.KnownHosts}
	o.Credentials = func(_ context.Context, u string) (*gitsource.Credentials, error) {
		return CredentialsFromEnv(env(map[string]string{EnvSSHKey: string(x.PrivateKey)}), u)
	}
	res, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Commit != repo.Head() {
		t.Errorf("commit %s, head %s", res.Commit, repo.Head())
	}
}

func TestRunWorkDir(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	dir := t.TempDir()
	for i, tag := range []string{"one", "two"} {
		o := options(repo, "charts/web/values-prod.yaml", set("image.tag", tag))
		o.WorkDir = dir
		res, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if res.Commit != repo.Head() {
			t.Fatalf("run %d: commit %s, head %s", i, res.Commit, repo.Head())
		}
	}
	other := srv.NewRepo("other", map[string]string{"values.yaml": "a: 1\n"})
	o := options(other, "values.yaml", set("a", "2"))
	o.WorkDir = dir
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "holds") {
		t.Errorf("a work directory of another repository was used: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := newRepo(t, srv)
	tests := []struct {
		name    string
		mutate  func(o *Options)
		wantErr string
	}{
		{"missing branch", func(o *Options) { o.Branch = "nope" }, "branch nope not found"},
		{"missing file", func(o *Options) { o.File = "charts/none.yaml" }, "charts/none.yaml not found"},
		{"file outside", func(o *Options) { o.File = "../x.yaml" }, "inside the repository"},
		{"not a value", func(o *Options) { o.Sets = []Set{set("image", "x")} }, "only single values"},
		{"nothing to do", func(o *Options) { o.Sets = nil }, "nothing to change"},
		{"unknown repository", func(o *Options) { o.RepoURL = srv.URL + "/none.git" }, "none.git"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := options(repo, "charts/web/values-prod.yaml", set("image.tag", "x"))
			tt.mutate(&o)
			if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
