package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ApplicationStatus is the observed state of an Application, as the
// controller last recorded it.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationStatus struct {
	// Resources lists the objects the Application manages, each with its
	// sync and health state.
	Resources []ResourceStatus `json:"resources,omitempty"`

	// Sync is the result of the last comparison of sources and live state.
	Sync SyncStatus `json:"sync,omitzero"`

	// Health is the aggregated health of the managed objects.
	Health HealthStatus `json:"health,omitzero"`

	// History lists past syncs, oldest first, at most
	// spec.revisionHistoryLimit of them.
	History []RevisionHistory `json:"history,omitempty"`

	// Conditions are the errors and warnings currently observed.
	Conditions []ApplicationCondition `json:"conditions,omitempty"`

	// ReconciledAt is when the live state was last compared with the
	// sources at their latest revision.
	ReconciledAt *metav1.Time `json:"reconciledAt,omitempty"`

	// OperationState is the progress or outcome of the current or last
	// operation.
	OperationState *OperationState `json:"operationState,omitempty"`

	// ObservedAt is deprecated and no longer written; it is kept so that
	// existing objects decode.
	ObservedAt *metav1.Time `json:"observedAt,omitempty"`

	// SourceType is the rendering tool detected for a single-source
	// Application.
	SourceType ApplicationSourceType `json:"sourceType,omitempty"`

	// SourceTypes are the rendering tools detected for each source of a
	// multi-source Application, in order.
	SourceTypes []ApplicationSourceType `json:"sourceTypes,omitempty"`

	// Summary lists external URLs and container images of the managed
	// objects.
	Summary ApplicationSummary `json:"summary,omitzero"`

	// ResourceHealthSource says where per-object health is kept: empty
	// means inline in Resources, "appTree" means elsewhere.
	ResourceHealthSource string `json:"resourceHealthSource,omitempty"`

	// ControllerNamespace is the namespace of the controller that
	// reconciles the Application.
	ControllerNamespace string `json:"controllerNamespace,omitempty"`

	// SourceHydrator is the state of source hydration, when
	// spec.sourceHydrator is set.
	SourceHydrator SourceHydratorStatus `json:"sourceHydrator,omitzero"`
}

// ApplicationSourceType names the tool that renders a source.
type ApplicationSourceType string

// The rendering tools, with Argo CD's names.
const (
	// ApplicationSourceTypeHelm renders a Helm chart.
	ApplicationSourceTypeHelm ApplicationSourceType = "Helm"
	// ApplicationSourceTypeKustomize renders a kustomization.
	ApplicationSourceTypeKustomize ApplicationSourceType = "Kustomize"
	// ApplicationSourceTypeDirectory reads plain manifests or Jsonnet.
	ApplicationSourceTypeDirectory ApplicationSourceType = "Directory"
	// ApplicationSourceTypePlugin runs a config management plugin.
	ApplicationSourceTypePlugin ApplicationSourceType = "Plugin"
)

// ResourceStatus is the sync and health state of one managed object.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ResourceStatus struct {
	// Group is the API group; empty is the core group.
	Group string `json:"group,omitempty"`

	// Version is the API version.
	Version string `json:"version,omitempty"`

	// Kind is the object's kind.
	Kind string `json:"kind,omitempty"`

	// Namespace is empty for cluster-scoped objects.
	Namespace string `json:"namespace,omitempty"`

	// Name is the object's name.
	Name string `json:"name,omitempty"`

	// Status says whether the live object matches the desired one.
	Status SyncStatusCode `json:"status,omitempty"`

	// Health is the object's health, when it has one.
	Health *HealthStatus `json:"health,omitempty"`

	// Hook is true for a sync hook rather than a regular object.
	Hook bool `json:"hook,omitempty"`

	// RequiresPruning is true for a live object the sources no longer
	// produce.
	RequiresPruning bool `json:"requiresPruning,omitempty"`

	// SyncWave is the object's sync wave; lower waves are applied first.
	SyncWave int64 `json:"syncWave,omitempty"`

	// RequiresDeletionConfirmation is true when the object will be deleted
	// only after a user confirms it.
	RequiresDeletionConfirmation bool `json:"requiresDeletionConfirmation,omitempty"`
}

// SyncStatus is the outcome of comparing the sources with the live state.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncStatus struct {
	// Status is Synced, OutOfSync or Unknown.
	Status SyncStatusCode `json:"status"`

	// ComparedTo is the spec the comparison used.
	ComparedTo ComparedTo `json:"comparedTo,omitzero"`

	// Revision is the resolved revision (a commit or chart version) of a
	// single-source Application.
	Revision string `json:"revision,omitempty"`

	// Revisions are the resolved revisions of each source of a
	// multi-source Application, in order.
	Revisions []string `json:"revisions,omitempty"`
}

// ComparedTo records the parts of the spec a comparison used, so that a
// later spec change can be told from a change of the sources.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ComparedTo struct {
	// Source is the single source compared.
	Source ApplicationSource `json:"source,omitzero"`

	// Sources are the sources compared, for multi-source Applications.
	Sources ApplicationSources `json:"sources,omitempty"`

	// Destination is the destination compared.
	Destination ApplicationDestination `json:"destination,omitzero"`

	// IgnoreDifferences are the ignore rules in force.
	IgnoreDifferences []ResourceIgnoreDifferences `json:"ignoreDifferences,omitempty"`
}

// HealthStatus is the health of an Application or of one object.
//
// +kubebuilder:pruning:PreserveUnknownFields
type HealthStatus struct {
	// Status is the health code.
	Status HealthStatusCode `json:"status,omitempty"`

	// Message explains the status, for people.
	Message string `json:"message,omitempty"`

	// LastTransitionTime is when Status last changed.
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// RevisionHistory is one past sync.
//
// +kubebuilder:pruning:PreserveUnknownFields
type RevisionHistory struct {
	// ID numbers the entries, increasing.
	ID int64 `json:"id"`

	// Revision is the revision synced, for a single source.
	Revision string `json:"revision,omitempty"`

	// Revisions are the revisions synced, one per source.
	Revisions []string `json:"revisions,omitempty"`

	// Source is the source synced, for a single source.
	Source ApplicationSource `json:"source,omitzero"`

	// Sources are the sources synced, for multi-source Applications.
	Sources ApplicationSources `json:"sources,omitempty"`

	// DeployStartedAt is when the sync started.
	DeployStartedAt *metav1.Time `json:"deployStartedAt,omitempty"`

	// DeployedAt is when the sync finished.
	DeployedAt metav1.Time `json:"deployedAt"`

	// InitiatedBy says who or what started the sync.
	InitiatedBy OperationInitiator `json:"initiatedBy,omitzero"`
}

// ApplicationCondition is an error or warning about an Application.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationCondition struct {
	// Type classifies the condition; by convention error types end in
	// "Error" and warnings in "Warning".
	Type ApplicationConditionType `json:"type"`

	// Message describes the condition, for people.
	Message string `json:"message"`

	// LastTransitionTime is when the condition was last observed.
	LastTransitionTime *metav1.Time `json:"lastTransitionTime,omitempty"`
}

// ApplicationSummary lists what the managed objects expose and run.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationSummary struct {
	// ExternalURLs are URLs of the managed objects reachable from outside
	// the cluster, such as Ingress hosts.
	ExternalURLs []string `json:"externalURLs,omitempty"`

	// Images are the container images of the managed objects.
	Images []string `json:"images,omitempty"`
}
