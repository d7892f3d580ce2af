package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Application is a set of Kubernetes objects rendered from one or more
// sources (Git or Helm) and kept in a destination cluster and namespace. It
// has Argo CD's shape: users write spec, the controller writes status, and a
// client requests a sync by setting operation.
//
// Status is not a subresource, as in Argo CD: the controller writes it
// through the main resource.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=applications,singular=application,shortName=app;apps,categories=argocd
// +kubebuilder:printcolumn:name="Sync Status",type=string,JSONPath=`.status.sync.status`
// +kubebuilder:printcolumn:name="Health Status",type=string,JSONPath=`.status.health.status`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.sync.revision`,priority=10
// +kubebuilder:printcolumn:name="Project",type=string,JSONPath=`.spec.project`,priority=10
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state: what to deploy, where, and how to sync it.
	// +kubebuilder:pruning:PreserveUnknownFields
	Spec ApplicationSpec `json:"spec"`

	// Status is the observed state, written by the controller. The API
	// server does not validate it (only the controller writes it), which
	// makes each status write about a third cheaper.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Status ApplicationStatus `json:"status,omitzero"`

	// Operation is a requested operation (today only a sync). A client sets
	// it; the controller runs it, records the outcome in
	// status.operationState and clears it.
	// +kubebuilder:pruning:PreserveUnknownFields
	Operation *Operation `json:"operation,omitempty"`
}

// ApplicationList is a list of Applications.
//
// +kubebuilder:object:root=true
type ApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Applications of the list.
	Items []Application `json:"items"`
}

// ApplicationSpec is the desired state of an Application. Exactly one of
// Source, Sources or SourceHydrator is expected; when several are set,
// SourceHydrator wins over Sources, which wins over Source (see GetSource).
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSpec struct {
	// Source is the single place the manifests or chart come from.
	Source *ApplicationSource `json:"source,omitempty"`

	// Sources lists several sources whose objects are deployed together.
	// A source may only provide files to others (see ApplicationSource.Ref).
	Sources ApplicationSources `json:"sources,omitempty"`

	// SourceHydrator renders manifests from a "dry" source, commits them to
	// a branch and syncs from that branch.
	SourceHydrator *SourceHydrator `json:"sourceHydrator,omitempty"`

	// Destination is the cluster and default namespace to deploy to.
	Destination ApplicationDestination `json:"destination,omitzero"`

	// Project names the AppProject that constrains this Application. Empty
	// means the project named "default".
	Project string `json:"project,omitempty"`

	// SyncPolicy says when and how syncs happen. Nil means manual syncs only.
	SyncPolicy *SyncPolicy `json:"syncPolicy,omitempty"`

	// IgnoreDifferences lists fields of live objects that comparison
	// ignores.
	IgnoreDifferences []ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`

	// Info is free-form name and value pairs (links, contacts, notes) shown
	// to users; it has no effect on syncing.
	Info []Info `json:"info,omitempty"`

	// RevisionHistoryLimit caps the entries kept in status.history. Nil
	// means the default of 10; zero keeps none.
	RevisionHistoryLimit *int64 `json:"revisionHistoryLimit,omitempty"`
}

// ApplicationDestination names a cluster, by API server URL or by the name
// of a registered cluster, and the default namespace for namespaced objects
// that set none. Server and Name are alternatives: one is expected.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationDestination struct {
	// Server is the URL of the cluster's API server, such as
	// https://kubernetes.default.svc for the local cluster.
	Server string `json:"server,omitempty"`

	// Namespace is set on namespaced objects that have no namespace of
	// their own. It does not override a namespace an object sets.
	Namespace string `json:"namespace,omitempty"`

	// Name is the name of a registered cluster, used instead of Server.
	Name string `json:"name,omitempty"`
}

// SyncPolicy controls automated syncs, per-Application sync options, retries
// and the metadata of a namespace created by the sync.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncPolicy struct {
	// Automated, when set (and not disabled by its Enabled field), syncs the
	// Application whenever it is out of sync with its sources.
	Automated *SyncPolicyAutomated `json:"automated,omitempty"`

	// SyncOptions are "Key=value" options for every sync of this
	// Application, such as CreateNamespace=true or ServerSideApply=true.
	SyncOptions SyncOptions `json:"syncOptions,omitempty"`

	// Retry controls whether and how a failed sync is tried again.
	Retry *RetryStrategy `json:"retry,omitempty"`

	// ManagedNamespaceMetadata is the labels and annotations to set on the
	// destination namespace when the sync creates it (CreateNamespace=true).
	ManagedNamespaceMetadata *ManagedNamespaceMetadata `json:"managedNamespaceMetadata,omitempty"`
}

// IsAutomated reports whether automated sync is on: Automated is set and its
// Enabled field is not false. It is safe to call on a nil SyncPolicy.
func (p *SyncPolicy) IsAutomated() bool {
	if p == nil || p.Automated == nil {
		return false
	}
	return p.Automated.Enabled == nil || *p.Automated.Enabled
}

// SyncPolicyAutomated tunes automated syncs.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncPolicyAutomated struct {
	// Prune lets automated syncs delete live objects that the sources no
	// longer produce. Off by default.
	Prune bool `json:"prune,omitempty"`

	// SelfHeal makes the controller sync again when live objects drift
	// from the sources, not only when the sources change. Off by default.
	SelfHeal bool `json:"selfHeal,omitempty"`

	// AllowEmpty lets an automated sync with pruning leave the Application
	// with no objects at all. Off by default.
	AllowEmpty bool `json:"allowEmpty,omitempty"`

	// Enabled switches automated sync off when false while keeping the
	// other settings. Nil means on.
	Enabled *bool `json:"enabled,omitempty"`
}

// SyncOptions is a list of "Key=value" sync options.
type SyncOptions []string

// HasOption reports whether the list holds option exactly, such as
// "CreateNamespace=true". It does not parse keys or values.
func (o SyncOptions) HasOption(option string) bool {
	for _, x := range o {
		if x == option {
			return true
		}
	}
	return false
}

// RetryStrategy says how many times, and how far apart, a failed sync is
// tried again.
//
// +kubebuilder:pruning:PreserveUnknownFields
type RetryStrategy struct {
	// Limit is the maximum number of retries; zero means none. Argo CD reads
	// a negative limit as unlimited.
	Limit int64 `json:"limit,omitempty"`

	// Backoff spaces out the retries.
	Backoff *Backoff `json:"backoff,omitempty"`

	// Refresh makes each retry use the latest revision of the sources rather
	// than the one the first attempt used.
	Refresh bool `json:"refresh,omitempty"`
}

// Backoff is an exponential backoff: the n-th retry waits
// Duration * Factor^n, capped at MaxDuration.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Backoff struct {
	// Duration is the first wait, in seconds ("5") or as a Go duration
	// ("5s", "2m").
	Duration string `json:"duration,omitempty"`

	// Factor multiplies the wait after each failed retry.
	Factor *int64 `json:"factor,omitempty"`

	// MaxDuration caps the wait, in the same format as Duration.
	MaxDuration string `json:"maxDuration,omitempty"`
}

// ManagedNamespaceMetadata is metadata for a namespace that a sync creates.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ManagedNamespaceMetadata struct {
	// Labels are set on the namespace.
	Labels map[string]string `json:"labels,omitempty"`

	// Annotations are set on the namespace.
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ResourceIgnoreDifferences selects live objects by group, kind and
// optionally name and namespace, and names fields of them that comparison
// ignores.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ResourceIgnoreDifferences struct {
	// Group is the API group of the objects; empty is the core group.
	Group string `json:"group,omitempty"`

	// Kind is the kind of the objects.
	Kind string `json:"kind"`

	// Name limits the rule to objects of this name.
	Name string `json:"name,omitempty"`

	// Namespace limits the rule to objects in this namespace.
	Namespace string `json:"namespace,omitempty"`

	// JSONPointers are RFC 6901 pointers to ignored fields.
	JSONPointers []string `json:"jsonPointers,omitempty"`

	// JQPathExpressions are jq path expressions selecting ignored fields.
	JQPathExpressions []string `json:"jqPathExpressions,omitempty"`

	// ManagedFieldsManagers are field managers whose changes to live objects
	// are kept and not reported as differences.
	ManagedFieldsManagers []string `json:"managedFieldsManagers,omitempty"`
}

// Info is a name and value pair of information for people.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Info struct {
	// Name is the label of the entry.
	Name string `json:"name"`

	// Value is its content, such as a URL.
	Value string `json:"value"`
}
