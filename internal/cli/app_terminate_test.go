package cli

import (
	"context"
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// TestTerminateOperationRetriesConflicts: the controller writes status while
// an operation runs, so the patch may meet a newer resourceVersion; the
// command reads again and retries instead of failing (a flaky CI run failed
// on it).
func TestTerminateOperationRetriesConflicts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		conflicts int
		operation bool
		wantCode  int // 0: success; else the ExitError code
		wantErr   bool
	}{
		{name: "no conflict", operation: true},
		{name: "two conflicts", conflicts: 2, operation: true},
		{name: "no operation", wantCode: 1},
		{name: "conflicts never end", conflicts: 100, operation: true, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": appv1.GroupVersion.String(), "kind": "Application",
				"metadata": map[string]any{"name": "web", "namespace": "argocd", "resourceVersion": "7"},
			}}
			if tc.operation {
				app.Object["operation"] = map[string]any{"sync": map[string]any{}}
			}
			dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
				map[schema.GroupVersionResource]string{applicationsGVR: "ApplicationList"}, app)
			patches := 0
			dyn.PrependReactor("patch", "applications", func(k8stesting.Action) (bool, runtime.Object, error) {
				patches++
				if patches <= tc.conflicts {
					return true, nil, apierrors.NewConflict(applicationsGVR.GroupResource(), "web", errors.New("the object has been modified"))
				}
				return false, nil, nil
			})
			c := &appClient{ns: "argocd", dyn: dyn}
			got, err := terminateOperation(context.Background(), c, "web")
			var exit *ExitError
			switch {
			case tc.wantCode != 0:
				if !errors.As(err, &exit) || exit.Code != tc.wantCode {
					t.Fatalf("err = %v, want exit code %d", err, tc.wantCode)
				}
			case tc.wantErr:
				if err == nil || errors.As(err, &exit) {
					t.Fatalf("err = %v, want an API error", err)
				}
			case err != nil:
				t.Fatalf("terminate: %v", err)
			case got.Name != "web" || patches != tc.conflicts+1:
				t.Fatalf("app %q after %d patches, want web after %d", got.Name, patches, tc.conflicts+1)
			}
		})
	}
}
