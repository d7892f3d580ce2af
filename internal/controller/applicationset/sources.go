package applicationset

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-gitops/tether/internal/appset"
)

// cachedRepos resolves revisions through the revision cache, unless fresh.
type cachedRepos struct {
	repos appset.Repos
	cache *revisionCache
	fresh bool
}

func (c *cachedRepos) Resolve(ctx context.Context, repoURL, revision string) (string, error) {
	return c.cache.resolve(ctx, c.repos, repoURL, revision, c.fresh)
}

func (c *cachedRepos) Checkout(ctx context.Context, repoURL, commit string) (string, error) {
	return c.repos.Checkout(ctx, repoURL, commit)
}

// revisionCache remembers what branches and tags resolved to, for ttl, so
// that reconciles triggered by watches do not each ask the repository.
type revisionCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[[2]string]resolved
}

type resolved struct {
	commit string
	at     time.Time
}

func newRevisionCache(ttl time.Duration) *revisionCache {
	return &revisionCache{ttl: ttl, entries: map[[2]string]resolved{}}
}

func (c *revisionCache) resolve(ctx context.Context, repos appset.Repos, repo, rev string, fresh bool) (string, error) {
	key := [2]string{repo, rev}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && !fresh && time.Since(e.at) < c.ttl {
		return e.commit, nil
	}
	commit, err := repos.Resolve(ctx, repo, rev)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.entries[key] = resolved{commit: commit, at: time.Now()}
	c.mu.Unlock()
	return commit, nil
}

// listClusters reads the cluster Secrets of the controller's namespace from
// the cache.
func (r *Reconciler) listClusters(ctx context.Context) ([]appset.Cluster, error) {
	var secrets corev1.SecretList
	err := r.Client.List(ctx, &secrets, client.InNamespace(r.Namespace),
		client.MatchingLabels{appset.SecretTypeLabel: appset.SecretTypeCluster})
	if err != nil {
		return nil, fmt.Errorf("list cluster secrets: %w", err)
	}
	out := make([]appset.Cluster, 0, len(secrets.Items))
	for i := range secrets.Items {
		out = append(out, appset.ClusterFromSecret(&secrets.Items[i]))
	}
	return out, nil
}
