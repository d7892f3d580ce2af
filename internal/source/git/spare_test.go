package git

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestSpareCheckout: with SpareCheckouts, the next commit's checkout is
// written from the spare linked in the background, holds exactly that
// commit's files, and leaves the checkout the spare came from as it was.
func TestSpareCheckout(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", map[string]string{"a/keep.yaml": "keep", "a/change.yaml": "v1", "b/gone.yaml": "gone"})
	store := &Store{Dir: t.TempDir(), SpareCheckouts: true}
	t.Cleanup(store.wait)
	ctx := testContext(t)
	first, err := store.Checkout(ctx, repo.URL, repo.Head())
	if err != nil {
		t.Fatal(err)
	}
	store.wait()
	r, _ := store.repo(repo.URL)
	if r.spare.commit != repo.Head() {
		t.Fatalf("spare of %q, want one of the first checkout", r.spare.commit)
	}
	spareDir := r.spare.dir
	next := repo.CommitWith(gitserver.Commit{Files: map[string]string{"a/change.yaml": "v2", "c/new.yaml": "new"}, Remove: []string{"b/gone.yaml"}})
	second, err := store.Checkout(ctx, repo.URL, next)
	if err != nil {
		t.Fatal(err)
	}
	if isDir(spareDir) {
		t.Errorf("the spare %s was not used", spareDir)
	}
	assertTree(t, second, map[string]string{"a/keep.yaml": "keep", "a/change.yaml": "v2", "c/new.yaml": "new"})
	assertTree(t, first, map[string]string{"a/keep.yaml": "keep", "a/change.yaml": "v1", "b/gone.yaml": "gone"})
}

// assertTree checks that dir holds exactly files.
func assertTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	got := map[string]string{}
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Errorf("%s holds %v, want %v", dir, got, files)
	}
	for f, want := range files {
		if got[f] != want {
			t.Errorf("%s: %s = %q, want %q", dir, f, got[f], want)
		}
	}
}
