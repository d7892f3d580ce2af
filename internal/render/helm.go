package render

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/common"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// renderHelm renders the chart at dir like `helm template --include-crds`
// does for Argo CD, with the Helm SDK in process and no cluster.
func renderHelm(ctx context.Context, rp *repo, dir string, req Request) ([]*unstructured.Unstructured, error) {
	opts := req.Helm
	if opts == nil {
		opts = &Helm{}
	}
	chrt, err := loadChart(rp, dir)
	if err != nil {
		return nil, err
	}
	if deps := chrt.Metadata.Dependencies; len(deps) > 0 {
		if err := resolveDependencies(ctx, rp, dir, chrt, req.Dependencies, 0); err != nil {
			return nil, fmt.Errorf("chart %s: %w", dir, err)
		}
		if err := action.CheckDependencies(chrt, toDependencies(deps)); err != nil {
			return nil, fmt.Errorf("chart %s: %w", dir, err)
		}
	}
	vals, err := helmValues(rp, dir, opts, req.Env)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	inst, err := newInstall(req, opts)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	rel, err := inst.RunWithContext(ctx, chrt, vals)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", dir, err)
	}
	r, ok := rel.(*releasev1.Release)
	if !ok {
		return nil, fmt.Errorf("chart %s: unexpected release type %T", dir, rel)
	}
	return ParseManifests("chart "+dir, []byte(templateOutput(r, opts.SkipTests)))
}

func toDependencies(deps []*chartv2.Dependency) []ci.Dependency {
	out := make([]ci.Dependency, len(deps))
	for i, d := range deps {
		out[i] = d
	}
	return out
}

// newInstall configures a client-only install, which is what `helm
// template` runs.
func newInstall(req Request, opts *Helm) (*action.Install, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.Replace = true
	inst.ReleaseName = firstNonEmpty(opts.ReleaseName, req.ReleaseName)
	if inst.ReleaseName == "" {
		return nil, errors.New("helm release name is empty")
	}
	inst.Namespace = firstNonEmpty(opts.Namespace, req.Namespace, "default")
	inst.IncludeCRDs = !opts.SkipCrds
	inst.SkipSchemaValidation = opts.SkipSchemaValidation
	if kv := firstNonEmpty(opts.KubeVersion, req.KubeVersion); kv != "" {
		parsed, err := common.ParseKubeVersion(kv)
		if err != nil {
			return nil, fmt.Errorf("invalid kube version %q: %w", kv, err)
		}
		inst.KubeVersion = parsed
	}
	apis := req.APIVersions
	if len(opts.APIVersions) > 0 {
		apis = opts.APIVersions
	}
	inst.APIVersions = common.VersionSet(slices.Clone(apis))
	return inst, nil
}

// templateOutput joins the manifests and hooks as `helm template` prints
// them, leaving out test hooks when asked.
func templateOutput(rel *releasev1.Release, skipTests bool) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(rel.Manifest))
	b.WriteString("\n")
	for _, h := range rel.Hooks {
		if skipTests && slices.Contains(h.Events, releasev1.HookTest) {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String()
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
