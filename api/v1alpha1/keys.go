package v1alpha1

// Annotation keys, shared with Argo CD. The first is set on Applications;
// the others are set on the objects an Application manages.
const (
	// AnnotationKeyRefresh, set on an Application to "normal" or "hard"
	// (see RefreshType), asks the controller to compare again now. The
	// controller removes it once done.
	AnnotationKeyRefresh = "argocd.argoproj.io/refresh"

	// AnnotationKeySyncWave orders objects within a sync phase: an integer,
	// lower waves first, 0 when absent.
	AnnotationKeySyncWave = "argocd.argoproj.io/sync-wave"

	// AnnotationKeyHook makes an object a hook; its value is a
	// comma-separated list of HookType values.
	AnnotationKeyHook = "argocd.argoproj.io/hook"

	// AnnotationKeyHookDeletePolicy says when a hook object is deleted:
	// HookSucceeded, HookFailed or BeforeHookCreation, comma-separated.
	AnnotationKeyHookDeletePolicy = "argocd.argoproj.io/hook-delete-policy"

	// AnnotationKeySyncOptions holds per-object sync options,
	// comma-separated, such as "Prune=false,ServerSideApply=true".
	AnnotationKeySyncOptions = "argocd.argoproj.io/sync-options"

	// AnnotationKeyCompareOptions holds per-object compare options,
	// comma-separated, such as "IgnoreExtraneous".
	AnnotationKeyCompareOptions = "argocd.argoproj.io/compare-options"

	// AnnotationKeyTrackingID records which Application manages an object,
	// as "<app>:<group>/<kind>:<namespace>/<name>".
	AnnotationKeyTrackingID = "argocd.argoproj.io/tracking-id"

	// AnnotationKeyManifestGeneratePaths, set on an Application, lists the
	// paths (";"-separated, relative to the source path unless they start
	// with "/") whose changes can affect its manifests; commits touching
	// none of them need no new render.
	AnnotationKeyManifestGeneratePaths = "argocd.argoproj.io/manifest-generate-paths"
)

// LabelKeyAppInstance is the label that, with label tracking, records the
// name of the Application that manages an object.
const LabelKeyAppInstance = "app.kubernetes.io/instance"

// Finalizers that make deleting an Application also delete the objects it
// manages. Without one of them, deleting an Application leaves its objects
// in place.
const (
	// ResourcesFinalizerName deletes the managed objects with foreground
	// propagation before the Application goes away.
	ResourcesFinalizerName = "resources-finalizer.argocd.argoproj.io"

	// ForegroundPropagationPolicyFinalizer is ResourcesFinalizerName with
	// the propagation policy spelled out.
	ForegroundPropagationPolicyFinalizer = ResourcesFinalizerName + "/foreground"

	// BackgroundPropagationPolicyFinalizer deletes the managed objects with
	// background propagation: their dependents are removed afterwards by
	// the garbage collector.
	BackgroundPropagationPolicyFinalizer = ResourcesFinalizerName + "/background"
)

// RefreshRequested returns the value of the refresh annotation and whether
// it is present. It does not check that the value is a known RefreshType.
func (a *Application) RefreshRequested() (RefreshType, bool) {
	v, ok := a.Annotations[AnnotationKeyRefresh]
	return RefreshType(v), ok
}
