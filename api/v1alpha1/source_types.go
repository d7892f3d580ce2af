package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ApplicationSource is one place manifests come from: a path in a Git
// repository, or a chart in a Helm repository, with options for the tool
// that renders it. At most one of Helm, Kustomize, Directory and Plugin is
// expected; when none is set the tool is detected from the files.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSource struct {
	// RepoURL is the URL of the Git or Helm repository.
	RepoURL string `json:"repoURL"`

	// Path is the directory inside a Git repository. It is unused for Helm
	// repositories.
	Path string `json:"path,omitempty"`

	// TargetRevision is what to deploy: a branch, tag or commit for Git
	// (empty means HEAD), or a chart version or semver range for Helm.
	TargetRevision string `json:"targetRevision,omitempty"`

	// Chart is the chart name in a Helm repository. It is required for, and
	// only used with, Helm repositories.
	Chart string `json:"chart,omitempty"`

	// Ref names this source so that other sources of a multi-source
	// Application can read its files, as "$<ref>/path" in Helm valueFiles.
	// Ignored in spec.source.
	Ref string `json:"ref,omitempty"`

	// Name is a display name for the source in multi-source Applications.
	Name string `json:"name,omitempty"`

	// Helm holds options for rendering with Helm.
	Helm *ApplicationSourceHelm `json:"helm,omitempty"`

	// Kustomize holds options for rendering with Kustomize.
	Kustomize *ApplicationSourceKustomize `json:"kustomize,omitempty"`

	// Directory holds options for a directory of plain manifests or Jsonnet.
	Directory *ApplicationSourceDirectory `json:"directory,omitempty"`

	// Plugin holds options for a config management plugin.
	Plugin *ApplicationSourcePlugin `json:"plugin,omitempty"`
}

// IsHelm reports whether the source is a chart in a Helm repository, that
// is, whether Chart is set.
func (s *ApplicationSource) IsHelm() bool {
	return s != nil && s.Chart != ""
}

// IsRef reports whether the source has a Ref name, so that other sources
// may read its files.
func (s *ApplicationSource) IsRef() bool {
	return s != nil && s.Ref != ""
}

// ApplicationSources is the list of sources of a multi-source Application.
type ApplicationSources []ApplicationSource

// GetSource returns the source to sync from, as Argo CD chooses it: the
// hydrated branch when SourceHydrator is set, else the first of Sources when
// there are any, else Source, else a zero ApplicationSource. It returns a
// copy of the top-level fields; nested pointers are shared with the spec.
func (s *ApplicationSpec) GetSource() ApplicationSource {
	switch {
	case s.SourceHydrator != nil:
		return s.SourceHydrator.SyncFrom()
	case len(s.Sources) > 0:
		return s.Sources[0]
	case s.Source != nil:
		return *s.Source
	}
	return ApplicationSource{}
}

// GetSources returns every source to sync from, in order, by the same rule
// as GetSource: the hydrated branch alone, else Sources, else Source alone.
// It returns nil when none is set. The slice is new; the elements are
// shallow copies.
func (s *ApplicationSpec) GetSources() ApplicationSources {
	switch {
	case s.SourceHydrator != nil:
		return ApplicationSources{s.SourceHydrator.SyncFrom()}
	case len(s.Sources) > 0:
		return append(ApplicationSources(nil), s.Sources...)
	case s.Source != nil:
		return ApplicationSources{*s.Source}
	}
	return nil
}

// HasMultipleSources reports whether the spec uses Sources, which is when
// Sources is not empty and no SourceHydrator is set, even if it lists one
// source.
func (s *ApplicationSpec) HasMultipleSources() bool {
	return s.SourceHydrator == nil && len(s.Sources) > 0
}

// ApplicationSourceHelm holds options for rendering a chart, the
// equivalent of `helm template` flags.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourceHelm struct {
	// ValueFiles are values files, relative to the chart, or
	// "$<ref>/path" to read one from another source.
	ValueFiles []string `json:"valueFiles,omitempty"`

	// Values is a YAML document of values, as a string. ValuesObject wins
	// when both are set.
	Values string `json:"values,omitempty"`

	// ValuesObject is values as a structured object. It wins over Values.
	// +kubebuilder:pruning:PreserveUnknownFields
	ValuesObject *runtime.RawExtension `json:"valuesObject,omitempty"`

	// Parameters set single values, like `--set`.
	Parameters []HelmParameter `json:"parameters,omitempty"`

	// FileParameters set values from files, like `--set-file`.
	FileParameters []HelmFileParameter `json:"fileParameters,omitempty"`

	// ReleaseName is the release name; empty means the Application's name.
	ReleaseName string `json:"releaseName,omitempty"`

	// PassCredentials sends repository credentials to every domain the
	// chart's dependencies are fetched from (`--pass-credentials`).
	PassCredentials bool `json:"passCredentials,omitempty"`

	// IgnoreMissingValueFiles skips value files that do not exist instead
	// of failing.
	IgnoreMissingValueFiles bool `json:"ignoreMissingValueFiles,omitempty"`

	// SkipCrds leaves out the chart's crds/ directory (`--skip-crds`).
	SkipCrds bool `json:"skipCrds,omitempty"`

	// SkipSchemaValidation skips the chart's values.schema.json check
	// (`--skip-schema-validation`).
	SkipSchemaValidation bool `json:"skipSchemaValidation,omitempty"`

	// SkipTests leaves out the chart's test hooks (`--skip-tests`).
	SkipTests bool `json:"skipTests,omitempty"`

	// Version is the Helm major version to render with, such as "v3".
	Version string `json:"version,omitempty"`

	// KubeVersion is the Kubernetes version templates see
	// (.Capabilities.KubeVersion); empty means the destination cluster's.
	KubeVersion string `json:"kubeVersion,omitempty"`

	// APIVersions are the API versions templates see
	// (.Capabilities.APIVersions), as [group/]version/kind; empty means the
	// destination cluster's.
	APIVersions []string `json:"apiVersions,omitempty"`

	// Namespace is the release namespace templates see; empty means the
	// destination namespace.
	Namespace string `json:"namespace,omitempty"`
}

// HelmParameter sets one chart value, like `helm --set name=value`.
//
// +kubebuilder:pruning:PreserveUnknownFields
type HelmParameter struct {
	// Name is the value's dotted path.
	Name string `json:"name,omitempty"`

	// Value is the value.
	Value string `json:"value,omitempty"`

	// ForceString keeps Value a string even when it reads as a number or a
	// boolean (`--set-string`).
	ForceString bool `json:"forceString,omitempty"`
}

// HelmFileParameter sets one chart value from a file's content, like
// `helm --set-file name=path`.
//
// +kubebuilder:pruning:PreserveUnknownFields
type HelmFileParameter struct {
	// Name is the value's dotted path.
	Name string `json:"name,omitempty"`

	// Path is the file, relative to the source path.
	Path string `json:"path,omitempty"`
}

// ApplicationSourceKustomize holds options that override or extend the
// kustomization.yaml of the source path.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourceKustomize struct {
	// NamePrefix is prepended to the names of all objects.
	NamePrefix string `json:"namePrefix,omitempty"`

	// NameSuffix is appended to the names of all objects.
	NameSuffix string `json:"nameSuffix,omitempty"`

	// Images override image names, tags or digests, in the form
	// [old_image=]image[:tag|@digest].
	Images []string `json:"images,omitempty"`

	// CommonLabels are added to all objects and, unless
	// LabelWithoutSelector is set, to their selectors.
	CommonLabels map[string]string `json:"commonLabels,omitempty"`

	// CommonAnnotations are added to all objects.
	CommonAnnotations map[string]string `json:"commonAnnotations,omitempty"`

	// CommonAnnotationsEnvsubst expands ${VAR} references to the
	// Application's build environment in CommonAnnotations values.
	CommonAnnotationsEnvsubst bool `json:"commonAnnotationsEnvsubst,omitempty"`

	// LabelWithoutSelector adds CommonLabels to objects but not to their
	// selectors.
	LabelWithoutSelector bool `json:"labelWithoutSelector,omitempty"`

	// LabelIncludeTemplates also adds CommonLabels to pod templates when
	// LabelWithoutSelector is set.
	LabelIncludeTemplates bool `json:"labelIncludeTemplates,omitempty"`

	// ForceCommonLabels lets CommonLabels replace labels the objects set.
	ForceCommonLabels bool `json:"forceCommonLabels,omitempty"`

	// ForceCommonAnnotations lets CommonAnnotations replace annotations the
	// objects set.
	ForceCommonAnnotations bool `json:"forceCommonAnnotations,omitempty"`

	// Namespace is set on all namespaced objects.
	Namespace string `json:"namespace,omitempty"`

	// Replicas override the replica counts of named workloads.
	Replicas []KustomizeReplica `json:"replicas,omitempty"`

	// Patches are added to the kustomization's patches.
	Patches []KustomizePatch `json:"patches,omitempty"`

	// Components are added to the kustomization's components.
	Components []string `json:"components,omitempty"`

	// IgnoreMissingComponents skips Components that do not exist instead of
	// failing.
	IgnoreMissingComponents bool `json:"ignoreMissingComponents,omitempty"`

	// Version names the Kustomize version to render with.
	Version string `json:"version,omitempty"`

	// KubeVersion is the Kubernetes version passed to Helm charts inflated
	// by Kustomize; empty means the destination cluster's.
	KubeVersion string `json:"kubeVersion,omitempty"`

	// APIVersions are the API versions passed to Helm charts inflated by
	// Kustomize; empty means the destination cluster's.
	APIVersions []string `json:"apiVersions,omitempty"`
}

// KustomizeReplica sets the replica count of the workloads of one name.
//
// +kubebuilder:pruning:PreserveUnknownFields
type KustomizeReplica struct {
	// Name is the name of the Deployment, StatefulSet or similar.
	Name string `json:"name"`

	// Count is the replica count, as a number or a decimal string.
	Count intstr.IntOrString `json:"count"`
}

// KustomizePatch is an inline or file patch, with the objects it targets,
// as in a kustomization's patches list.
//
// +kubebuilder:pruning:PreserveUnknownFields
type KustomizePatch struct {
	// Path is a patch file relative to the source path.
	Path string `json:"path,omitempty"`

	// Patch is an inline strategic merge or JSON 6902 patch.
	Patch string `json:"patch,omitempty"`

	// Target selects the objects to patch.
	Target *KustomizeSelector `json:"target,omitempty"`

	// Options are Kustomize patch options, such as allowNameChange.
	Options map[string]bool `json:"options,omitempty"`
}

// KustomizeSelector selects objects by identity and by label and annotation
// selectors, as a Kustomize patch target.
//
// +kubebuilder:pruning:PreserveUnknownFields
type KustomizeSelector struct {
	// Group is the API group of the objects.
	Group string `json:"group,omitempty"`

	// Version is the API version of the objects.
	Version string `json:"version,omitempty"`

	// Kind is the kind of the objects.
	Kind string `json:"kind,omitempty"`

	// Name is the name, or a regular expression matching names.
	Name string `json:"name,omitempty"`

	// Namespace is the namespace of the objects.
	Namespace string `json:"namespace,omitempty"`

	// AnnotationSelector is a selector on annotations, in label selector
	// syntax.
	AnnotationSelector string `json:"annotationSelector,omitempty"`

	// LabelSelector is a label selector.
	LabelSelector string `json:"labelSelector,omitempty"`
}

// ApplicationSourceDirectory holds options for a directory of plain YAML or
// JSON manifests and Jsonnet files.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourceDirectory struct {
	// Recurse also reads subdirectories.
	Recurse bool `json:"recurse,omitempty"`

	// Include is a glob; when set, only matching files are read. Several
	// globs may be given as "{a,b}".
	Include string `json:"include,omitempty"`

	// Exclude is a glob of files not to read, applied after Include.
	Exclude string `json:"exclude,omitempty"`

	// Jsonnet holds options for evaluating .jsonnet files.
	Jsonnet ApplicationSourceJsonnet `json:"jsonnet,omitzero"`
}

// ApplicationSourceJsonnet holds options for evaluating Jsonnet.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourceJsonnet struct {
	// ExtVars are external variables (std.extVar).
	ExtVars []JsonnetVar `json:"extVars,omitempty"`

	// TLAs are top-level arguments.
	TLAs []JsonnetVar `json:"tlas,omitempty"`

	// Libs are extra library search directories.
	Libs []string `json:"libs,omitempty"`
}

// JsonnetVar is a Jsonnet variable, as a string or as Jsonnet code.
//
// +kubebuilder:pruning:PreserveUnknownFields
type JsonnetVar struct {
	// Name is the variable name.
	Name string `json:"name"`

	// Value is the string value, or the code when Code is set.
	Value string `json:"value"`

	// Code evaluates Value as Jsonnet code instead of taking it as a string.
	Code bool `json:"code,omitempty"`
}

// ApplicationSourcePlugin holds options for a config management plugin.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourcePlugin struct {
	// Name selects the plugin; empty lets plugins claim the source by
	// their discovery rules.
	Name string `json:"name,omitempty"`

	// Env are environment variables for the plugin.
	Env []EnvEntry `json:"env,omitempty"`

	// Parameters are typed parameters for the plugin.
	Parameters []ApplicationSourcePluginParameter `json:"parameters,omitempty"`
}

// EnvEntry is an environment variable.
//
// +kubebuilder:pruning:PreserveUnknownFields
type EnvEntry struct {
	// Name is the variable name.
	Name string `json:"name"`

	// Value is the variable value.
	Value string `json:"value"`
}

// ApplicationSourcePluginParameter is a named plugin parameter holding a
// string, a map or an array. An empty map or array is kept as present.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSourcePluginParameter struct {
	// Name identifies the parameter.
	Name string `json:"name,omitempty"`

	// String is the value of a string parameter.
	String *string `json:"string,omitempty"`

	// Map is the value of a map parameter.
	Map map[string]string `json:"map,omitzero"`

	// Array is the value of an array parameter.
	Array []string `json:"array,omitzero"`
}
