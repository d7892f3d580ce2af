package git

import (
	"context"
	"errors"
	"sync"
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

// TestRevisionCacheAnnouncesNewCommits: a subscriber hears of a revision
// that moved, whoever resolved it and however the URL was spelled, once per
// move; not of first answers, cache hits or unchanged answers.
func TestRevisionCacheAnnouncesNewCommits(t *testing.T) {
	ctx := context.Background()
	const repo = "https://git.example/org/repo.git"
	c := NewRevisionCache(time.Hour)
	var got []RevisionChange
	cancel := c.Subscribe(func(ch RevisionChange) { got = append(got, ch) })
	r := &countingResolver{commit: "a"}
	resolve := func(url, rev string, notBefore time.Time) string {
		t.Helper()
		commit, err := c.Resolve(ctx, r, url, rev, notBefore)
		if err != nil {
			t.Fatal(err)
		}
		return commit
	}
	resolve(repo, "main", time.Time{})                           // first answer: no change
	resolve(repo, "main", time.Time{})                           // cache hit
	resolve(repo, "main", time.Now())                            // asked again, same commit
	resolve("https://GIT.example/org/repo", "main", time.Time{}) // another spelling, same commit
	if len(got) != 0 {
		t.Fatalf("announced %+v before anything moved", got)
	}
	r.commit = "b"
	c.Invalidate(repo) // a push: the next Resolve asks and finds b
	before := time.Now()
	if resolve(repo, "main", time.Time{}) != "b" {
		t.Fatal("not b after Invalidate")
	}
	if len(got) != 1 || got[0].RepoURL != repo || got[0].Revision != "main" || got[0].Commit != "b" || got[0].Previous != "a" || got[0].At.Before(before) {
		t.Fatalf("announced %+v, want main moved from a to b", got)
	}
	// The announced answer is in the cache: a subscriber that resolves
	// with notBefore At does not ask the repository again.
	calls := r.calls
	if resolve(repo, "main", got[0].At) != "b" || r.calls != calls {
		t.Errorf("resolving at the announced time asked the repository")
	}
	resolve("https://GIT.example/org/repo", "main", time.Now()) // another spelling: still b
	if len(got) != 1 {
		t.Errorf("announced %d changes, want 1", len(got))
	}
	cancel()
	r.commit = "c"
	resolve(repo, "main", time.Now())
	if len(got) != 1 {
		t.Errorf("announced after cancel: %+v", got[len(got)-1])
	}
}

// slowResolver answers with commit after the test lets it.
type slowResolver struct {
	commit           string
	asked, answering chan struct{}
}

func (r *slowResolver) Resolve(context.Context, string, string) (string, error) {
	close(r.asked)
	<-r.answering
	return r.commit, nil
}

// TestRevisionCacheIgnoresOlderQuestions: an answer to a question asked
// before the last recorded one is not a change back.
func TestRevisionCacheIgnoresOlderQuestions(t *testing.T) {
	ctx := context.Background()
	const repo = "https://git.example/org/repo.git"
	c := NewRevisionCache(time.Hour)
	var mu sync.Mutex
	var got []RevisionChange
	c.Subscribe(func(ch RevisionChange) { mu.Lock(); got = append(got, ch); mu.Unlock() })
	if _, err := c.Resolve(ctx, &countingResolver{commit: "a"}, repo, "main", time.Time{}); err != nil {
		t.Fatal(err)
	}
	slow := &slowResolver{commit: "a", asked: make(chan struct{}), answering: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.Resolve(ctx, slow, repo, "main", time.Now())
	}()
	<-slow.asked
	if _, err := c.Resolve(ctx, &countingResolver{commit: "b"}, repo, "main", time.Now()); err != nil {
		t.Fatal(err)
	}
	close(slow.answering)
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].Commit != "b" {
		t.Fatalf("announced %+v, want only a to b", got)
	}
}
