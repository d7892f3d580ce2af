package git

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestCacheStaysCompact: a repository fetched at every push, as a busy
// monorepo is, keeps a bounded number of packs, loose objects and
// checkouts, and every commit fetched stays readable without fetching it
// again.
func TestCacheStaysCompact(t *testing.T) {
	t.Parallel()
	srv := gittest.NewServer(t)
	files := map[string]string{}
	for i := range 50 {
		files["apps/app-"+strconv.Itoa(i)+"/cm.yaml"] = "v0"
	}
	repo := srv.NewRepo("apps", files)
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC).UnixNano())
	const maxCheckouts = 3
	store := &Store{Dir: t.TempDir(), MaxCheckouts: maxCheckouts, now: func() time.Time { return time.Unix(0, clock.Load()) }}
	ctx := testContext(t)
	const pushes = 3 * maxPacks
	var commits []string
	for i := range pushes {
		value := "v" + strconv.Itoa(i+1)
		commit := repo.Commit(map[string]string{"apps/app-" + strconv.Itoa(i%50) + "/cm.yaml": value})
		commits = append(commits, commit)
		dir, err := store.Checkout(ctx, repo.URL, commit)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(dir, "apps/app-"+strconv.Itoa(i%50)+"/cm.yaml")); err != nil || string(b) != value {
			t.Fatalf("push %d: checkout has %q, %v; want %q", i, b, err, value)
		}
		clock.Add(int64(2 * recentUse))
	}
	r, err := store.repo(repo.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.objMu.Lock()
	st, err := r.open()
	if err != nil {
		t.Fatal(err)
	}
	packs, loose, err := counts(st)
	r.objMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if len(packs) > maxPacks || len(loose) > maxLoose {
		t.Errorf("after %d fetches: %d packs and %d loose objects, want at most %d and %d", pushes, len(packs), len(loose), maxPacks, maxLoose)
	}
	deadline := time.Now().Add(10 * time.Second)
	for n := checkouts(t, r.checkoutDir); n > maxCheckouts; n = checkouts(t, r.checkoutDir) {
		if time.Now().After(deadline) {
			t.Fatalf("after %d checkouts: %d kept, want at most %d", pushes, n, maxCheckouts)
		}
		time.Sleep(10 * time.Millisecond)
	}
	fetches := srv.Fetches(repo.Name)
	for _, c := range commits {
		if _, err := store.Commit(ctx, repo.URL, c); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Fetches(repo.Name); n != fetches {
		t.Errorf("reading the fetched commits fetched %d times, want none", n-fetches)
	}
}

func checkouts(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}
