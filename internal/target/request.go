// Package target computes an Application's target state: the render request
// for its source and, from what the renderer returns, the objects ready to
// compare and apply (namespaced, tracked). The controller and the CLI both
// use it, so that `tether app diff` decides exactly as the controller does.
package target

import (
	"encoding/json"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/render"
)

// Cluster describes the destination cluster for rendering: what Helm's
// Capabilities report.
type Cluster struct {
	KubeVersion string
	APIVersions []string
}

// RenderRequest translates app's source at commit into a render request,
// without the checkout folder (Root), which the caller fills in.
func RenderRequest(app *appv1.Application, commit string, cluster Cluster) render.Request {
	return sourceRequest(app, app.Spec.GetSource(), commit, cluster)
}

// SourceRenderRequest translates source i of app (in spec.GetSources()
// order) at commit into a render request, without Root and Refs, which the
// caller fills in (see ReferencedSources). It panics when i is out of range.
func SourceRenderRequest(app *appv1.Application, i int, commit string, cluster Cluster) render.Request {
	return sourceRequest(app, app.Spec.GetSources()[i], commit, cluster)
}

// RefOnly reports whether src only lends its files to the other sources: it
// has a ref and neither a path nor a chart, so it renders nothing itself.
func RefOnly(src appv1.ApplicationSource) bool {
	return src.Ref != "" && src.Path == "" && src.Chart == ""
}

// ReferencedSources maps the ref names of sources (without "$") to their
// index, the last one winning when two share a name.
func ReferencedSources(sources appv1.ApplicationSources) map[string]int {
	out := map[string]int{}
	for i, s := range sources {
		if s.Ref != "" {
			out[s.Ref] = i
		}
	}
	return out
}

func sourceRequest(app *appv1.Application, src appv1.ApplicationSource, commit string, cluster Cluster) render.Request {
	req := render.Request{
		Path:        src.Path,
		ReleaseName: app.Name,
		Namespace:   app.Spec.Destination.Namespace,
		KubeVersion: cluster.KubeVersion,
		APIVersions: cluster.APIVersions,
		Env:         buildEnv(app, src, commit),
	}
	if h := src.Helm; h != nil {
		req.Helm = helmOptions(h)
		if h.ReleaseName != "" {
			req.ReleaseName = h.ReleaseName
		}
	}
	if k := src.Kustomize; k != nil {
		req.Kustomize = kustomizeOptions(k)
	}
	if d := src.Directory; d != nil {
		req.Directory = &render.Directory{Recurse: d.Recurse, Include: d.Include, Exclude: d.Exclude}
	}
	return req
}

// buildEnv is Argo CD's build environment for a source.
func buildEnv(app *appv1.Application, src appv1.ApplicationSource, commit string) map[string]string {
	return map[string]string{
		"ARGOCD_APP_NAME":                   app.Name,
		"ARGOCD_APP_NAMESPACE":              app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME":           app.Spec.Project,
		"ARGOCD_APP_REVISION":               commit,
		"ARGOCD_APP_REVISION_SHORT":         ShortSHA(commit),
		"ARGOCD_APP_SOURCE_REPO_URL":        src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": src.TargetRevision,
	}
}

func helmOptions(h *appv1.ApplicationSourceHelm) *render.Helm {
	out := &render.Helm{
		ValueFiles: h.ValueFiles, Values: h.Values, ReleaseName: h.ReleaseName, Namespace: h.Namespace,
		KubeVersion: h.KubeVersion, APIVersions: h.APIVersions, SkipCrds: h.SkipCrds, SkipTests: h.SkipTests,
		SkipSchemaValidation: h.SkipSchemaValidation, IgnoreMissingValueFiles: h.IgnoreMissingValueFiles,
	}
	if h.ValuesObject != nil && len(h.ValuesObject.Raw) > 0 {
		var obj map[string]any
		if err := json.Unmarshal(h.ValuesObject.Raw, &obj); err == nil {
			out.ValuesObject = obj
		}
	}
	for _, p := range h.Parameters {
		out.Parameters = append(out.Parameters, render.HelmParameter{Name: p.Name, Value: p.Value, ForceString: p.ForceString})
	}
	for _, p := range h.FileParameters {
		out.FileParameters = append(out.FileParameters, render.HelmFileParameter{Name: p.Name, Path: p.Path})
	}
	return out
}

func kustomizeOptions(k *appv1.ApplicationSourceKustomize) *render.Kustomize {
	out := &render.Kustomize{
		NamePrefix: k.NamePrefix, NameSuffix: k.NameSuffix, Namespace: k.Namespace, Images: k.Images,
		CommonLabels: k.CommonLabels, CommonAnnotations: k.CommonAnnotations,
		ForceCommonLabels: k.ForceCommonLabels, ForceCommonAnnotations: k.ForceCommonAnnotations,
		CommonAnnotationsEnvsubst: k.CommonAnnotationsEnvsubst, LabelWithoutSelector: k.LabelWithoutSelector,
		LabelIncludeTemplates: k.LabelIncludeTemplates, Components: k.Components,
		IgnoreMissingComponents: k.IgnoreMissingComponents,
	}
	for _, r := range k.Replicas {
		out.Replicas = append(out.Replicas, render.KustomizeReplica{Name: r.Name, Count: r.Count.IntValue()})
	}
	for _, p := range k.Patches {
		rp := render.KustomizePatch{Path: p.Path, Patch: p.Patch, Options: p.Options}
		if t := p.Target; t != nil {
			rp.Target = &render.KustomizeSelector{Group: t.Group, Version: t.Version, Kind: t.Kind, Name: t.Name,
				Namespace: t.Namespace, AnnotationSelector: t.AnnotationSelector, LabelSelector: t.LabelSelector}
		}
		out.Patches = append(out.Patches, rp)
	}
	return out
}
