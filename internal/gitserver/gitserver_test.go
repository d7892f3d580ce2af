package gitserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func requireGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// gitCLI runs git as a client would, with no user configuration.
func gitCLI(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), gitEnv()...)
	cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestCloneAndPush(t *testing.T) {
	t.Parallel()
	requireGit(t)
	ctx := testContext(t)
	root := t.TempDir()
	bare := filepath.Join(root, "org", "apps.git")
	if err := InitBare(ctx, bare); err != nil {
		t.Fatal(err)
	}
	if _, err := CommitFiles(ctx, bare, Commit{Files: map[string]string{"a.yaml": "a"}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&Server{Root: root, Username: "u", Password: "p"}).Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/org/apps.git/info/refs?service=git-upload-pack")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous request: status %d, want 401", resp.StatusCode)
	}

	url := strings.Replace(srv.URL, "http://", "http://u:p@", 1) + "/org/apps.git"
	work := t.TempDir()
	gitCLI(t, work, "clone", "--quiet", url, "clone")
	clone := filepath.Join(work, "clone")
	if data, err := os.ReadFile(filepath.Join(clone, "a.yaml")); err != nil || string(data) != "a" {
		t.Fatalf("cloned a.yaml = %q, %v", data, err)
	}
	if err := os.WriteFile(filepath.Join(clone, "b.yaml"), []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	gitCLI(t, clone, "add", "b.yaml")
	gitCLI(t, clone, "commit", "--quiet", "-m", "add b")
	gitCLI(t, clone, "push", "--quiet", "origin", "main")
	pushed := gitCLI(t, clone, "rev-parse", "HEAD")
	if got, err := RevParse(ctx, bare, "main"); err != nil || got != pushed {
		t.Errorf("server main = %s, %v; want the pushed %s", got, err, pushed)
	}
}

func TestCommitFiles(t *testing.T) {
	t.Parallel()
	requireGit(t)
	ctx := testContext(t)
	bare := filepath.Join(t.TempDir(), "r.git")
	if err := InitBare(ctx, bare); err != nil {
		t.Fatal(err)
	}
	first, err := CommitFiles(ctx, bare, Commit{
		Message:     "first",
		Files:       map[string]string{"dir/a.yaml": "a", "keep": "k", "with space.txt": "s"},
		Executables: map[string]string{"run.sh": "#!/bin/sh\n"},
		Symlinks:    map[string]string{"link": "dir/a.yaml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	second, err := CommitFiles(ctx, bare, Commit{Files: map[string]string{"dir/a.yaml": "a2"}, Remove: []string{"keep"}})
	if err != nil {
		t.Fatal(err)
	}
	if parent := gitCLI(t, bare, "rev-parse", second+"^"); parent != first {
		t.Errorf("parent of second = %s, want %s", parent, first)
	}
	tree := gitCLI(t, bare, "ls-tree", "-r", "--format=%(objectmode) %(path)", second)
	want := "100644 dir/a.yaml\n120000 link\n100755 run.sh\n100644 with space.txt"
	if tree != want {
		t.Errorf("tree of second:\n%s\nwant:\n%s", tree, want)
	}
	if got := gitCLI(t, bare, "show", second+":dir/a.yaml"); got != "a2" {
		t.Errorf("dir/a.yaml = %q", got)
	}
	if _, err := CommitFiles(ctx, bare, Commit{Files: map[string]string{"/abs": "x"}}); err == nil {
		t.Error("CommitFiles accepted an absolute path")
	}
	if err := Tag(ctx, bare, "v1", first, "annotated"); err != nil {
		t.Fatal(err)
	}
	if got, err := RevParse(ctx, bare, "v1"); err != nil || got != first {
		t.Errorf("v1 = %s, %v; want %s", got, err, first)
	}
	if err := InitBare(ctx, bare); err == nil {
		t.Error("InitBare overwrote a repository")
	}
}

func TestParseCommand(t *testing.T) {
	t.Parallel()
	s := &SSHServer{Root: "/srv/git"}
	tests := []struct {
		command, program, dir string
		ok                    bool
	}{
		{"git-upload-pack '/org/apps.git'", "upload-pack", "/srv/git/org/apps.git", true},
		{"git-upload-pack 'org/apps.git'", "upload-pack", "/srv/git/org/apps.git", true},
		{"git upload-pack '/apps.git'", "upload-pack", "/srv/git/apps.git", true},
		{"git-receive-pack '/apps.git'", "receive-pack", "/srv/git/apps.git", true},
		{"git-upload-pack '../../etc'", "upload-pack", "/srv/git/etc", true},
		{"git-upload-archive '/apps.git'", "", "", false},
		{"sh -c id", "", "", false},
		{"git-upload-pack", "", "", false},
	}
	for _, tt := range tests {
		program, dir, err := s.parseCommand(tt.command)
		if (err == nil) != tt.ok || program != tt.program || dir != tt.dir {
			t.Errorf("parseCommand(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.command, program, dir, err, tt.program, tt.dir, tt.ok)
		}
	}
}
