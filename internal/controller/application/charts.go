package application

import "github.com/tether-gitops/tether/internal/target"

// Charts resolves and fetches sources that are not Git repositories
// (target.Charts). The Reconciler's Charts field is the plug-in point;
// when it is nil such sources are refused with InvalidSpecError.
type Charts = target.Charts

// Fetched is a source's files on disk (target.Fetched).
type Fetched = target.Fetched
