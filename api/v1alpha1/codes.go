package v1alpha1

// SyncStatusCode says whether live objects match what the sources produce.
type SyncStatusCode string

// The sync status codes, with Argo CD's values.
const (
	// SyncStatusCodeSynced means every live object matches its source.
	SyncStatusCodeSynced SyncStatusCode = "Synced"
	// SyncStatusCodeOutOfSync means some live object differs, is missing or
	// should be pruned.
	SyncStatusCodeOutOfSync SyncStatusCode = "OutOfSync"
	// SyncStatusCodeUnknown means the comparison could not be made, for
	// example because the sources failed to render.
	SyncStatusCodeUnknown SyncStatusCode = "Unknown"
)

// HealthStatusCode is the health of an object or, as the worst of its
// objects, of an Application.
type HealthStatusCode string

// The health status codes, with Argo CD's values.
const (
	// HealthStatusHealthy means the object works as intended.
	HealthStatusHealthy HealthStatusCode = "Healthy"
	// HealthStatusProgressing means the object is not healthy yet but may
	// become so, such as a rollout in progress.
	HealthStatusProgressing HealthStatusCode = "Progressing"
	// HealthStatusDegraded means the object failed or cannot become
	// healthy in time.
	HealthStatusDegraded HealthStatusCode = "Degraded"
	// HealthStatusSuspended means the object is paused or suspended on
	// purpose, such as a suspended CronJob.
	HealthStatusSuspended HealthStatusCode = "Suspended"
	// HealthStatusMissing means the object does not exist in the cluster.
	HealthStatusMissing HealthStatusCode = "Missing"
	// HealthStatusUnknown means health could not be assessed.
	HealthStatusUnknown HealthStatusCode = "Unknown"
)

// OperationPhase is where an operation, or one hook of a sync, stands.
type OperationPhase string

// The operation phases, with Argo CD's values.
const (
	// OperationRunning means the operation is in progress.
	OperationRunning OperationPhase = "Running"
	// OperationTerminating means the operation was asked to stop and is
	// stopping.
	OperationTerminating OperationPhase = "Terminating"
	// OperationFailed means the operation ended without reaching its goal,
	// such as an apply rejected by the API server.
	OperationFailed OperationPhase = "Failed"
	// OperationError means the operation could not be carried out, such as
	// a source that failed to render.
	OperationError OperationPhase = "Error"
	// OperationSucceeded means the operation reached its goal.
	OperationSucceeded OperationPhase = "Succeeded"
)

// IsCompleted reports whether the phase is final: Failed, Error or
// Succeeded.
func (p OperationPhase) IsCompleted() bool {
	return p == OperationFailed || p == OperationError || p == OperationSucceeded
}

// ResultCode is what a sync did with one object.
type ResultCode string

// The result codes, with Argo CD's values.
const (
	// ResultCodeSynced means the object was applied.
	ResultCodeSynced ResultCode = "Synced"
	// ResultCodeSyncFailed means applying the object failed.
	ResultCodeSyncFailed ResultCode = "SyncFailed"
	// ResultCodePruned means the object was deleted.
	ResultCodePruned ResultCode = "Pruned"
	// ResultCodePruneSkipped means the object should be deleted but was
	// kept, because pruning was off or the object opted out.
	ResultCodePruneSkipped ResultCode = "PruneSkipped"
)

// HookType is the value of the hook annotation: when in a sync a hook runs.
type HookType string

// The hook types, with Argo CD's values.
const (
	// HookTypePreSync runs before any object is applied.
	HookTypePreSync HookType = "PreSync"
	// HookTypeSync runs with the objects, after PreSync hooks.
	HookTypeSync HookType = "Sync"
	// HookTypePostSync runs after every object is applied and healthy.
	HookTypePostSync HookType = "PostSync"
	// HookTypeSyncFail runs when a sync fails.
	HookTypeSyncFail HookType = "SyncFail"
	// HookTypePostDelete runs after the Application is deleted.
	HookTypePostDelete HookType = "PostDelete"
	// HookTypeSkip marks an object that the sync must not apply.
	HookTypeSkip HookType = "Skip"
)

// SyncPhase is a stage of a sync with hooks.
type SyncPhase string

// The sync phases, in the order they run, with Argo CD's values.
const (
	// SyncPhasePreSync runs PreSync hooks.
	SyncPhasePreSync SyncPhase = "PreSync"
	// SyncPhaseSync applies the objects and runs Sync hooks.
	SyncPhaseSync SyncPhase = "Sync"
	// SyncPhasePostSync runs PostSync hooks.
	SyncPhasePostSync SyncPhase = "PostSync"
	// SyncPhaseSyncFail runs SyncFail hooks after a failure.
	SyncPhaseSyncFail SyncPhase = "SyncFail"
)

// ApplicationConditionType classifies an ApplicationCondition. Types ending
// in "Error" are errors, types ending in "Warning" are warnings.
type ApplicationConditionType string

// The condition types: Argo CD's, plus Tether's own UnsupportedField.
const (
	// ApplicationConditionInvalidSpecError means the spec cannot be acted
	// on, such as a missing source or a destination the project forbids.
	ApplicationConditionInvalidSpecError ApplicationConditionType = "InvalidSpecError"
	// ApplicationConditionComparisonError means the sources and the live
	// state could not be compared, such as a render failure.
	ApplicationConditionComparisonError ApplicationConditionType = "ComparisonError"
	// ApplicationConditionSyncError means an automated sync could not run.
	ApplicationConditionSyncError ApplicationConditionType = "SyncError"
	// ApplicationConditionUnknownError is an error of no other type.
	ApplicationConditionUnknownError ApplicationConditionType = "UnknownError"
	// ApplicationConditionDeletionError means deleting the Application or
	// its objects failed.
	ApplicationConditionDeletionError ApplicationConditionType = "DeletionError"
	// ApplicationConditionOperationError means a requested operation is
	// invalid and was not run.
	ApplicationConditionOperationError ApplicationConditionType = "OperationError"
	// ApplicationConditionSharedResourceWarning means an object is also
	// managed by another Application.
	ApplicationConditionSharedResourceWarning ApplicationConditionType = "SharedResourceWarning"
	// ApplicationConditionOrphanedResourceWarning means the destination
	// namespace holds objects no Application manages, when the project
	// asks to be warned.
	ApplicationConditionOrphanedResourceWarning ApplicationConditionType = "OrphanedResourceWarning"
	// ApplicationConditionExcludedResourceWarning means the sources produce
	// an object of a kind that is excluded from management.
	ApplicationConditionExcludedResourceWarning ApplicationConditionType = "ExcludedResourceWarning"
	// ApplicationConditionRepeatedResourceWarning means the sources produce
	// the same object more than once.
	ApplicationConditionRepeatedResourceWarning ApplicationConditionType = "RepeatedResourceWarning"
	// ApplicationConditionUnsupportedField is Tether's own: the spec sets a
	// field that Argo CD honours and Tether does not, so the Application
	// may behave differently than under Argo CD.
	ApplicationConditionUnsupportedField ApplicationConditionType = "UnsupportedField"
	// ApplicationConditionSelfHealConflict is Tether's own: drift keeps coming
	// back after self-heal, most likely another controller or person changing
	// the same fields; the message names the object, the fields and the field
	// manager that last changed them.
	ApplicationConditionSelfHealConflict ApplicationConditionType = "SelfHealConflict"
)

// RefreshType is the value of the refresh annotation.
type RefreshType string

// The refresh types, with Argo CD's values.
const (
	// RefreshTypeNormal compares again using the latest revisions of the
	// sources.
	RefreshTypeNormal RefreshType = "normal"
	// RefreshTypeHard also discards cached renders of the sources.
	RefreshTypeHard RefreshType = "hard"
)
