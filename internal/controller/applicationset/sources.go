package applicationset

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// cachedRepos resolves revisions through the revision cache, accepting
// answers obtained after notBefore (zero: any).
type cachedRepos struct {
	repos     appset.Repos
	cache     *gitsource.RevisionCache
	notBefore time.Time
}

func (c *cachedRepos) Resolve(ctx context.Context, repoURL, revision string) (string, error) {
	return c.cache.Resolve(ctx, c.repos, repoURL, revision, c.notBefore)
}

func (c *cachedRepos) Checkout(ctx context.Context, repoURL, commit string) (string, error) {
	return c.repos.Checkout(ctx, repoURL, commit)
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
