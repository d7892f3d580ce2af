package application

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/target"
)

// inCluster names the only destination Tether deploys to for now: the
// cluster it runs in.
const inClusterServer = "https://kubernetes.default.svc"

// refresh honours the refresh annotation: hard drops the caches for this
// Application; either way the annotation is removed with the status write.
func (run *run) refresh(_ context.Context) bool {
	kind, ok := run.app.RefreshRequested()
	if !ok {
		return true
	}
	run.hardRefresh = true // a requested refresh asks the repository again
	if kind == appv1.RefreshTypeHard {
		run.r.renders.forget(run.instance())
	}
	ann := map[string]string{}
	for k, v := range run.app.Annotations {
		if k != appv1.AnnotationKeyRefresh {
			ann[k] = v
		}
	}
	run.app.Annotations = ann
	return true
}

// checkSpec reports fields Tether cannot honour. Fields that change what is
// deployed stop the reconcile (InvalidSpecError); others are reported as
// UnsupportedField and the rest of the spec is honoured.
func (run *run) checkSpec(_ context.Context) bool {
	spec := run.app.Spec
	if unknown := unknownFields(run.raw.Object, run.app); len(unknown) > 0 {
		run.conditions.add(appv1.ApplicationConditionUnsupportedField,
			fmt.Sprintf("fields not known to Tether are ignored: %s", strings.Join(unknown, ", ")))
	}
	if unsupported := unsupportedFields(&spec); len(unsupported) > 0 {
		run.conditions.add(appv1.ApplicationConditionUnsupportedField,
			fmt.Sprintf("fields not supported yet are ignored: %s", strings.Join(unsupported, ", ")))
	}
	msg := invalidSpec(&spec)
	if msg == "" {
		msg = run.r.unservedSource(&spec)
	}
	if msg != "" {
		run.conditions.set(appv1.ApplicationConditionInvalidSpecError, msg)
		run.app.Status.Sync.Status = appv1.SyncStatusCodeUnknown
		return false
	}
	run.source, run.sources = spec.GetSource(), spec.GetSources()
	return true
}

// unservedSource names a chart or OCI source when this controller has no
// Charts to serve it, or "".
func (r *Reconciler) unservedSource(spec *appv1.ApplicationSpec) string {
	if r.Charts != nil {
		return ""
	}
	for i, src := range spec.GetSources() {
		if target.LooksLikeChart(src) {
			return sourcePath(spec, i) + ": chart and OCI sources are not configured in this controller"
		}
	}
	return ""
}

// sourcePath is the field path of source i: spec.source or spec.sources[i].
func sourcePath(spec *appv1.ApplicationSpec, i int) string {
	if spec.HasMultipleSources() {
		return fmt.Sprintf("spec.sources[%d]", i)
	}
	return "spec.source"
}

// invalidSpec returns why spec cannot be reconciled, or "".
func invalidSpec(spec *appv1.ApplicationSpec) string {
	switch {
	case spec.SourceHydrator != nil:
		return "spec.sourceHydrator is not supported yet; use spec.source or spec.sources"
	case spec.Source == nil && !spec.HasMultipleSources():
		return "spec.source is required"
	}
	refs := map[string]bool{}
	for i, src := range spec.GetSources() {
		path := sourcePath(spec, i)
		switch {
		case src.RepoURL == "":
			return path + ".repoURL is required"
		case src.Plugin != nil:
			return path + ".plugin: config management plugins are not supported"
		case src.Directory != nil && len(src.Directory.Jsonnet.TLAs) > 0,
			src.Directory != nil && len(src.Directory.Jsonnet.ExtVars) > 0:
			return path + ".directory.jsonnet is not supported"
		case src.Ref != "" && !spec.HasMultipleSources():
			return path + ".ref: a ref is only meaningful among spec.sources"
		case src.Ref != "" && refs[src.Ref]:
			return fmt.Sprintf("%s.ref: ref %q is used by two sources", path, src.Ref)
		}
		refs[src.Ref] = src.Ref != ""
	}
	d := spec.Destination
	if d.Server != "" && d.Name != "" {
		return "spec.destination: set server or name, not both"
	}
	if d.Server == "" && d.Name == "" {
		return "spec.destination: server or name is required"
	}
	if strings.TrimSuffix(d.Server, "/") != inClusterServer && d.Server != "" {
		return fmt.Sprintf("spec.destination.server %q: only the in-cluster destination %s is supported yet", d.Server, inClusterServer)
	}
	if d.Name != "" && d.Name != "in-cluster" {
		return fmt.Sprintf("spec.destination.name %q: only the in-cluster destination is supported yet", d.Name)
	}
	return ""
}

// unsupportedFields lists set fields that Tether accepts but ignores.
func unsupportedFields(spec *appv1.ApplicationSpec) []string {
	var out []string
	add := func(set bool, field string) {
		if set {
			out = append(out, field)
		}
	}
	for i, ig := range spec.IgnoreDifferences {
		add(len(ig.JQPathExpressions) > 0, fmt.Sprintf("spec.ignoreDifferences[%d].jqPathExpressions", i))
	}
	for i, s := range spec.GetSources() {
		path := sourcePath(spec, i)
		if s.Kustomize != nil {
			add(s.Kustomize.Version != "", path+".kustomize.version")
		}
		if s.Helm != nil {
			add(s.Helm.Version != "", path+".helm.version")
			add(s.Helm.PassCredentials, path+".helm.passCredentials")
		}
	}
	return out
}

// unknownFields lists the paths of fields in raw that the typed object does
// not carry: fields of a newer Argo CD, or typos. Only spec is checked.
func unknownFields(raw map[string]any, app *appv1.Application) []string {
	typed, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&app.Spec)
	if err != nil {
		return nil
	}
	spec, _ := raw["spec"].(map[string]any)
	var out []string
	collectUnknown("spec", spec, typed, &out)
	sort.Strings(out)
	return out
}

func collectUnknown(path string, raw, typed map[string]any, out *[]string) {
	for k, v := range raw {
		tv, ok := typed[k]
		if !ok {
			if v != nil && !emptyValue(v) {
				*out = append(*out, path+"."+k)
			}
			continue
		}
		switch rv := v.(type) {
		case map[string]any:
			if tm, ok := tv.(map[string]any); ok {
				collectUnknown(path+"."+k, rv, tm, out)
			}
		case []any:
			if tl, ok := tv.([]any); ok && len(tl) == len(rv) {
				for i := range rv {
					rm, ok1 := rv[i].(map[string]any)
					tm, ok2 := tl[i].(map[string]any)
					if ok1 && ok2 {
						collectUnknown(fmt.Sprintf("%s.%s[%d]", path, k, i), rm, tm, out)
					}
				}
			}
		}
	}
}

// emptyValue is true for values that omitempty drops in the typed copy.
func emptyValue(v any) bool {
	switch x := v.(type) {
	case string:
		return x == ""
	case bool:
		return !x
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case int64:
		return x == 0
	case float64:
		return x == 0
	}
	return false
}
