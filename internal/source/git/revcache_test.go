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
