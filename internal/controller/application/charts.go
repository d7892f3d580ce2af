package application

import (
	"context"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/target"
)

// Charts resolves and fetches sources that are not Git repositories: charts
// of Helm repositories and OCI registries, and OCI artifacts. The
// Reconciler's Charts field is the plug-in point; when it is nil such
// sources are refused with InvalidSpecError.
type Charts interface {
	// Handles reports whether src is such a source.
	Handles(src appv1.ApplicationSource) bool
	// Resolve returns the revision to deploy (chart version, tag or
	// digest) for src.TargetRevision, no answer older than notBefore.
	Resolve(ctx context.Context, src appv1.ApplicationSource, notBefore time.Time) (string, error)
	// Fetch returns the source's files at revision.
	Fetch(ctx context.Context, src appv1.ApplicationSource, revision string) (Fetched, error)
}

// Fetched is a source's files on disk (target.Fetched).
type Fetched = target.Fetched
