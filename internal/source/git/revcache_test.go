package git

import (
	"context"
	"errors"
	"testing"
	"time"
)

type countingResolver struct {
	calls  int
	commit string
	err    error
}

func (r *countingResolver) Resolve(context.Context, string, string) (string, error) {
	r.calls++
	return r.commit, r.err
}

func TestRevisionCache(t *testing.T) {
	ctx := context.Background()
	r := &countingResolver{commit: "a"}
	c := NewRevisionCache(time.Hour)
	for range 3 {
		if got, err := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Time{}); err != nil || got != "a" {
			t.Fatalf("Resolve = %q, %v", got, err)
		}
	}
	if r.calls != 1 {
		t.Fatalf("%d calls, want 1", r.calls)
	}
	r.commit = "b"
	if got, _ := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Now()); got != "b" || r.calls != 2 {
		t.Fatalf("fresh resolve = %q after %d calls", got, r.calls)
	}
	r.commit = "c"
	c.Invalidate("https://GIT.example/org/repo") // another spelling of the same repository
	if got, _ := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Time{}); got != "c" || r.calls != 3 {
		t.Fatalf("after Invalidate resolve = %q after %d calls", got, r.calls)
	}
	r.err = errors.New("down")
	c.Invalidate("https://git.example/org/repo.git")
	if _, err := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Time{}); err == nil {
		t.Fatal("error not returned")
	}
	r.err = nil
	if _, err := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Time{}); err != nil || r.calls != 5 {
		t.Fatalf("an error was cached: %v, %d calls", err, r.calls)
	}
}

// invalidatingResolver answers with the commit it was asked at, after a
// push and its Invalidate happened meanwhile.
type invalidatingResolver struct {
	c      *RevisionCache
	commit string
}

func (r *invalidatingResolver) Resolve(context.Context, string, string) (string, error) {
	old := r.commit
	r.commit = "new"
	r.c.Invalidate("https://git.example/org/repo.git")
	return old, nil
}

// TestRevisionCacheIgnoresAnswersOlderThanAnInvalidate: an answer asked for
// before a push's Invalidate is returned to its caller but not cached, so
// that the reconcile the push triggers does not read the old commit.
func TestRevisionCacheIgnoresAnswersOlderThanAnInvalidate(t *testing.T) {
	ctx := context.Background()
	c := NewRevisionCache(time.Hour)
	r := &invalidatingResolver{c: c, commit: "old"}
	if got, _ := c.Resolve(ctx, r, "https://git.example/org/repo.git", "main", time.Time{}); got != "old" {
		t.Fatalf("first resolve = %q", got)
	}
	fresh := &countingResolver{commit: "new"}
	if got, _ := c.Resolve(ctx, fresh, "https://git.example/org/repo.git", "main", time.Time{}); got != "new" || fresh.calls != 1 {
		t.Errorf("after the push: %q from %d calls; the stale answer was cached", got, fresh.calls)
	}
}
