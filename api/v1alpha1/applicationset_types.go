package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The ApplicationSet kind is registered here rather than in groupversion.go
// so that the kind stays in one file.
func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, &ApplicationSet{}, &ApplicationSetList{})
		return nil
	})
}

// AnnotationKeyApplicationSetRefresh, set on an ApplicationSet (to any
// value), asks the controller to generate its Applications again now,
// asking the repositories for their latest revisions. The controller
// removes it once done.
const AnnotationKeyApplicationSetRefresh = "argocd.argoproj.io/application-set-refresh"

// ApplicationSet generates Applications: its generators produce sets of
// parameters, and each set renders the template into one Application that
// the ApplicationSet owns. It has Argo CD's shape; users write spec, the
// controller writes status through the status subresource, as in Argo CD.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=applicationsets,singular=applicationset,shortName=appset;appsets,categories=argocd
// +kubebuilder:subresource:status
type ApplicationSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec says how to generate the Applications.
	// +kubebuilder:pruning:PreserveUnknownFields
	Spec ApplicationSetSpec `json:"spec"`

	// Status is the observed state, written by the controller.
	// +kubebuilder:pruning:PreserveUnknownFields
	Status ApplicationSetStatus `json:"status,omitzero"`
}

// ApplicationSetList is a list of ApplicationSets.
//
// +kubebuilder:object:root=true
type ApplicationSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ApplicationSets of the list.
	Items []ApplicationSet `json:"items"`
}

// ApplicationSetSpec is the desired state of an ApplicationSet.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetSpec struct {
	// GoTemplate renders the template with Go's text/template and the
	// Sprig-like functions, instead of the "{{param}}" substitution.
	GoTemplate bool `json:"goTemplate,omitempty"`

	// GoTemplateOptions are text/template options, such as
	// "missingkey=error".
	GoTemplateOptions []string `json:"goTemplateOptions,omitempty"`

	// Generators produce the parameter sets; the Applications are the union
	// of what every generator produces.
	Generators []ApplicationSetGenerator `json:"generators"`

	// Template is the Application that every parameter set renders.
	Template ApplicationSetTemplate `json:"template"`

	// TemplatePatch is a YAML or JSON patch, itself a template, merged into
	// each rendered Application; it can template what a typed template
	// cannot, such as whole lists or optional fields.
	TemplatePatch *string `json:"templatePatch,omitempty"`

	// SyncPolicy says what the controller may do to generated Applications.
	SyncPolicy *ApplicationSetSyncPolicy `json:"syncPolicy,omitempty"`

	// Strategy is Argo CD's progressive sync strategy. Tether stores it but
	// does not act on it.
	Strategy *ApplicationSetStrategy `json:"strategy,omitempty"`

	// PreservedFields lists annotations and labels of generated
	// Applications whose live values win over the template.
	PreservedFields *ApplicationPreservedFields `json:"preservedFields,omitempty"`

	// ApplyNestedSelectors is Argo CD's switch for selectors of generators
	// nested in matrix and merge generators. Tether always applies them.
	ApplyNestedSelectors bool `json:"applyNestedSelectors,omitempty"`

	// IgnoreApplicationDifferences lists fields of generated Applications
	// whose live values the controller keeps.
	IgnoreApplicationDifferences []ApplicationSetResourceIgnoreDifferences `json:"ignoreApplicationDifferences,omitempty"`
}

// ApplicationSetTemplate is an Application with templated strings.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetTemplate struct {
	// Metadata is the generated Application's name, labels, annotations
	// and finalizers.
	Metadata ApplicationSetTemplateMeta `json:"metadata,omitzero"`

	// Spec is the generated Application's spec.
	Spec ApplicationSpec `json:"spec,omitzero"`
}

// ApplicationSetTemplateMeta is the metadata a template may set.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetTemplateMeta struct {
	// Name is the Application's name.
	Name string `json:"name,omitempty"`

	// Namespace is ignored: generated Applications live in the namespace of
	// their ApplicationSet.
	Namespace string `json:"namespace,omitempty"`

	// Labels are set on the Application.
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations are set on the Application.
	Annotations map[string]string `json:"annotations,omitempty"`

	// Finalizers are set on the Application. When empty, and resources are
	// not preserved on deletion, Argo CD's resources finalizer is set.
	Finalizers []string `json:"finalizers,omitempty"`
}

// ApplicationSetGenerator is one generator at the top level of an
// ApplicationSet. Exactly one of its generator fields is expected. Argo
// CD's other generators (scmProvider, pullRequest, clusterDecisionResource,
// plugin) are stored but not run.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetGenerator struct {
	// List produces one parameter set per element.
	List *ListGenerator `json:"list,omitempty"`

	// Clusters produces one parameter set per registered cluster.
	Clusters *ClusterGenerator `json:"clusters,omitempty"`

	// Git produces parameter sets from the folders or files of a
	// repository.
	Git *GitGenerator `json:"git,omitempty"`

	// Matrix combines every parameter set of one generator with every set
	// of another.
	Matrix *MatrixGenerator `json:"matrix,omitempty"`

	// Merge merges the parameter sets of several generators by key.
	Merge *MergeGenerator `json:"merge,omitempty"`

	// Selector keeps only the parameter sets whose string parameters match.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ApplicationSetNestedGenerator is a generator inside a matrix or merge
// generator. A nested matrix or merge holds terminal generators only; it is
// stored as free-form JSON (see NestedMatrixGenerator, NestedMergeGenerator)
// because CRD schemas cannot be recursive.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetNestedGenerator struct {
	// List produces one parameter set per element.
	List *ListGenerator `json:"list,omitempty"`

	// Clusters produces one parameter set per registered cluster.
	Clusters *ClusterGenerator `json:"clusters,omitempty"`

	// Git produces parameter sets from a repository.
	Git *GitGenerator `json:"git,omitempty"`

	// Matrix has the form of a NestedMatrixGenerator.
	Matrix *apiextensionsv1.JSON `json:"matrix,omitempty"`

	// Merge has the form of a NestedMergeGenerator.
	Merge *apiextensionsv1.JSON `json:"merge,omitempty"`

	// Selector keeps only the parameter sets whose string parameters match.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// ApplicationSetTerminalGenerator is a generator at the deepest level of
// nesting: it cannot combine other generators.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetTerminalGenerator struct {
	// List produces one parameter set per element.
	List *ListGenerator `json:"list,omitempty"`

	// Clusters produces one parameter set per registered cluster.
	Clusters *ClusterGenerator `json:"clusters,omitempty"`

	// Git produces parameter sets from a repository.
	Git *GitGenerator `json:"git,omitempty"`

	// Selector keeps only the parameter sets whose string parameters match.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// NestedMatrixGenerator is the form of a matrix generator nested in another
// matrix or merge generator.
type NestedMatrixGenerator struct {
	// Generators are the terminal generators to combine.
	Generators []ApplicationSetTerminalGenerator `json:"generators"`
}

// NestedMergeGenerator is the form of a merge generator nested in another
// matrix or merge generator.
type NestedMergeGenerator struct {
	// Generators are the terminal generators to merge.
	Generators []ApplicationSetTerminalGenerator `json:"generators"`

	// MergeKeys are the parameters whose values identify a set.
	MergeKeys []string `json:"mergeKeys"`
}

// ListGenerator produces one parameter set per element.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ListGenerator struct {
	// Elements are free-form objects; their keys become parameters.
	Elements []apiextensionsv1.JSON `json:"elements,omitempty"`

	// ElementsYaml is a YAML list of elements, appended to Elements; it may
	// be templated by a matrix's first generator.
	ElementsYaml string `json:"elementsYaml,omitempty"`

	// Template overrides fields of the ApplicationSet's template for the
	// Applications of this generator.
	//
	// Its schema is left open, to keep the CRD small.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Template *ApplicationSetTemplate `json:"template,omitempty"`
}

// ClusterGenerator produces one parameter set per cluster: the in-cluster
// destination and the clusters registered as Secrets labelled
// argocd.argoproj.io/secret-type: cluster.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ClusterGenerator struct {
	// Selector matches the labels of cluster Secrets. When it is not empty
	// the in-cluster destination, which has no Secret, is left out.
	Selector metav1.LabelSelector `json:"selector,omitzero"`

	// Values are extra parameters ("values.<key>"), templated with the
	// cluster's parameters.
	Values map[string]string `json:"values,omitempty"`

	// Template overrides fields of the ApplicationSet's template.
	//
	// Its schema is left open, to keep the CRD small.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Template *ApplicationSetTemplate `json:"template,omitempty"`
}

// GitGenerator produces parameter sets from a Git repository: one per
// directory matching Directories, or one per object in the files matching
// Files.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GitGenerator struct {
	// RepoURL is the repository's URL.
	RepoURL string `json:"repoURL"`

	// Revision is the branch, tag or commit to read; empty means HEAD.
	Revision string `json:"revision"`

	// Directories are glob patterns of directories; entries with Exclude
	// remove matching directories.
	Directories []GitDirectoryGeneratorItem `json:"directories,omitempty"`

	// Files are glob patterns of JSON or YAML files whose keys become
	// parameters.
	Files []GitFileGeneratorItem `json:"files,omitempty"`

	// PathParamPrefix prefixes the path parameters ("<prefix>.path").
	PathParamPrefix string `json:"pathParamPrefix,omitempty"`

	// Values are extra parameters ("values.<key>"), templated with the
	// other parameters.
	Values map[string]string `json:"values,omitempty"`

	// RequeueAfterSeconds is how often the repository is checked for a new
	// revision; the default is three minutes.
	RequeueAfterSeconds *int64 `json:"requeueAfterSeconds,omitempty"`

	// Template overrides fields of the ApplicationSet's template.
	//
	// Its schema is left open, to keep the CRD small.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Template *ApplicationSetTemplate `json:"template,omitempty"`
}

// GitDirectoryGeneratorItem is a glob pattern of directories.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GitDirectoryGeneratorItem struct {
	// Path is the pattern, relative to the repository root.
	Path string `json:"path"`

	// Exclude removes the matching directories, whatever else matches them.
	Exclude bool `json:"exclude,omitempty"`
}

// GitFileGeneratorItem is a glob pattern of files; "**" matches any number
// of directories.
//
// +kubebuilder:pruning:PreserveUnknownFields
type GitFileGeneratorItem struct {
	// Path is the pattern, relative to the repository root.
	Path string `json:"path"`

	// Exclude removes the matching files, whatever else matches them.
	Exclude bool `json:"exclude,omitempty"`
}

// MatrixGenerator produces every combination of the parameter sets of its
// generators. The second generator may use the parameters of the first.
//
// +kubebuilder:pruning:PreserveUnknownFields
type MatrixGenerator struct {
	// Generators are the two generators to combine.
	Generators []ApplicationSetNestedGenerator `json:"generators"`

	// Template overrides fields of the ApplicationSet's template.
	//
	// Its schema is left open, to keep the CRD small.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Template *ApplicationSetTemplate `json:"template,omitempty"`
}

// MergeGenerator merges the parameter sets of its generators: sets of
// later generators whose MergeKeys values equal those of a set of the first
// generator override its parameters. Only the first generator's sets are
// kept.
//
// +kubebuilder:pruning:PreserveUnknownFields
type MergeGenerator struct {
	// Generators are the generators to merge, the first being the base.
	Generators []ApplicationSetNestedGenerator `json:"generators"`

	// MergeKeys are the parameters whose values identify a set.
	MergeKeys []string `json:"mergeKeys"`

	// Template overrides fields of the ApplicationSet's template.
	//
	// Its schema is left open, to keep the CRD small.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Template *ApplicationSetTemplate `json:"template,omitempty"`
}

// ApplicationsSyncPolicy says which changes the controller makes to
// generated Applications.
type ApplicationsSyncPolicy string

// The policies, with Argo CD's values.
const (
	// ApplicationsSyncPolicyCreateOnly creates Applications, never updates
	// or deletes them.
	ApplicationsSyncPolicyCreateOnly ApplicationsSyncPolicy = "create-only"
	// ApplicationsSyncPolicyCreateUpdate creates and updates, never deletes.
	ApplicationsSyncPolicyCreateUpdate ApplicationsSyncPolicy = "create-update"
	// ApplicationsSyncPolicyCreateDelete creates and deletes, never updates.
	ApplicationsSyncPolicyCreateDelete ApplicationsSyncPolicy = "create-delete"
	// ApplicationsSyncPolicySync creates, updates and deletes: the default.
	ApplicationsSyncPolicySync ApplicationsSyncPolicy = "sync"
)

// AllowUpdate reports whether the policy lets existing Applications be
// updated.
func (p ApplicationsSyncPolicy) AllowUpdate() bool {
	return p == ApplicationsSyncPolicySync || p == ApplicationsSyncPolicyCreateUpdate
}

// AllowDelete reports whether the policy lets Applications that are no
// longer generated be deleted.
func (p ApplicationsSyncPolicy) AllowDelete() bool {
	return p == ApplicationsSyncPolicySync || p == ApplicationsSyncPolicyCreateDelete
}

// ApplicationSetSyncPolicy says what the controller may do to generated
// Applications.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetSyncPolicy struct {
	// PreserveResourcesOnDeletion keeps the objects of an Application that
	// is deleted: the resources finalizer is not added to templates that
	// set no finalizer.
	PreserveResourcesOnDeletion bool `json:"preserveResourcesOnDeletion,omitempty"`

	// ApplicationsSync is the policy; nil means sync.
	// +kubebuilder:validation:Enum=create-only;create-update;create-delete;sync
	ApplicationsSync *ApplicationsSyncPolicy `json:"applicationsSync,omitempty"`
}

// Policy returns the applicationsSync policy, sync when unset. It is safe
// to call on a nil ApplicationSetSyncPolicy.
func (p *ApplicationSetSyncPolicy) Policy() ApplicationsSyncPolicy {
	if p == nil || p.ApplicationsSync == nil || *p.ApplicationsSync == "" {
		return ApplicationsSyncPolicySync
	}
	return *p.ApplicationsSync
}

// ApplicationSetStrategy is Argo CD's progressive sync strategy.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetStrategy struct {
	// Type is "AllAtOnce" or "RollingSync".
	Type string `json:"type,omitempty"`

	// RollingSync lists the steps of a rolling sync.
	RollingSync *ApplicationSetRolloutStrategy `json:"rollingSync,omitempty"`
}

// ApplicationSetRolloutStrategy is the steps of a rolling sync.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetRolloutStrategy struct {
	// Steps are synced in order.
	Steps []ApplicationSetRolloutStep `json:"steps,omitempty"`
}

// ApplicationSetRolloutStep selects Applications by label and caps how many
// sync at once.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetRolloutStep struct {
	// MatchExpressions select the Applications of the step by label.
	MatchExpressions []ApplicationMatchExpression `json:"matchExpressions,omitempty"`

	// MaxUpdate caps the Applications syncing at once, a number or a
	// percentage.
	MaxUpdate *intstr.IntOrString `json:"maxUpdate,omitempty"`
}

// ApplicationMatchExpression is a label requirement.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationMatchExpression struct {
	// Key is the label key.
	Key string `json:"key,omitempty"`

	// Operator is In or NotIn.
	Operator string `json:"operator,omitempty"`

	// Values are the label values.
	Values []string `json:"values,omitempty"`
}

// ApplicationPreservedFields lists annotation and label keys whose live
// values win over the template.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationPreservedFields struct {
	// Annotations are annotation keys.
	Annotations []string `json:"annotations,omitempty"`

	// Labels are label keys.
	Labels []string `json:"labels,omitempty"`
}

// ApplicationSetResourceIgnoreDifferences names fields of generated
// Applications whose live values the controller keeps.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetResourceIgnoreDifferences struct {
	// Name limits the rule to the Application of this name; empty means
	// every Application.
	Name string `json:"name,omitempty"`

	// JSONPointers are RFC 6901 pointers to the fields.
	JSONPointers []string `json:"jsonPointers,omitempty"`

	// JQPathExpressions are jq path expressions selecting the fields.
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`
}

// ApplicationSetStatus is the observed state of an ApplicationSet.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetStatus struct {
	// Conditions are ErrorOccurred, ParametersGenerated and
	// ResourcesUpToDate, each True or False with a reason and a message.
	Conditions []ApplicationSetCondition `json:"conditions,omitempty"`

	// ApplicationStatus is Argo CD's progressive sync state; Tether does
	// not write it.
	ApplicationStatus []ApplicationSetApplicationStatus `json:"applicationStatus,omitempty"`

	// Resources lists the generated Applications with their sync and
	// health status.
	Resources []ResourceStatus `json:"resources,omitempty"`
}

// ApplicationSetCondition is one observation about an ApplicationSet.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetCondition struct {
	// Type is the condition's type.
	Type ApplicationSetConditionType `json:"type"`

	// Message says what happened, for people.
	Message string `json:"message"`

	// LastTransitionTime is when the condition last changed.
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`

	// Status is True, False or Unknown.
	Status ApplicationSetConditionStatus `json:"status"`

	// Reason is a CamelCase word for the cause.
	Reason string `json:"reason"`
}

// ApplicationSetConditionStatus is True, False or Unknown.
type ApplicationSetConditionStatus string

// The condition statuses.
const (
	ApplicationSetConditionStatusTrue    ApplicationSetConditionStatus = "True"
	ApplicationSetConditionStatusFalse   ApplicationSetConditionStatus = "False"
	ApplicationSetConditionStatusUnknown ApplicationSetConditionStatus = "Unknown"
)

// ApplicationSetConditionType classifies an ApplicationSetCondition.
type ApplicationSetConditionType string

// The condition types, with Argo CD's values.
const (
	// ApplicationSetConditionErrorOccurred is True when the last reconcile
	// failed; its message names the cause.
	ApplicationSetConditionErrorOccurred ApplicationSetConditionType = "ErrorOccurred"
	// ApplicationSetConditionParametersGenerated is True when every
	// generator produced its parameters.
	ApplicationSetConditionParametersGenerated ApplicationSetConditionType = "ParametersGenerated"
	// ApplicationSetConditionResourcesUpToDate is True when every generated
	// Application is as the policy wants it.
	ApplicationSetConditionResourcesUpToDate ApplicationSetConditionType = "ResourcesUpToDate"
	// ApplicationSetConditionRolloutProgressing is Argo CD's progressive
	// sync condition; Tether does not set it.
	ApplicationSetConditionRolloutProgressing ApplicationSetConditionType = "RolloutProgressing"
)

// The condition reasons, with Argo CD's values.
const (
	ApplicationSetReasonErrorOccurred                    = "ErrorOccurred"
	ApplicationSetReasonApplicationSetUpToDate           = "ApplicationSetUpToDate"
	ApplicationSetReasonParametersGenerated              = "ParametersGenerated"
	ApplicationSetReasonApplicationParamsGenerationError = "ApplicationGenerationFromParamsError"
	ApplicationSetReasonRenderTemplateParamsError        = "RenderTemplateParamsError"
	ApplicationSetReasonCreateApplicationError           = "CreateApplicationError"
	ApplicationSetReasonUpdateApplicationError           = "UpdateApplicationError"
	ApplicationSetReasonDeleteApplicationError           = "DeleteApplicationError"
	ApplicationSetReasonApplicationValidationError       = "ApplicationValidationError"
)

// ApplicationSetApplicationStatus is Argo CD's progressive sync state of
// one Application.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSetApplicationStatus struct {
	// Application is the Application's name.
	Application string `json:"application"`

	// LastTransitionTime is when Status last changed.
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`

	// Message says why, for people.
	Message string `json:"message"`

	// Status is Waiting, Pending, Progressing or Healthy.
	Status string `json:"status"`

	// Step is the rolling sync step of the Application.
	Step string `json:"step"`

	// TargetRevisions are the revisions the Application should sync to.
	TargetRevisions []string `json:"targetRevisions,omitempty"`
}
