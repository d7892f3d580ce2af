package appset

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// supportedKinds are the generators Tether runs, in the order they are
// looked for; unsupportedKinds are Argo CD's others.
var (
	supportedKinds   = []string{"list", "clusters", "git", "matrix", "merge"}
	unsupportedKinds = []string{"scmProvider", "pullRequest", "clusterDecisionResource", "plugin"}
)

// generatorKinds returns the generator kinds that raw sets, supported or
// not.
func generatorKinds(raw map[string]any) []string {
	var kinds []string
	for _, k := range append(append([]string{}, supportedKinds...), unsupportedKinds...) {
		if raw[k] != nil {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// maxDepth is how deep matrix and merge generators nest: a top-level one
// (depth 0) may hold another (depth 1), which holds terminal generators.
const maxDepth = 1

// params returns the parameter sets of one generator entry (a top-level
// generator or a child of matrix or merge), filtered by its selector. With
// inherited set (the second generator of a matrix), every string of the
// entry is rendered with inherited first.
func (run *generation) params(ctx context.Context, raw map[string]any, inherited Params, depth int) ([]Params, error) {
	if inherited != nil {
		rendered, err := run.r.object(raw, inherited)
		if err != nil {
			return nil, fmt.Errorf("render with the parameters of the previous generator: %w", err)
		}
		raw = rendered
	}
	var g appv1.ApplicationSetNestedGenerator
	if err := fromMap(map[string]any{"selector": raw["selector"]}, &g); err != nil {
		return nil, fmt.Errorf("selector: %w", err)
	}
	kinds := generatorKinds(raw)
	if len(kinds) == 0 {
		return nil, errors.New("no generator is set (list, clusters, git, matrix or merge)")
	}
	var out []Params
	for _, kind := range kinds {
		sets, err := run.kind(ctx, kind, raw[kind], depth)
		if err != nil {
			return nil, err
		}
		out = append(out, sets...)
	}
	return filter(out, g.Selector)
}

// kind returns the parameter sets of one generator.
func (run *generation) kind(ctx context.Context, kind string, raw any, depth int) ([]Params, error) {
	body, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an object", kind)
	}
	switch kind {
	case "list":
		return run.list(body)
	case "clusters":
		return run.clusters(ctx, body)
	case "git":
		return run.git(ctx, body)
	case "matrix", "merge":
		if depth >= maxDepth+1 {
			return nil, fmt.Errorf("%s: matrix and merge generators nest at most two levels deep", kind)
		}
		if kind == "matrix" {
			return run.matrix(ctx, body, depth)
		}
		return run.merge(ctx, body, depth)
	}
	return nil, fmt.Errorf("the %s generator is not supported by Tether (supported: list, clusters, git, matrix, merge)", kind)
}

// filter keeps the sets whose string parameters match sel.
func filter(sets []Params, sel *metav1.LabelSelector) ([]Params, error) {
	if sel == nil {
		return sets, nil
	}
	var out []Params
	for _, p := range sets {
		ok, err := selectorMatches(sel, stringParams(p))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}
