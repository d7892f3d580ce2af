package gittest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerCountsAndServes(t *testing.T) {
	t.Parallel()
	srv := NewServer(t)
	repo := srv.NewRepo("org/apps", map[string]string{"a.yaml": "a"})
	second := repo.Commit(map[string]string{"b.yaml": "b"}, "a.yaml")
	repo.Tag("v1", second, "release")
	if repo.Head() != second || repo.Rev("v1") != second {
		t.Fatalf("head %s, v1 %s; want %s", repo.Head(), repo.Rev("v1"), second)
	}
	out, err := exec.Command("git", "ls-remote", repo.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("ls-remote: %v: %s", err, out)
	}
	if !strings.Contains(string(out), second+"\trefs/heads/main") {
		t.Errorf("ls-remote = %s", out)
	}
	if srv.Listings("org/apps") != 1 || srv.Fetches("org/apps.git") != 0 {
		t.Errorf("after ls-remote: %d listings, %d fetches; want 1, 0", srv.Listings("org/apps"), srv.Fetches("org/apps"))
	}
	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "--quiet", repo.URL, clone).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v: %s", err, out)
	}
	if srv.Fetches("org/apps") != 1 {
		t.Errorf("after clone: %d fetches, want 1", srv.Fetches("org/apps"))
	}
}
