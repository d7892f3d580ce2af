// Package chartsource serves the sources of Applications that are not Git
// repositories: charts of Helm repositories and OCI registries, and OCI
// artifacts of manifests. It decides which store serves a source, as Argo
// CD decides it, finds its credentials in Argo CD's repository Secrets and
// its CA in argocd-tls-certs-cm, and implements target.Charts for the
// controller and the CLI alike. It holds no cache of its own: the stores
// share index, tag list and archive downloads between Applications.
package chartsource

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/source/helmrepo"
	"github.com/tether-gitops/tether/internal/source/oci"
	"github.com/tether-gitops/tether/internal/source/repo"
	"github.com/tether-gitops/tether/internal/target"
)

// Chart names a chart of a Helm repository, with what reaching it takes.
type Chart = helmrepo.Chart

// Artifact names a repository of an OCI registry (registry/path, without
// scheme), with what reaching it takes.
type Artifact = oci.Ref

// HelmRepos resolves and fetches charts of Helm repositories.
type HelmRepos interface {
	Resolve(ctx context.Context, c Chart, revision string, notBefore time.Time) (string, error)
	Fetch(ctx context.Context, c Chart, version string) (string, error)
}

// Registries resolves and fetches OCI artifacts: a chart, or manifests.
type Registries interface {
	Resolve(ctx context.Context, a Artifact, revision string, notBefore time.Time) (oci.Resolved, error)
	Fetch(ctx context.Context, a Artifact, revision string) (oci.Fetched, error)
}

// Sources implements target.Charts.
type Sources struct {
	Helm HelmRepos
	OCI  Registries
	// Secrets returns Argo CD's repository and repo-creds Secrets.
	Secrets func(ctx context.Context) ([]corev1.Secret, error)
	// TLSCerts returns the data of argocd-tls-certs-cm; nil when absent.
	TLSCerts func(ctx context.Context) (map[string]string, error)
}

var (
	_ target.Charts = (*Sources)(nil)
	_ HelmRepos     = (*helmrepo.Store)(nil)
	_ Registries    = (*oci.Store)(nil)
)

// ErrNoScheme is a chart whose repoURL says neither http(s) nor oci and
// whose repository Secret does not enable OCI.
var ErrNoScheme = errors.New("repoURL has no scheme: use https:// for a Helm repository, or oci:// (or enableOCI: \"true\" on its repository Secret) for an OCI registry")

// Handles reports whether src names a chart or an OCI artifact.
func (s *Sources) Handles(src appv1.ApplicationSource) bool { return target.LooksLikeChart(src) }

// Resolve returns the chart version, tag or digest src.TargetRevision
// means now, no answer older than notBefore.
func (s *Sources) Resolve(ctx context.Context, src appv1.ApplicationSource, notBefore time.Time) (string, error) {
	l, err := s.locate(ctx, src)
	if err != nil {
		return "", err
	}
	if l.oci != nil {
		res, err := s.OCI.Resolve(ctx, *l.oci, src.TargetRevision, notBefore)
		switch {
		case err != nil:
			return "", err
		case src.Chart != "" && res.Tag != "":
			// A chart's revision is its version, as Argo CD records it.
			return res.Tag, nil
		}
		// An artifact's is its digest: a tag pushed again is a new one.
		return res.Digest, nil
	}
	return s.Helm.Resolve(ctx, *l.helm, src.TargetRevision, notBefore)
}

// Fetch returns the files of src at revision (from Resolve).
func (s *Sources) Fetch(ctx context.Context, src appv1.ApplicationSource, revision string) (target.Fetched, error) {
	l, err := s.locate(ctx, src)
	if err != nil {
		return target.Fetched{}, err
	}
	if l.oci != nil {
		f, err := s.OCI.Fetch(ctx, *l.oci, revision)
		return target.Fetched{Dir: f.Dir, Chart: f.Chart}, err
	}
	dir, err := s.Helm.Fetch(ctx, *l.helm, revision)
	return target.Fetched{Dir: dir, Chart: true}, err
}

// located is the store that serves a source and its arguments.
type located struct {
	helm *Chart
	oci  *Artifact
}

// locate decides, as Argo CD does, what serves src: an oci:// repoURL, or
// one without scheme whose Secret enables OCI (or has type oci), is an OCI
// registry, the chart (if any) a repository under it; an http(s) repoURL
// with a chart is a Helm repository.
func (s *Sources) locate(ctx context.Context, src appv1.ApplicationSource) (located, error) {
	var secrets []corev1.Secret
	if s.Secrets != nil {
		var err error
		if secrets, err = s.Secrets(ctx); err != nil {
			return located{}, err
		}
	}
	var certs map[string]string
	if s.TLSCerts != nil {
		var err error
		if certs, err = s.TLSCerts(ctx); err != nil {
			return located{}, err
		}
	}
	creds := repo.Match(secrets, src.RepoURL)
	ca := repo.CAForHost(certs, repo.HostOf(src.RepoURL))
	url := strings.TrimSpace(src.RepoURL)
	hasScheme := strings.Contains(url, "://")
	isOCI := strings.HasPrefix(url, "oci://") ||
		!hasScheme && creds != nil && (creds.EnableOCI || creds.Type == repo.TypeOCI)
	switch {
	case isOCI:
		if s.OCI == nil {
			return located{}, fmt.Errorf("%s: OCI registries are not configured", url)
		}
		path := strings.Trim(strings.TrimPrefix(url, "oci://"), "/")
		if src.Chart != "" {
			path += "/" + strings.Trim(src.Chart, "/")
		}
		a := &Artifact{Repository: path, Creds: creds, CA: ca}
		a.PlainHTTP = creds != nil && creds.InsecureOCIForceHTTP
		return located{oci: a}, nil
	case !hasScheme:
		return located{}, fmt.Errorf("chart %s of %s: %w", src.Chart, url, ErrNoScheme)
	case strings.HasPrefix(url, "http://"), strings.HasPrefix(url, "https://"):
		if s.Helm == nil {
			return located{}, fmt.Errorf("%s: Helm repositories are not configured", url)
		}
		return located{helm: &Chart{RepoURL: url, Name: src.Chart, Creds: creds, CA: ca}}, nil
	}
	return located{}, fmt.Errorf("chart %s: repoURL %s: only http(s):// Helm repositories and oci:// registries serve charts", src.Chart, url)
}
