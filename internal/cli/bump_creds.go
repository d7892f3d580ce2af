package cli

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tether-gitops/tether/internal/bump"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// credentials returns the lookup tether bump uses: the environment first,
// then, with --repo-secrets-namespace, Argo CD's repository Secrets.
func (f *bumpFlags) credentials(getenv func(string) string) func(context.Context, string) (*gitsource.Credentials, error) {
	return func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
		creds, err := bump.CredentialsFromEnv(getenv, repoURL)
		if err != nil || creds != nil || f.secretsNS == "" {
			return creds, err
		}
		return f.clusterCredentials(ctx, repoURL)
	}
}

// clusterCredentials matches repoURL against the repository and
// repo-creds Secrets of --repo-secrets-namespace.
func (f *bumpFlags) clusterCredentials(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
	cfg, err := f.kube.config()
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	selector := fmt.Sprintf("%s in (%s,%s)", gitsource.SecretTypeLabel, gitsource.SecretTypeRepository, gitsource.SecretTypeRepoCreds)
	list, err := cs.CoreV1().Secrets(f.secretsNS).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("list repository Secrets in %s: %w", f.secretsNS, err)
	}
	return gitsource.MatchCredentials(list.Items, repoURL), nil
}
