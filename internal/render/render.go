package render

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
)

// Source types, named as Argo CD names them in status.sourceType.
const (
	TypeHelm      = "Helm"
	TypeKustomize = "Kustomize"
	TypeDirectory = "Directory"
)

// Request says what to render: a directory of a repository checkout and the
// options of the Application's source. Root is never written to.
type Request struct {
	// Root is the repository checkout. Nothing outside it is ever read.
	Root string
	// Path is the app's directory relative to Root (Argo CD's source.path);
	// "" means the root. Absolute paths and paths leaving Root are rejected.
	Path string
	// ReleaseName is the default Helm release name; Argo CD uses the
	// Application's name. Helm.ReleaseName overrides it.
	ReleaseName string
	// Namespace is the destination namespace, Helm's release namespace.
	// When empty, Helm renders with "default".
	Namespace string
	// KubeVersion and APIVersions are the destination cluster's
	// Capabilities, as "v1.31.2" and "group/version" or
	// "group/version/Kind" entries. APIVersions add to Helm's built-in
	// list; an empty KubeVersion leaves Helm's built-in default (v1.20.0),
	// which charts with a kubeVersion constraint may refuse.
	KubeVersion string
	APIVersions []string
	// Env is Argo CD's build environment (ARGOCD_APP_NAME,
	// ARGOCD_APP_REVISION, ...). $VAR and ${VAR} are expanded from it where
	// Argo CD expands them: Helm value file paths and parameter values,
	// Kustomize images and common labels (and annotations when asked).
	// Unknown variables expand to "", as in Argo CD.
	Env map[string]string
	// Refs maps the ref names of the other sources of a multi-source
	// Application (without "$") to their checkouts, for Helm value files
	// written "$name/path". Nothing outside each checkout is read.
	Refs map[string]string
	// Dependencies downloads the http(s) and oci:// dependencies of a
	// chart that its charts/ folder lacks; nil means they must be vendored.
	// file:// dependencies are read from Root and need no fetcher.
	Dependencies DependencyFetcher `json:"-"`

	// At most one of Helm, Kustomize and Directory may be set; setting one
	// forces that source type. With none set the type is detected from the
	// files at Path.
	Helm      *Helm
	Kustomize *Kustomize
	Directory *Directory
}

// Helm holds Argo CD's source.helm options.
type Helm struct {
	// ValueFiles are relative to the chart directory, or to the repository
	// root when they start with "/". They may use globs (*, ?, [...], **),
	// expanded in lexical order. A path "$name/..." is read from
	// Request.Refs[name], the checkout of another source of a multi-source
	// Application, relative to its root and confined to it. Remote URLs
	// are not supported.
	ValueFiles []string
	// Values is a YAML document of values, merged after ValueFiles.
	Values string
	// ValuesObject replaces Values when set.
	ValuesObject map[string]any
	// Parameters are --set (or --set-string with ForceString) values,
	// applied after all value files.
	Parameters []HelmParameter
	// FileParameters are --set-file values read from repository files,
	// resolved like ValueFiles.
	FileParameters []HelmFileParameter
	// ReleaseName overrides Request.ReleaseName.
	ReleaseName string
	// Namespace overrides Request.Namespace.
	Namespace string
	// KubeVersion and APIVersions override the Request's Capabilities.
	KubeVersion string
	APIVersions []string
	// SkipCrds leaves out the chart's crds/ directories.
	SkipCrds bool
	// SkipTests leaves out hooks annotated "helm.sh/hook: test".
	SkipTests bool
	// SkipSchemaValidation skips values.schema.json validation.
	SkipSchemaValidation bool
	// IgnoreMissingValueFiles drops value files (and globs matching
	// nothing) that do not exist instead of failing.
	IgnoreMissingValueFiles bool
}

// HelmParameter is one --set value.
type HelmParameter struct {
	Name        string
	Value       string
	ForceString bool
}

// HelmFileParameter sets Name to the content of the file at Path.
type HelmFileParameter struct {
	Name string
	Path string
}

// Kustomize holds Argo CD's source.kustomize options. They are applied to an
// in-memory copy of the app's kustomization, as `kustomize edit` would apply
// them, in Argo CD's order.
type Kustomize struct {
	NamePrefix string
	NameSuffix string
	// Namespace is set as the kustomization's namespace.
	Namespace string
	// Images are `kustomize edit set image` arguments:
	// [old=]new[:tag][@digest].
	Images []string
	// Replicas override the replica count of named workloads.
	Replicas []KustomizeReplica
	// CommonLabels and CommonAnnotations are added like `kustomize edit add
	// label/annotation`; a key already set in the kustomization is an error
	// unless the matching Force flag is set.
	CommonLabels           map[string]string
	CommonAnnotations      map[string]string
	ForceCommonLabels      bool
	ForceCommonAnnotations bool
	// CommonAnnotationsEnvsubst expands Request.Env in annotation values.
	CommonAnnotationsEnvsubst bool
	// LabelWithoutSelector adds CommonLabels without touching selectors;
	// LabelIncludeTemplates then also labels pod templates.
	LabelWithoutSelector  bool
	LabelIncludeTemplates bool
	// Patches are appended to the kustomization's patches.
	Patches []KustomizePatch
	// Components are added to the kustomization's components.
	Components []string
	// IgnoreMissingComponents drops components that do not exist.
	IgnoreMissingComponents bool
}

// KustomizeReplica sets the replica count of the workload called Name.
type KustomizeReplica struct {
	Name  string
	Count int
}

// KustomizePatch is one entry of a kustomization's patches.
type KustomizePatch struct {
	Path    string             `json:"path,omitempty"`
	Patch   string             `json:"patch,omitempty"`
	Target  *KustomizeSelector `json:"target,omitempty"`
	Options map[string]bool    `json:"options,omitempty"`
}

// KustomizeSelector selects the objects a patch applies to.
type KustomizeSelector struct {
	Group              string `json:"group,omitempty"`
	Version            string `json:"version,omitempty"`
	Kind               string `json:"kind,omitempty"`
	Name               string `json:"name,omitempty"`
	Namespace          string `json:"namespace,omitempty"`
	AnnotationSelector string `json:"annotationSelector,omitempty"`
	LabelSelector      string `json:"labelSelector,omitempty"`
}

// Directory holds Argo CD's source.directory options.
type Directory struct {
	// Recurse descends into subdirectories.
	Recurse bool
	// Include and Exclude are globs matched against paths relative to the
	// app directory, with Argo CD's syntax: "*" also matches "/", and
	// "{a,b}" lists alternatives.
	Include string
	Exclude string
}

// Result is what a source rendered to.
type Result struct {
	// Type is TypeHelm, TypeKustomize or TypeDirectory.
	Type string
	// Objects are the rendered objects in the tool's order, Lists
	// flattened. Helm hooks are included with their annotations.
	Objects []*unstructured.Unstructured
	// Files are the repository-relative paths of every file read, sorted.
	// A commit that changes none of them, and adds or removes no file under
	// Path, renders the same objects.
	Files []string
	// RefFiles maps each ref of Request.Refs whose checkout was read to the
	// files read there, checkout-relative and sorted: a commit of that
	// source that changes none of them renders the same objects.
	RefFiles map[string][]string
}

// Renderer renders sources. Its zero value is not usable; call NewRenderer.
// One Renderer is safe for concurrent use and should be shared by all
// renders of a process: it holds the Kustomize machinery, built once, and
// serialises the builds that change Kustomize's process-wide OpenAPI schema.
type Renderer struct {
	kustomizer *krusty.Kustomizer
	// schema guards kyaml's global OpenAPI schema: builds of kustomizations
	// with an openapi field hold it exclusively, all others shared.
	schema sync.RWMutex
}

// NewRenderer returns a Renderer. It contacts no cluster and reads nothing.
func NewRenderer() *Renderer {
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionUnspecified
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig()
	return &Renderer{kustomizer: krusty.MakeKustomizer(opts)}
}

// Render renders req with a fresh Renderer. Long-lived callers should share
// one Renderer instead.
func Render(ctx context.Context, req Request) (*Result, error) {
	return NewRenderer().Render(ctx, req)
}

// Render turns the app directory of req into objects. It reads only inside
// req.Root, writes nothing, runs no external program and contacts no network
// or cluster. Errors name the file and the cause; errors about paths that
// leave the repository wrap ErrOutsideRepository.
func (r *Renderer) Render(ctx context.Context, req Request) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("render %s: internal error: %v", req.Path, p)
		}
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rp, err := openRepo(req.Root)
	if err != nil {
		return nil, err
	}
	defer rp.close()
	rp.refs = newRefRepos(req.Refs)
	defer rp.refs.close()
	app, err := rp.appDir(req.Path)
	if err != nil {
		return nil, err
	}
	typ, err := detect(rp, app, req)
	if err != nil {
		return nil, fmt.Errorf("app path %q: %w", req.Path, err)
	}
	var objs []*unstructured.Unstructured
	switch typ {
	case TypeHelm:
		objs, err = renderHelm(ctx, rp, app, req)
	case TypeKustomize:
		objs, err = r.renderKustomize(ctx, rp, app, req)
	default:
		objs, err = renderDirectory(ctx, rp, app, req)
	}
	if err != nil {
		return nil, err
	}
	return &Result{Type: typ, Objects: objs, Files: rp.files(), RefFiles: rp.refs.files()}, nil
}

// Detect returns the source type Render would use for req. When exactly one
// of req.Helm, req.Kustomize and req.Directory is set, that decides; more
// than one is an error. Otherwise the files directly in the app directory
// decide, as in Argo CD: a name ending in Chart.yaml means Helm, and
// kustomization.yaml, kustomization.yml or Kustomization means Kustomize,
// entries taken in name order with the last match winning (so Kustomize wins
// over Chart.yaml); with neither it is Directory. Detect reads no file
// content.
func Detect(req Request) (string, error) {
	rp, err := openRepo(req.Root)
	if err != nil {
		return "", err
	}
	defer rp.close()
	app, err := rp.appDir(req.Path)
	if err != nil {
		return "", err
	}
	return detect(rp, app, req)
}

func detect(rp *repo, app string, req Request) (string, error) {
	var explicit []string
	if req.Kustomize != nil {
		explicit = append(explicit, TypeKustomize)
	}
	if req.Helm != nil {
		explicit = append(explicit, TypeHelm)
	}
	if req.Directory != nil {
		explicit = append(explicit, TypeDirectory)
	}
	switch len(explicit) {
	case 0:
	case 1:
		return explicit[0], nil
	default:
		return "", fmt.Errorf("multiple application sources defined: %s", strings.Join(explicit, ","))
	}
	entries, err := rp.readDir(app)
	if err != nil {
		return "", err
	}
	typ := TypeDirectory
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if strings.HasSuffix(e.Name(), "Chart.yaml") {
			typ = TypeHelm
		}
		if isKustomization(e.Name()) {
			typ = TypeKustomize
		}
	}
	return typ, nil
}

// kustomizationNames are the file names Kustomize and Argo CD recognise, in
// the order Kustomize looks for them.
func kustomizationNames() []string {
	return []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}
}

func isKustomization(name string) bool {
	switch name {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}
