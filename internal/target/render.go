package target

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
)

// Fetched is a source's files on disk, never written to.
type Fetched struct {
	// Dir holds the files: a Git checkout, a chart's own folder, or an
	// OCI artifact's root.
	Dir string
	// Chart is true when Dir is a Helm chart, rendered as one whatever the
	// source's path says.
	Chart bool
}

// FetchFunc returns the files of src at revision.
type FetchFunc func(ctx context.Context, src appv1.ApplicationSource, revision string) (Fetched, error)

// Rendered is the union of what an Application's sources render to.
type Rendered struct {
	Objects []*unstructured.Unstructured
	// Types are the source types of the sources rendered, in order;
	// sources that only lend their files (RefOnly) have none.
	Types []string
	// Files are the repository files read, for a single source only.
	Files []string
}

// RenderSources renders each source of app (spec.GetSources()) at its
// revision, as Argo CD does: a source with only a ref lends its files to
// the others' "$ref/..." value files and renders nothing; a chart is
// rendered at its root with its source's Helm options; the objects of all
// sources are returned in source order. An error names the source among
// several ("source 2 of 3"). deps downloads charts' dependencies (nil:
// they must be vendored).
func RenderSources(ctx context.Context, app *appv1.Application, revisions []string, cluster Cluster,
	fetch FetchFunc, deps render.DependencyFetcher, renderer func(context.Context, render.Request) (*render.Result, error)) (*Rendered, error) {
	sources := app.Spec.GetSources()
	if len(revisions) != len(sources) {
		return nil, fmt.Errorf("%d revisions for %d sources", len(revisions), len(sources))
	}
	multi := app.Spec.HasMultipleSources()
	wrap := func(i int, err error) error {
		if !multi {
			return err
		}
		return fmt.Errorf("source %d of %d: %w", i+1, len(sources), err)
	}
	refs := map[string]string{}
	for name, i := range ReferencedSources(sources) {
		f, err := fetch(ctx, sources[i], revisions[i])
		if err != nil {
			return nil, wrap(i, err)
		}
		if f.Chart {
			return nil, wrap(i, fmt.Errorf("ref %q: a chart cannot lend its files as a ref source", name))
		}
		refs[name] = f.Dir
	}
	out := &Rendered{}
	for i, src := range sources {
		if RefOnly(src) {
			continue
		}
		f, err := fetch(ctx, src, revisions[i])
		if err != nil {
			return nil, wrap(i, err)
		}
		req := SourceRenderRequest(app, i, revisions[i], cluster)
		req.Root, req.Refs, req.Dependencies = f.Dir, refs, deps
		if f.Chart {
			req.Path, req.Kustomize, req.Directory = "", nil, nil
			if req.Helm == nil {
				req.Helm = &render.Helm{}
			}
		}
		res, err := renderer(ctx, req)
		if Transient(err) {
			// Not a RenderError: it is not cached, and is tried again.
			return nil, wrap(i, fmt.Errorf("render %s at %s: %w", DescribeSource(src), ShortRevision(revisions[i]), err))
		}
		if err != nil {
			return nil, wrap(i, &RenderError{Source: DescribeSource(src), Revision: revisions[i], Err: err})
		}
		out.Objects = append(out.Objects, res.Objects...)
		out.Types = append(out.Types, res.Type)
		if !multi {
			out.Files = res.Files
		}
	}
	return out, nil
}

// RenderError is a source that failed to render: the same inputs fail the
// same way, unlike a fetch that may succeed when asked again.
type RenderError struct {
	Source, Revision string
	Err              error
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("render %s at %s: %v", e.Source, ShortRevision(e.Revision), e.Err)
}

func (e *RenderError) Unwrap() error { return e.Err }

// DescribeSource names a source in messages.
func DescribeSource(s appv1.ApplicationSource) string {
	switch {
	case s.Chart != "":
		return "chart " + s.Chart + " of " + s.RepoURL
	case s.Path == "":
		return s.RepoURL
	}
	return s.RepoURL + " path " + s.Path
}

// ShortRevision shortens a Git commit to 7 characters; chart versions,
// tags and digests stay whole.
func ShortRevision(r string) string {
	if len(r) == 40 {
		for _, c := range r {
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return r
			}
		}
		return r[:7]
	}
	return r
}

// Charts resolves and fetches sources that are not Git repositories: charts
// of Helm repositories and OCI registries, and OCI artifacts.
type Charts interface {
	// Handles reports whether src is such a source.
	Handles(src appv1.ApplicationSource) bool
	// Resolve returns the revision to deploy (chart version, tag or
	// digest) for src.TargetRevision, no answer older than notBefore.
	Resolve(ctx context.Context, src appv1.ApplicationSource, notBefore time.Time) (string, error)
	// Fetch returns the source's files at revision.
	Fetch(ctx context.Context, src appv1.ApplicationSource, revision string) (Fetched, error)
}

// LooksLikeChart reports whether src names a chart or an OCI artifact,
// which only Charts can serve.
func LooksLikeChart(src appv1.ApplicationSource) bool {
	return src.Chart != "" || strings.HasPrefix(src.RepoURL, "oci://")
}
