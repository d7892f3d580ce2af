package git

import (
	"context"
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
// Invalidate reaches all of them. The zero value is not usable: use
// NewRevisionCache.
type RevisionCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[2]string]resolvedRevision
	// invalidations counts Invalidate calls: an answer asked for before
	// one may predate the push that caused it, and is not kept.
	invalidations uint64
}

type resolvedRevision struct {
	commit string
	at     time.Time
}

// NewRevisionCache returns a cache whose answers are trusted for ttl.
func NewRevisionCache(ttl time.Duration) *RevisionCache {
	return &RevisionCache{ttl: ttl, entries: map[[2]string]resolvedRevision{}}
}

// Resolve returns what revision of repoURL resolves to, asking r unless an
// answer younger than the TTL and obtained after notBefore is known (a zero
// notBefore accepts any; a refresh passes now). Errors are not cached.
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
	c.mu.Unlock()
	commit, err := r.Resolve(ctx, repoURL, revision)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if c.invalidations == asked {
		c.entries[key] = resolvedRevision{commit: commit, at: time.Now()}
	}
	c.mu.Unlock()
	return commit, nil
}

// Invalidate forgets every revision of the repository, however its URL is
// spelled (see SameURL): the next Resolve asks it again.
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
