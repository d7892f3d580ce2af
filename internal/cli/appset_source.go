package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// appSetSource is what generate and diff need: the manifest, the cluster
// (optional for generate) and a local Git cache.
type appSetSource struct {
	kube      kubeFlags
	file      string
	namespace string
	cacheDir  string

	once    sync.Once
	clients *kubeClients
	kubeErr error
}

func (a *appSetSource) add(cmd *cobra.Command) {
	a.kube.add(cmd)
	f := cmd.Flags()
	f.StringVarP(&a.file, "file", "f", "", "ApplicationSet manifest (YAML or JSON, - for stdin); required")
	f.StringVarP(&a.namespace, "namespace", "n", "argocd", "namespace of ApplicationSets without one, and of repository and cluster Secrets")
	f.StringVar(&a.cacheDir, "repo-cache-dir", defaultAppSetCacheDir(), "where Git repositories are cached")
	_ = cmd.MarkFlagRequired("file")
}

func defaultAppSetCacheDir() string {
	if dir, err := os.UserCacheDir(); err == nil {
		return filepath.Join(dir, "tether", "cli-repos")
	}
	return filepath.Join(os.TempDir(), "tether-cli-repos")
}

// cluster returns the cluster clients, connecting once.
func (a *appSetSource) cluster() (*kubeClients, error) {
	a.once.Do(func() { a.clients, a.kubeErr = a.kube.clients() })
	return a.clients, a.kubeErr
}

// read returns the ApplicationSets of the manifest, in the namespace of
// the flag when they set none.
func (a *appSetSource) read(in io.Reader) ([]*unstructured.Unstructured, error) {
	var b []byte
	var err error
	if a.file == "-" {
		b, err = io.ReadAll(in)
	} else {
		b, err = os.ReadFile(a.file)
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var sets []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for {
		obj := map[string]any{}
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("parse %s: %w", a.file, err)
		}
		u := &unstructured.Unstructured{Object: obj}
		if u.GetKind() != "ApplicationSet" {
			continue
		}
		if u.GetNamespace() == "" {
			u.SetNamespace(a.namespace)
		}
		sets = append(sets, u)
	}
	if len(sets) == 0 {
		return nil, fmt.Errorf("%s holds no ApplicationSet", a.file)
	}
	return sets, nil
}

// generator returns a Generator that reads repositories into the local
// cache, with the credentials of the cluster's repository Secrets when the
// cluster is reachable, and cluster Secrets from the cluster.
func (a *appSetSource) generator(errOut io.Writer) *appset.Generator {
	var warnOnce sync.Once
	store := &gitsource.Store{Dir: a.cacheDir, Creds: func(ctx context.Context, repoURL string) (*gitsource.Credentials, error) {
		secrets, err := a.secrets(ctx, metav1.ListOptions{LabelSelector: appset.SecretTypeLabel})
		if err != nil {
			warnOnce.Do(func() {
				fprintf(errOut, "warning: no repository credentials from the cluster (%v); reading repositories anonymously\n", err)
			})
			return nil, nil
		}
		return gitsource.MatchCredentials(secrets, repoURL), nil
	}}
	return &appset.Generator{Repos: store, Clusters: a.clusters}
}

func (a *appSetSource) clusters(ctx context.Context) ([]appset.Cluster, error) {
	secrets, err := a.secrets(ctx, metav1.ListOptions{LabelSelector: appset.SecretTypeLabel + "=" + appset.SecretTypeCluster})
	if err != nil {
		return nil, err
	}
	out := make([]appset.Cluster, 0, len(secrets))
	for i := range secrets {
		out = append(out, appset.ClusterFromSecret(&secrets[i]))
	}
	return out, nil
}

// secrets lists the Secrets of the namespace that opts selects.
func (a *appSetSource) secrets(ctx context.Context, opts metav1.ListOptions) ([]corev1.Secret, error) {
	clients, err := a.cluster()
	if err != nil {
		return nil, err
	}
	list, err := clients.dynamic.Resource(corev1.SchemeGroupVersion.WithResource("secrets")).Namespace(a.namespace).List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list secrets in %s: %w", a.namespace, err)
	}
	out := make([]corev1.Secret, len(list.Items))
	for i := range list.Items {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(list.Items[i].Object, &out[i]); err != nil {
			return nil, fmt.Errorf("decode secret %s: %w", list.Items[i].GetName(), err)
		}
	}
	return out, nil
}
