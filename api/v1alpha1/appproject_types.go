package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AppProject groups Applications and limits what they may do: which
// repositories they may use, which clusters and namespaces they may deploy
// to, which kinds of objects they may manage, and when they may sync.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=appprojects,singular=appproject,shortName=appproj;appprojs,categories=argocd
type AppProject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec holds the project's rules.
	// +kubebuilder:pruning:PreserveUnknownFields
	Spec AppProjectSpec `json:"spec"`

	// Status is the observed state of the project.
	// +kubebuilder:pruning:PreserveUnknownFields
	Status AppProjectStatus `json:"status,omitzero"`
}

// AppProjectList is a list of AppProjects.
//
// +kubebuilder:object:root=true
type AppProjectList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the AppProjects of the list.
	Items []AppProject `json:"items"`
}

// AppProjectSpec holds the rules of a project. Lists that allow things are
// deny-by-default: an empty SourceRepos or Destinations allows nothing.
//
// +kubebuilder:pruning:PreserveUnknownFields
type AppProjectSpec struct {
	// SourceRepos are the repository URLs Applications may use, as globs;
	// "*" allows any and a leading "!" denies.
	SourceRepos []string `json:"sourceRepos,omitempty"`

	// Destinations are the clusters and namespaces Applications may deploy
	// to, as globs.
	Destinations []ApplicationDestination `json:"destinations,omitempty"`

	// Description describes the project, for people.
	Description string `json:"description,omitempty"`

	// Roles are project-scoped roles, with their policies, groups and
	// tokens.
	Roles []ProjectRole `json:"roles,omitempty"`

	// ClusterResourceWhitelist are the cluster-scoped kinds Applications may
	// manage; empty allows none.
	ClusterResourceWhitelist []ClusterResourceRestrictionItem `json:"clusterResourceWhitelist,omitempty"`

	// ClusterResourceBlacklist are cluster-scoped kinds Applications may not
	// manage, even when whitelisted.
	ClusterResourceBlacklist []ClusterResourceRestrictionItem `json:"clusterResourceBlacklist,omitempty"`

	// NamespaceResourceWhitelist are the namespaced kinds Applications may
	// manage; when absent, all are allowed.
	NamespaceResourceWhitelist []metav1.GroupKind `json:"namespaceResourceWhitelist,omitempty"`

	// NamespaceResourceBlacklist are namespaced kinds Applications may not
	// manage.
	NamespaceResourceBlacklist []metav1.GroupKind `json:"namespaceResourceBlacklist,omitempty"`

	// OrphanedResources turns on monitoring of objects in destination
	// namespaces that no Application manages.
	OrphanedResources *OrphanedResourcesMonitorSettings `json:"orphanedResources,omitempty"`

	// SyncWindows allow or deny syncs at scheduled times.
	SyncWindows []SyncWindow `json:"syncWindows,omitempty"`

	// SignatureKeys are the GPG key IDs that must have signed a commit
	// before it may be synced.
	SignatureKeys []SignatureKey `json:"signatureKeys,omitempty"`

	// SourceNamespaces are the namespaces, as globs, in which Applications
	// of this project may live besides the controller's own.
	SourceNamespaces []string `json:"sourceNamespaces,omitempty"`

	// PermitOnlyProjectScopedClusters limits destinations to clusters
	// registered for this project.
	PermitOnlyProjectScopedClusters bool `json:"permitOnlyProjectScopedClusters,omitempty"`

	// DestinationServiceAccounts are the service accounts that syncs
	// impersonate, per destination.
	DestinationServiceAccounts []ApplicationDestinationServiceAccount `json:"destinationServiceAccounts,omitempty"`
}

// ClusterResourceRestrictionItem names cluster-scoped objects by group,
// kind and optionally a name glob; "*" matches any group or kind.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ClusterResourceRestrictionItem struct {
	// Group is the API group; empty is the core group.
	Group string `json:"group"`

	// Kind is the kind.
	Kind string `json:"kind"`

	// Name is a glob of object names; empty matches all.
	Name string `json:"name,omitempty"`
}

// ProjectRole is a role scoped to one project.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ProjectRole struct {
	// Name names the role within the project.
	Name string `json:"name"`

	// Description describes the role, for people.
	Description string `json:"description,omitempty"`

	// Policies are Casbin policy lines granting the role its permissions.
	Policies []string `json:"policies,omitempty"`

	// JWTTokens are tokens issued for the role.
	JWTTokens []JWTToken `json:"jwtTokens,omitempty"`

	// Groups are OIDC groups bound to the role.
	Groups []string `json:"groups,omitempty"`
}

// JWTToken records a token issued for a project role. It holds no secret.
//
// +kubebuilder:pruning:PreserveUnknownFields
type JWTToken struct {
	// IssuedAt is when the token was issued, in Unix seconds.
	IssuedAt int64 `json:"iat"`

	// ExpiresAt is when the token expires, in Unix seconds; zero means
	// never.
	ExpiresAt int64 `json:"exp,omitempty"`

	// ID identifies the token.
	ID string `json:"id,omitempty"`
}

// JWTTokens is a list of tokens of one role.
//
// +kubebuilder:pruning:PreserveUnknownFields
type JWTTokens struct {
	// Items are the tokens.
	Items []JWTToken `json:"items,omitempty"`
}

// OrphanedResourcesMonitorSettings tunes orphaned-object monitoring.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OrphanedResourcesMonitorSettings struct {
	// Warn adds an OrphanedResourceWarning condition to Applications whose
	// namespaces hold orphaned objects. Nil means true.
	Warn *bool `json:"warn,omitempty"`

	// Ignore lists objects never reported as orphaned.
	Ignore []OrphanedResourceKey `json:"ignore,omitempty"`
}

// OrphanedResourceKey names objects excluded from orphan monitoring; each
// field may be a glob.
//
// +kubebuilder:pruning:PreserveUnknownFields
type OrphanedResourceKey struct {
	// Group is the API group.
	Group string `json:"group,omitempty"`

	// Kind is the kind.
	Kind string `json:"kind,omitempty"`

	// Name is the object name.
	Name string `json:"name,omitempty"`
}

// SyncWindow allows or denies syncs of matching Applications during a
// scheduled period.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SyncWindow struct {
	// Kind is "allow" or "deny".
	Kind string `json:"kind,omitempty"`

	// Schedule is a cron expression for when the window opens.
	Schedule string `json:"schedule,omitempty"`

	// Duration is how long the window stays open, such as "1h".
	Duration string `json:"duration,omitempty"`

	// Applications are Application names, as globs, the window applies to.
	Applications []string `json:"applications,omitempty"`

	// Namespaces are destination namespaces, as globs, the window applies
	// to.
	Namespaces []string `json:"namespaces,omitempty"`

	// Clusters are destination clusters, as globs, the window applies to.
	Clusters []string `json:"clusters,omitempty"`

	// ManualSync allows manual syncs while a deny window is open.
	ManualSync bool `json:"manualSync,omitempty"`

	// TimeZone is the IANA time zone of Schedule; empty means UTC.
	TimeZone string `json:"timeZone,omitempty"`

	// UseAndOperator requires Applications, Namespaces and Clusters all to
	// match, instead of any one of them.
	UseAndOperator bool `json:"andOperator,omitempty"`

	// Description describes the window, for people.
	Description string `json:"description,omitempty"`
}

// SignatureKey is a GPG key trusted to sign commits.
//
// +kubebuilder:pruning:PreserveUnknownFields
type SignatureKey struct {
	// KeyID is the key ID in hexadecimal.
	KeyID string `json:"keyID"`
}

// ApplicationDestinationServiceAccount is the service account that syncs to
// a destination impersonate.
//
// +kubebuilder:pruning:PreserveUnknownFields
type ApplicationDestinationServiceAccount struct {
	// Server is the destination cluster's API server URL, as a glob.
	Server string `json:"server"`

	// Namespace is the destination namespace, as a glob.
	Namespace string `json:"namespace,omitempty"`

	// DefaultServiceAccount is the service account to impersonate, as
	// "name" in the destination namespace or "namespace:name".
	DefaultServiceAccount string `json:"defaultServiceAccount"`
}

// AppProjectStatus is the observed state of a project.
//
// +kubebuilder:pruning:PreserveUnknownFields
type AppProjectStatus struct {
	// JWTTokensByRole are the tokens issued, by role name.
	JWTTokensByRole map[string]JWTTokens `json:"jwtTokensByRole,omitempty"`
}
