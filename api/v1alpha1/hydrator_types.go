package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SourceHydrator renders manifests from a dry source, commits the result to
// a branch, and syncs from that branch.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SourceHydrator struct {
	// DrySource is where the unrendered manifests live.
	DrySource DrySource `json:"drySource"`

	// SyncSource is the branch and path that rendered manifests are synced
	// from, in the DrySource repository.
	SyncSource SyncSource `json:"syncSource"`

	// HydrateTo, when set, is a staging branch the rendered manifests are
	// pushed to instead; something else moves them to SyncSource.
	HydrateTo *HydrateTo `json:"hydrateTo,omitempty"`
}

// SyncFrom returns the source that an Application with this hydrator syncs
// from: the DrySource repository at the SyncSource branch and path.
func (h *SourceHydrator) SyncFrom() ApplicationSource {
	return ApplicationSource{
		RepoURL:        h.DrySource.RepoURL,
		Path:           h.SyncSource.Path,
		TargetRevision: h.SyncSource.TargetBranch,
	}
}

// DrySource is the Git location of unrendered manifests, with the options
// of the tool that renders them.
//
// +kubebuilder:pruning:PreserveUnknownFields
type DrySource struct {
	// RepoURL is the URL of the Git repository.
	RepoURL string `json:"repoURL"`

	// TargetRevision is the branch, tag or commit to render.
	TargetRevision string `json:"targetRevision"`

	// Path is the directory to render.
	Path string `json:"path"`

	// Helm holds options for rendering with Helm.
	Helm *ApplicationSourceHelm `json:"helm,omitempty"`

	// Kustomize holds options for rendering with Kustomize.
	Kustomize *ApplicationSourceKustomize `json:"kustomize,omitempty"`

	// Directory holds options for plain manifests or Jsonnet.
	Directory *ApplicationSourceDirectory `json:"directory,omitempty"`

	// Plugin holds options for a config management plugin.
	Plugin *ApplicationSourcePlugin `json:"plugin,omitempty"`
}

// SyncSource is the branch and path that hydrated manifests are synced from.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncSource struct {
	// TargetBranch is the branch to sync from, and to commit to when
	// HydrateTo is not set.
	TargetBranch string `json:"targetBranch"`

	// Path is the directory in the branch.
	Path string `json:"path"`
}

// HydrateTo is a staging branch for hydrated manifests.
//
// +kubebuilder:pruning:PreserveUnknownFields
type HydrateTo struct {
	// TargetBranch is the branch to commit to.
	TargetBranch string `json:"targetBranch"`
}

// SourceHydratorStatus is the state of source hydration.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SourceHydratorStatus struct {
	// LastSuccessfulOperation describes the last hydration that succeeded.
	LastSuccessfulOperation *SuccessfulHydrateOperation `json:"lastSuccessfulOperation,omitempty"`

	// CurrentOperation describes the hydration in progress or last run.
	CurrentOperation *HydrateOperation `json:"currentOperation,omitempty"`
}

// HydrateOperation is one hydration run.
//
// +kubebuilder:pruning:PreserveUnknownFields
type HydrateOperation struct {
	// StartedAt is when the run started.
	StartedAt metav1.Time `json:"startedAt,omitzero"`

	// FinishedAt is when the run finished.
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`

	// Phase is Hydrating, Failed or Hydrated.
	Phase string `json:"phase"`

	// Message describes the run, for people.
	Message string `json:"message"`

	// DrySHA is the commit of the dry source that was rendered.
	DrySHA string `json:"drySHA,omitempty"`

	// HydratedSHA is the commit holding the rendered manifests.
	HydratedSHA string `json:"hydratedSHA,omitempty"`

	// SourceHydrator is the spec the run used.
	SourceHydrator SourceHydrator `json:"sourceHydrator,omitzero"`
}

// SuccessfulHydrateOperation is the last successful hydration run.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SuccessfulHydrateOperation struct {
	// DrySHA is the commit of the dry source that was rendered.
	DrySHA string `json:"drySHA,omitempty"`

	// HydratedSHA is the commit holding the rendered manifests.
	HydratedSHA string `json:"hydratedSHA,omitempty"`

	// SourceHydrator is the spec the run used.
	SourceHydrator SourceHydrator `json:"sourceHydrator,omitzero"`
}
