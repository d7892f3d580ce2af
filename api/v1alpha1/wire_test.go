package v1alpha1_test

import (
	"testing"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// TestWireValues pins the strings that users, Argo CD tooling and existing
// objects depend on. Changing one breaks compatibility with Argo CD.
func TestWireValues(t *testing.T) {
	tests := []struct{ got, want string }{
		{appv1.GroupVersion.String(), "argoproj.io/v1alpha1"},
		{appv1.AnnotationKeyRefresh, "argocd.argoproj.io/refresh"},
		{appv1.AnnotationKeySyncWave, "argocd.argoproj.io/sync-wave"},
		{appv1.AnnotationKeyHook, "argocd.argoproj.io/hook"},
		{appv1.AnnotationKeyHookDeletePolicy, "argocd.argoproj.io/hook-delete-policy"},
		{appv1.AnnotationKeySyncOptions, "argocd.argoproj.io/sync-options"},
		{appv1.AnnotationKeyCompareOptions, "argocd.argoproj.io/compare-options"},
		{appv1.AnnotationKeyTrackingID, "argocd.argoproj.io/tracking-id"},
		{appv1.AnnotationKeyManifestGeneratePaths, "argocd.argoproj.io/manifest-generate-paths"},
		{appv1.LabelKeyAppInstance, "app.kubernetes.io/instance"},
		{appv1.ResourcesFinalizerName, "resources-finalizer.argocd.argoproj.io"},
		{appv1.ForegroundPropagationPolicyFinalizer, "resources-finalizer.argocd.argoproj.io/foreground"},
		{appv1.BackgroundPropagationPolicyFinalizer, "resources-finalizer.argocd.argoproj.io/background"},
		{string(appv1.SyncStatusCodeOutOfSync), "OutOfSync"},
		{string(appv1.HealthStatusSuspended), "Suspended"},
		{string(appv1.OperationTerminating), "Terminating"},
		{string(appv1.ResultCodePruneSkipped), "PruneSkipped"},
		{string(appv1.HookTypePostDelete), "PostDelete"},
		{string(appv1.ApplicationConditionSharedResourceWarning), "SharedResourceWarning"},
		{string(appv1.ApplicationConditionUnsupportedField), "UnsupportedField"},
		{string(appv1.RefreshTypeHard), "hard"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
