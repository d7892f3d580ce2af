package target

import (
	"context"
	"errors"
	"fmt"
	"time"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
)

// ChartDependencies downloads the dependencies of charts through charts,
// with the credentials and trust of the repository each one names; nil
// charts give a nil fetcher, which leaves dependencies to be vendored.
func ChartDependencies(charts Charts) render.DependencyFetcher {
	if charts == nil {
		return nil
	}
	return chartDeps{charts}
}

type chartDeps struct{ charts Charts }

func (d chartDeps) FetchDependency(ctx context.Context, repository, name, version string) (string, error) {
	src := appv1.ApplicationSource{RepoURL: repository, Chart: name, TargetRevision: version}
	fail := func(err error) (string, error) {
		return "", &DependencyError{Repository: repository, Chart: name, Version: version, Err: err}
	}
	rev, err := d.charts.Resolve(ctx, src, time.Time{})
	if err != nil {
		return fail(err)
	}
	f, err := d.charts.Fetch(ctx, src, rev)
	if err != nil {
		return fail(err)
	}
	if !f.Chart {
		return fail(errors.New("the artifact is not a Helm chart"))
	}
	return f.Dir, nil
}

// DependencyError is a chart dependency that could not be downloaded. Unlike
// other render errors it may pass when tried again (the repository was
// unreachable, or publishes the version later), so it is never cached.
type DependencyError struct {
	Repository, Chart, Version string
	Err                        error
}

func (e *DependencyError) Error() string {
	v := e.Version
	if v == "" {
		v = "*"
	}
	return fmt.Sprintf("download chart %s version %s of %s: %v", e.Chart, v, e.Repository, e.Err)
}

func (e *DependencyError) Unwrap() error { return e.Err }

// Transient reports whether err, from RenderSources or a render, may pass
// when tried again with the same inputs.
func Transient(err error) bool {
	var de *DependencyError
	return errors.As(err, &de)
}
