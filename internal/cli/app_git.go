package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tether-gitops/tether/internal/appview"
	"github.com/tether-gitops/tether/internal/devcluster"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// gitTimeout bounds each listing and fetch of a repository.
const gitTimeout = 2 * time.Minute

// gitStore returns a Git store for one command, with the repository
// Secrets of the namespace as credentials (none when they may not be
// read). Call release when done with it.
func (o *appOptions) gitStore(c *appClient) (store *gitsource.Store, release func(), err error) {
	dir, release, err := o.repoCacheDir()
	if err != nil {
		return nil, nil, err
	}
	return &gitsource.Store{Dir: dir, Creds: c.repoCredentials(), Timeout: gitTimeout}, release, nil
}

// repoCacheDir is the CLI's repository cache, locked for this command: a
// Store's directory belongs to one process. When another command holds
// it, a temporary directory is used and removed by release.
func (o *appOptions) repoCacheDir() (dir string, release func(), err error) {
	dir = o.repoCache
	if dir == "" {
		cache, err := devcluster.DefaultCacheDir()
		if err != nil {
			return "", nil, err
		}
		dir = filepath.Join(cache, "cli-repos")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("create repository cache: %w", err)
	}
	lock := flock.New(filepath.Join(dir, ".lock"))
	if ok, err := lock.TryLock(); err == nil && ok {
		return dir, func() { _ = lock.Unlock() }, nil
	}
	tmp, err := os.MkdirTemp("", "tether-repos-")
	if err != nil {
		return "", nil, fmt.Errorf("create repository cache: %w", err)
	}
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

// repoCredentials finds credentials in Argo CD's repository Secrets of the
// namespace, read once. A user who may not read Secrets gets none, and the
// repository must then allow anonymous reads.
func (c *appClient) repoCredentials() func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
	var (
		once    sync.Once
		secrets []corev1.Secret
		listErr error
	)
	return func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
		once.Do(func() {
			list, err := c.typed.CoreV1().Secrets(c.ns).List(ctx, metav1.ListOptions{LabelSelector: gitsource.SecretTypeLabel})
			switch {
			case apierrors.IsForbidden(err):
			case err != nil:
				listErr = apiError(err, "list", fmt.Sprintf("repository secrets in namespace %q", c.ns), c.server)
			default:
				secrets = list.Items
			}
		})
		if listErr != nil {
			return nil, listErr
		}
		return gitsource.MatchCredentials(secrets, repoURL), nil
	}
}

// commitDetails describes commit of repoURL for views.
func commitDetails(ctx context.Context, store *gitsource.Store, repoURL, commit string) (*appview.Commit, error) {
	info, err := store.Commit(ctx, repoURL, commit)
	if err != nil {
		return nil, err
	}
	return &appview.Commit{SHA: info.Hash, Subject: info.Subject, Author: info.Author, Date: info.Date}, nil
}
