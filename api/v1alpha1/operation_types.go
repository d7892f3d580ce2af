package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Operation is a request to act on an Application, set in its operation
// field. Sync is the only kind of operation.
//
// +kubebuilder:pruning:PreserveUnknownFields
type Operation struct {
	// Sync requests a sync with these parameters.
	Sync *SyncOperation `json:"sync,omitempty"`

	// InitiatedBy says who or what requested the operation.
	InitiatedBy OperationInitiator `json:"initiatedBy,omitzero"`

	// Info is free-form name and value pairs about the request.
	Info []Info `json:"info,omitempty"`

	// Retry controls retries of this operation when it fails.
	Retry RetryStrategy `json:"retry,omitzero"`
}

// OperationInitiator says who or what started an operation.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OperationInitiator struct {
	// Username is the user who requested the operation.
	Username string `json:"username,omitempty"`

	// Automated is true when the controller started the operation itself,
	// as an automated sync.
	Automated bool `json:"automated,omitempty"`
}

// SyncOperation holds the parameters of a requested sync.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncOperation struct {
	// Revision is the revision to sync a single-source Application to;
	// empty means spec.source.targetRevision.
	Revision string `json:"revision,omitempty"`

	// Revisions are the revisions to sync each source to, in order; empty
	// means their targetRevision.
	Revisions []string `json:"revisions,omitempty"`

	// Prune deletes live objects that the sources no longer produce.
	Prune bool `json:"prune,omitempty"`

	// DryRun runs the sync as a server dry run, changing nothing.
	DryRun bool `json:"dryRun,omitempty"`

	// SyncStrategy chooses between a plain apply and a sync with hooks.
	SyncStrategy *SyncStrategy `json:"syncStrategy,omitempty"`

	// Resources limits the sync to these objects; empty means all.
	Resources []SyncOperationResource `json:"resources,omitempty"`

	// Source replaces spec.source for this sync only, as a rollback does.
	Source *ApplicationSource `json:"source,omitempty"`

	// Sources replace spec.sources for this sync only, as a rollback does.
	Sources ApplicationSources `json:"sources,omitempty"`

	// Manifests replace the rendered manifests for this sync only, for
	// local development.
	Manifests []string `json:"manifests,omitempty"`

	// SyncOptions are sync options for this sync, added to those of
	// spec.syncPolicy.
	SyncOptions SyncOptions `json:"syncOptions,omitempty"`

	// SelfHealAttemptsCount counts the self-heal syncs made in a row.
	SelfHealAttemptsCount int64 `json:"autoHealAttemptsCount,omitempty"`
}

// SyncStrategy chooses how a sync applies objects. Apply and Hook are
// alternatives; with neither, the hook strategy is used.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncStrategy struct {
	// Apply applies every object and ignores hooks.
	Apply *SyncStrategyApply `json:"apply,omitempty"`

	// Hook runs hooks around the apply, by their phase and wave.
	Hook *SyncStrategyHook `json:"hook,omitempty"`
}

// SyncStrategyApply is the plain apply strategy.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncStrategyApply struct {
	// Force replaces objects that cannot be patched, by deleting and
	// creating them again.
	Force bool `json:"force,omitempty"`
}

// SyncStrategyHook is the strategy that runs hooks.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncStrategyHook struct {
	// Force replaces objects that cannot be patched, by deleting and
	// creating them again.
	Force bool `json:"force,omitempty"`
}

// SyncOperationResource names an object to include in a sync. Group, kind,
// name and namespace may be "*" to match any.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncOperationResource struct {
	// Group is the API group; empty is the core group.
	Group string `json:"group,omitempty"`

	// Kind is the object's kind.
	Kind string `json:"kind"`

	// Name is the object's name.
	Name string `json:"name"`

	// Namespace is the object's namespace; empty matches any.
	Namespace string `json:"namespace,omitempty"`
}

// OperationState is the progress or outcome of an operation, in
// status.operationState.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OperationState struct {
	// Operation is a copy of the operation as requested.
	Operation Operation `json:"operation"`

	// Phase is where the operation stands.
	Phase OperationPhase `json:"phase"`

	// Message explains the phase, usually an error, for people.
	Message string `json:"message,omitempty"`

	// SyncResult is the outcome of a sync operation.
	SyncResult *SyncOperationResult `json:"syncResult,omitempty"`

	// StartedAt is when the operation started.
	StartedAt metav1.Time `json:"startedAt"`

	// FinishedAt is when the operation ended.
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`

	// RetryCount counts the retries made so far.
	RetryCount int64 `json:"retryCount,omitempty"`
}

// SyncOperationResult is the outcome of a sync.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncOperationResult struct {
	// Resources is the outcome for each object and hook.
	Resources []ResourceResult `json:"resources,omitempty"`

	// Revision is the revision synced, for a single source.
	Revision string `json:"revision"`

	// Revisions are the revisions synced, one per source.
	Revisions []string `json:"revisions,omitempty"`

	// Source is the source synced, for a single source.
	Source ApplicationSource `json:"source,omitzero"`

	// Sources are the sources synced, for multi-source Applications.
	Sources ApplicationSources `json:"sources,omitempty"`

	// ManagedNamespaceMetadata is the namespace metadata the sync applied.
	ManagedNamespaceMetadata *ManagedNamespaceMetadata `json:"managedNamespaceMetadata,omitempty"`
}

// ResourceResult is the outcome of a sync for one object or hook.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ResourceResult struct {
	// Group is the API group; empty is the core group.
	Group string `json:"group"`

	// Version is the API version.
	Version string `json:"version"`

	// Kind is the object's kind.
	Kind string `json:"kind"`

	// Namespace is empty for cluster-scoped objects.
	Namespace string `json:"namespace"`

	// Name is the object's name.
	Name string `json:"name"`

	// Status is what the sync did with the object; empty for hooks and for
	// objects not handled yet.
	Status ResultCode `json:"status,omitempty"`

	// Message is the outcome in words, such as an apply error.
	Message string `json:"message,omitempty"`

	// HookType is the hook's type; empty for regular objects.
	HookType HookType `json:"hookType,omitempty"`

	// HookPhase is the progress of the hook or of the object's apply.
	HookPhase OperationPhase `json:"hookPhase,omitempty"`

	// SyncPhase is the sync phase the result belongs to.
	SyncPhase SyncPhase `json:"syncPhase,omitempty"`

	// Images are the container images of the object.
	Images []string `json:"images,omitempty"`
}
