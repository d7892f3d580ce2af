package appset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// The in-cluster destination, which needs no Secret.
const (
	InClusterName   = "in-cluster"
	InClusterServer = "https://kubernetes.default.svc"
)

// SecretTypeLabel marks Argo CD's repository and cluster Secrets;
// SecretTypeCluster is its value on cluster Secrets.
const (
	SecretTypeLabel   = "argocd.argoproj.io/secret-type"
	SecretTypeCluster = "cluster"
)

// ClusterFromSecret reads a cluster Secret: its data keys name, server and
// project, and its labels and annotations. It does not check the Secret's
// type label.
func ClusterFromSecret(s *corev1.Secret) Cluster {
	value := func(key string) string {
		if v, ok := s.StringData[key]; ok {
			return v
		}
		return string(s.Data[key])
	}
	return Cluster{Name: value("name"), Server: value("server"), Project: value("project"),
		Labels: s.Labels, Annotations: s.Annotations}
}

// clusters returns one parameter set per cluster that the selector
// matches: name, nameNormalized, server, project (when set), the Secret's
// labels and annotations ("metadata.labels.<key>", or nested under
// "metadata" with goTemplate), and values. The in-cluster destination comes
// first, unless a selector is set or a Secret registers its server.
func (run *generation) clusters(ctx context.Context, body map[string]any) ([]Params, error) {
	var g appv1.ClusterGenerator
	if err := fromMap(body, &g); err != nil {
		return nil, fmt.Errorf("clusters: %w", err)
	}
	if run.Clusters == nil {
		return nil, errors.New("clusters: no cluster registry is available")
	}
	all, err := run.Clusters(ctx)
	if err != nil {
		return nil, fmt.Errorf("clusters: %w", err)
	}
	slices.SortFunc(all, func(a, b Cluster) int { return strings.Compare(a.Name, b.Name) })
	var out []Params
	if emptySelector(g.Selector) && !slices.ContainsFunc(all, func(c Cluster) bool { return c.Server == InClusterServer }) {
		p := Params{"name": InClusterName, "nameNormalized": InClusterName, "server": InClusterServer}
		if err := addValues(p, g.Values, run.r); err != nil {
			return nil, fmt.Errorf("clusters: %w", err)
		}
		out = append(out, p)
	}
	for _, c := range all {
		ok, err := selectorMatches(&g.Selector, c.Labels)
		if err != nil {
			return nil, fmt.Errorf("clusters: %w", err)
		}
		if !ok {
			continue
		}
		p := run.clusterParams(c)
		if err := addValues(p, g.Values, run.r); err != nil {
			return nil, fmt.Errorf("clusters: cluster %s: %w", c.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func (run *generation) clusterParams(c Cluster) Params {
	p := Params{"name": c.Name, "nameNormalized": Normalize(c.Name), "server": c.Server}
	if c.Project != "" {
		p["project"] = c.Project
	}
	if run.r.goTemplate {
		meta := map[string]any{}
		if len(c.Labels) > 0 {
			meta["labels"] = toAnyMap(c.Labels)
		}
		if len(c.Annotations) > 0 {
			meta["annotations"] = toAnyMap(c.Annotations)
		}
		p["metadata"] = meta
		return p
	}
	for k, v := range c.Labels {
		p["metadata.labels."+k] = v
	}
	for k, v := range c.Annotations {
		p["metadata.annotations."+k] = v
	}
	return p
}

func toAnyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
