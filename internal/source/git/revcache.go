package git

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Resolver turns a revision into a commit; Store implements it.
type Resolver interface {
	Resolve(ctx context.Context, repoURL, revision string) (string, error)
}

// RevisionCache remembers what branches and tags resolved to, for TTL, so
// that thousands of Applications of one repository ask it once per TTL. One
// cache is shared by the controllers of a process, so that a push webhook's
// Invalidate reaches all of them, and so that a new commit that any of them
// finds reaches the subscribers (see Subscribe). The zero value is not
// usable: use NewRevisionCache.
type RevisionCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[2]string]resolvedRevision
	// invalidations counts Invalidate calls: an answer asked for before
	// one may predate the push that caused it, and is not kept.
	invalidations uint64
	// seen is the last answer for each repository (normalized) and
	// revision, kept across Invalidate and the TTL: what a new answer is
	// compared with.
	seen map[[2]string]seenRevision
	// questions numbers the questions to resolvers, in the order asked.
	questions uint64
	// subs are the subscribers, by subscription number.
	subs    map[int]func(RevisionChange)
	nextSub int
}

type resolvedRevision struct {
	commit string
	at     time.Time
}

type seenRevision struct {
	commit string
	// question is the number of the question answered: an answer to an
	// older question does not replace it.
	question uint64
}

// RevisionChange is the news that a revision of a repository resolved to
// another commit than it did before in this process.
type RevisionChange struct {
	// RepoURL and Revision are spelled as the caller of Resolve spelled
	// them.
	RepoURL, Revision string
	// Commit is the new answer, Previous the one before it.
	Commit, Previous string
	// At is when Commit was obtained: a Resolve of the same repoURL and
	// revision with a notBefore at or before At, within the TTL, answers
	// Commit (or a newer one) without asking the repository.
	At time.Time
}

// NewRevisionCache returns a cache whose answers are trusted for ttl.
func NewRevisionCache(ttl time.Duration) *RevisionCache {
	return &RevisionCache{ttl: ttl, entries: map[[2]string]resolvedRevision{},
		seen: map[[2]string]seenRevision{}, subs: map[int]func(RevisionChange){}}
}

// Resolve returns what revision of repoURL resolves to, asking r unless an
// answer younger than the TTL and obtained after notBefore is known (a zero
// notBefore accepts any; a refresh passes now). Errors are not cached. An
// answer from r that differs from the last one for the same repository and
// revision is announced to the subscribers before Resolve returns.
func (c *RevisionCache) Resolve(ctx context.Context, r Resolver, repoURL, revision string, notBefore time.Time) (string, error) {
	key := [2]string{repoURL, revision}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && !e.at.Before(notBefore) && time.Since(e.at) < c.ttl {
		return e.commit, nil
	}
	c.mu.Lock()
	asked := c.invalidations
	c.questions++
	question := c.questions
	c.mu.Unlock()
	commit, err := r.Resolve(ctx, repoURL, revision)
	if err != nil {
		return "", err
	}
	now := time.Now()
	c.mu.Lock()
	if c.invalidations == asked {
		c.entries[key] = resolvedRevision{commit: commit, at: now}
	}
	change, changed := c.record(repoURL, revision, commit, question, now)
	var subs []func(RevisionChange)
	if changed {
		for _, fn := range c.subs {
			subs = append(subs, fn)
		}
	}
	c.mu.Unlock()
	for _, fn := range subs {
		fn(change)
	}
	return commit, nil
}

// record remembers commit as the answer to question for repoURL and
// revision, and reports whether it is a change. The first answer is not
// one. The caller holds mu.
func (c *RevisionCache) record(repoURL, revision, commit string, question uint64, at time.Time) (RevisionChange, bool) {
	key := [2]string{NormalizeURL(repoURL), strings.TrimSpace(revision)}
	prev, known := c.seen[key]
	if known && question < prev.question {
		return RevisionChange{}, false
	}
	c.seen[key] = seenRevision{commit: commit, question: question}
	if !known || prev.commit == commit {
		return RevisionChange{}, false
	}
	return RevisionChange{RepoURL: repoURL, Revision: revision, Commit: commit, Previous: prev.commit, At: at}, true
}

// Subscribe calls fn with every RevisionChange from now on, whoever's
// Resolve found it: an Application's periodic reconcile, a refresh, the
// reconcile a push webhook triggered after Invalidate, an ApplicationSet's
// generator. A revision's first answer in this process, and answers from
// the cache, are no change. fn runs on the resolving goroutine, after the
// cache is updated and without its lock held: it must return at once (hand
// the news to a queue that never blocks) and must not call Resolve. The
// order of subscribers is unspecified. The returned function ends the
// subscription.
func (c *RevisionCache) Subscribe(fn func(RevisionChange)) (cancel func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextSub
	c.nextSub++
	c.subs[id] = fn
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.subs, id)
	}
}

// Invalidate forgets every revision of the repository, however its URL is
// spelled (see SameURL): the next Resolve asks it again. It announces
// nothing: the next Resolve does, when the revision moved.
func (c *RevisionCache) Invalidate(repoURL string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidations++
	for k := range c.entries {
		if SameURL(k[0], repoURL) {
			delete(c.entries, k)
		}
	}
}
