package application

import (
	"context"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// Charts resolves and fetches sources that are not Git repositories: charts
// of Helm repositories and OCI registries, and OCI artifacts.
//
// The Reconciler's Charts field is the plug-in point. Not wired into the
// reconcile yet: chart sources are still refused with InvalidSpecError,
// whether or not Charts is set.
type Charts interface {
	// Handles reports whether src is such a source.
	Handles(src appv1.ApplicationSource) bool
	// Resolve returns the revision to deploy (chart version or digest), no
	// answer older than notBefore.
	Resolve(ctx context.Context, src appv1.ApplicationSource, notBefore time.Time) (string, error)
	// Fetch returns a directory holding the source's files at revision;
	// for a chart, the chart's own directory.
	Fetch(ctx context.Context, src appv1.ApplicationSource, revision string) (string, error)
}
