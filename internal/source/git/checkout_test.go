package git

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"github.com/tether-gitops/tether/internal/gitserver"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

func TestCheckout(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", nil)
	sha := repo.CommitWith(gitserver.Commit{
		Files:       map[string]string{"app/deploy.yaml": "kind: Deployment\n", "app/nested/deep/cm.yaml": "kind: ConfigMap\n"},
		Executables: map[string]string{"hack/run.sh": "#!/bin/sh\n"},
		Symlinks:    map[string]string{"app/link.yaml": "deploy.yaml", "escape": "../../../../etc/passwd"},
	})
	store := &Store{Dir: t.TempDir()}
	dir, err := store.Checkout(testContext(t), repo.URL, sha)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(store.Dir, "checkouts"); !strings.HasPrefix(dir, want) || filepath.Base(dir) != sha {
		t.Errorf("checkout dir = %s, want %s/<repo>/%s", dir, want, sha)
	}
	files := map[string]struct {
		content string
		mode    fs.FileMode
	}{
		"app/deploy.yaml":         {"kind: Deployment\n", 0o444},
		"app/nested/deep/cm.yaml": {"kind: ConfigMap\n", 0o444},
		"hack/run.sh":             {"#!/bin/sh\n", 0o555},
	}
	for path, want := range files {
		info, err := os.Lstat(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(dir, path))
		if string(data) != want.content || info.Mode() != want.mode {
			t.Errorf("%s: content %q mode %v, want %q %v", path, data, info.Mode(), want.content, want.mode)
		}
	}
	for path, target := range map[string]string{"app/link.yaml": "deploy.yaml", "escape": "../../../../etc/passwd"} {
		got, err := os.Readlink(filepath.Join(dir, path))
		if err != nil || got != target {
			t.Errorf("link %s -> %q (%v), want %q", path, got, err, target)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("checkouts of the repository: %v, want only %s (no temporary directory left)", entries, sha)
	}
}

func TestCheckoutIsReused(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("apps", map[string]string{"a.yaml": "a"})
	store := &Store{Dir: t.TempDir()}
	ctx := testContext(t)
	dir, err := store.Checkout(ctx, repo.URL, repo.Head())
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(filepath.Join(dir, "a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := store.Checkout(ctx, repo.URL, strings.ToUpper(repo.Head()))
	if err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(filepath.Join(again, "a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if again != dir || !os.SameFile(before, after) {
		t.Errorf("second checkout %s rewrote the first %s", again, dir)
	}
	// Another Store on the same cache, as after a restart, reuses it too.
	restarted, err := (&Store{Dir: store.Dir}).Checkout(ctx, repo.URL, repo.Head())
	if err != nil || restarted != dir {
		t.Errorf("after restart: %s, %v; want %s", restarted, err, dir)
	}
	if n := srv.Fetches(repo.Name); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
}

func TestCheckoutRejectsHostileTrees(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	tests := []struct {
		name    string
		entries func(w *objectWriter) []object.TreeEntry
	}{
		{"dot-dot", func(w *objectWriter) []object.TreeEntry {
			return []object.TreeEntry{{Name: "..", Mode: filemode.Regular, Hash: w.blob("x")}}
		}},
		{"slash", func(w *objectWriter) []object.TreeEntry {
			return []object.TreeEntry{{Name: "a/b", Mode: filemode.Regular, Hash: w.blob("x")}}
		}},
		{"absolute", func(w *objectWriter) []object.TreeEntry {
			return []object.TreeEntry{{Name: filepath.Join(outside, "pwned"), Mode: filemode.Regular, Hash: w.blob("x")}}
		}},
		{"link then directory of the same name", func(w *objectWriter) []object.TreeEntry {
			sub := w.tree([]object.TreeEntry{{Name: "pwned", Mode: filemode.Regular, Hash: w.blob("x")}})
			return []object.TreeEntry{
				{Name: "dir", Mode: filemode.Symlink, Hash: w.blob(outside)},
				{Name: "dir", Mode: filemode.Dir, Hash: sub},
			}
		}},
		{"link then file of the same name", func(w *objectWriter) []object.TreeEntry {
			return []object.TreeEntry{
				{Name: "f", Mode: filemode.Symlink, Hash: w.blob(filepath.Join(outside, "pwned"))},
				{Name: "f", Mode: filemode.Regular, Hash: w.blob("x")},
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo.git")
			if err := gitserver.InitBare(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			w := newObjectWriter(t, dir)
			commit := w.commit(w.tree(tt.entries(w)))
			store := &Store{Dir: t.TempDir()}
			if _, err := store.Checkout(testContext(t), dir, commit); err == nil {
				t.Fatal("checkout succeeded")
			}
			if entries, _ := os.ReadDir(outside); len(entries) != 0 {
				t.Errorf("checkout wrote outside its directory: %v", entries)
			}
			checkouts, _ := filepath.Glob(filepath.Join(store.Dir, "checkouts", "*", "*"))
			if len(checkouts) != 0 {
				t.Errorf("failed checkout left %v", checkouts)
			}
		})
	}
}

// objectWriter writes raw git objects, which git itself would refuse to
// create, into a repository.
type objectWriter struct {
	t  *testing.T
	st storer.EncodedObjectStorer
	r  *gogit.Repository
}

func newObjectWriter(t *testing.T, dir string) *objectWriter {
	r, err := gogit.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &objectWriter{t: t, st: r.Storer, r: r}
}

func (w *objectWriter) put(o interface {
	Encode(plumbing.EncodedObject) error
}) plumbing.Hash {
	obj := w.st.NewEncodedObject()
	if err := o.Encode(obj); err != nil {
		w.t.Fatal(err)
	}
	h, err := w.st.SetEncodedObject(obj)
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

func (w *objectWriter) blob(content string) plumbing.Hash {
	obj := w.st.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	wr, _ := obj.Writer()
	_, _ = wr.Write([]byte(content))
	_ = wr.Close()
	h, err := w.st.SetEncodedObject(obj)
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

func (w *objectWriter) tree(entries []object.TreeEntry) plumbing.Hash {
	return w.put(&object.Tree{Entries: entries})
}

func (w *objectWriter) commit(tree plumbing.Hash) string {
	sig := object.Signature{Name: "t", Email: "t@t", When: time.Unix(0, 0)}
	h := w.put(&object.Commit{Author: sig, Committer: sig, Message: "hostile", TreeHash: tree})
	if err := w.r.Storer.SetReference(plumbing.NewHashReference("refs/heads/main", h)); err != nil {
		w.t.Fatal(err)
	}
	return h.String()
}

// TestCheckoutFromPrevious: a checkout written from the previous one (links
// plus the commit's changes) has exactly the content a fresh checkout has,
// and leaves the previous one untouched.
func TestCheckoutFromPrevious(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("incremental", nil)
	first := repo.CommitWith(gitserver.Commit{
		Files:    map[string]string{"a/keep.yaml": "keep\n", "a/change.yaml": "v1\n", "a/gone.yaml": "gone\n", "b": "file\n", "d/only.yaml": "x\n"},
		Symlinks: map[string]string{"a/link": "keep.yaml"},
	})
	second := repo.CommitWith(gitserver.Commit{
		Files:       map[string]string{"a/change.yaml": "v2\n", "c/new/deep.yaml": "new\n"},
		Executables: map[string]string{"a/keep.yaml": "keep\n"},
		Remove:      []string{"a/gone.yaml", "b", "d/only.yaml"},
	})
	third := repo.CommitWith(gitserver.Commit{Files: map[string]string{"b/now-a-dir.yaml": "dir\n"}})

	store := &Store{Dir: t.TempDir()}
	ctx := testContext(t)
	var dirs []string
	for _, sha := range []string{first, second, third} {
		dir, err := store.Checkout(ctx, repo.URL, sha)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for i, sha := range []string{first, second, third} {
		fresh, err := (&Store{Dir: t.TempDir()}).Checkout(ctx, repo.URL, sha)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := snapshot(t, dirs[i]), snapshot(t, fresh); got != want {
			t.Errorf("checkout of commit %d differs from a fresh one:\n%s\nwant:\n%s", i+1, got, want)
		}
	}
}

// snapshot lists every file of dir with its mode and content, every link
// with its target, and every directory, so that a folder left behind by a
// removed file shows.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			b.WriteString(rel + "/\n")
			return nil
		}
		info, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(path)
			b.WriteString(rel + " -> " + target + "\n")
			return nil
		}
		data, err := os.ReadFile(path)
		b.WriteString(rel + " " + info.Mode().String() + " " + string(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPruneCheckouts: checkouts nobody asked for during the idle time go,
// except the latest of each repository (the base of the next one) and those
// handed out recently; a pruned commit is checked out again on demand.
func TestPruneCheckouts(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("prune", map[string]string{"a.yaml": "1"})
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	store := &Store{Dir: t.TempDir(), now: func() time.Time { return now }}
	ctx := testContext(t)
	checkout := func(commit string) string {
		t.Helper()
		dir, err := store.Checkout(ctx, repo.URL, commit)
		if err != nil {
			t.Fatal(err)
		}
		return dir
	}
	first := repo.Head()
	firstDir := checkout(first)
	second := repo.Commit(map[string]string{"a.yaml": "2"})
	checkout(second)
	third := repo.Commit(map[string]string{"a.yaml": "3"})

	now = now.Add(5 * time.Minute)
	thirdDir := checkout(third) // the latest, and recently used
	now = now.Add(time.Minute)
	checkout(second) // used again: kept
	if n, err := store.PruneCheckouts(ctx, 3*time.Minute); err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1: the first checkout only", n, err)
	}
	if isDir(firstDir) {
		t.Errorf("%s survived", firstDir)
	}
	if !isDir(thirdDir) {
		t.Errorf("the latest checkout %s was pruned", thirdDir)
	}
	if got, _ := os.ReadFile(filepath.Join(checkout(first), "a.yaml")); string(got) != "1" {
		t.Errorf("first commit checked out again reads %q", got)
	}

	// Checkouts a previous process left count as used at start.
	later := &Store{Dir: store.Dir, now: func() time.Time { return now }}
	if n, err := later.PruneCheckouts(ctx, time.Minute); err != nil || n != 0 {
		t.Errorf("a new store pruned %d (%v) at once", n, err)
	}
	now = now.Add(2 * time.Minute)
	if n, err := later.PruneCheckouts(ctx, time.Minute); err != nil || n != 3 {
		t.Errorf("a new store pruned %d (%v) after the idle time, want all 3", n, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(thirdDir))
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
