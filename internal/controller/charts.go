package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/tether-gitops/tether/internal/chartsource"
)

// tlsCertsConfigMap holds Argo CD's custom CA certificates, by server name.
const tlsCertsConfigMap = "argocd-tls-certs-cm"

// chartSources serves chart and OCI sources with the credentials of Argo
// CD's repository Secrets in ns and the CAs of its argocd-tls-certs-cm,
// both read from the manager's cache.
func chartSources(c client.Reader, ns string, helm chartsource.HelmRepos, oci chartsource.Registries) *chartsource.Sources {
	return &chartsource.Sources{
		Helm: helm,
		OCI:  oci,
		Secrets: func(ctx context.Context) ([]corev1.Secret, error) {
			var secrets corev1.SecretList
			if err := c.List(ctx, &secrets, client.InNamespace(ns), client.HasLabels{secretTypeLabel}); err != nil {
				return nil, fmt.Errorf("list repository secrets: %w", err)
			}
			return secrets.Items, nil
		},
		TLSCerts: func(ctx context.Context) (map[string]string, error) {
			var cm corev1.ConfigMap
			err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: tlsCertsConfigMap}, &cm)
			if client.IgnoreNotFound(err) != nil {
				return nil, fmt.Errorf("read configmap %s: %w", tlsCertsConfigMap, err)
			}
			return cm.Data, nil
		},
	}
}
