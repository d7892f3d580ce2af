package controller_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestRestartPicksUpOperation: an operation asked for while no controller
// runs is carried out once by the next one, neither lost nor duplicated.
func TestRestartPicksUpOperation(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	home := cluster.Namespace(t)
	dest := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("restart", map[string]string{"m/a.yaml": configMap("a", "1")})

	stop := startReplica(t, home, "before")
	createIn(t, home, dirApp("manual", repo.URL, "m", dest, ""))
	waitIn(t, home, "manual", "OutOfSync", func(app *appv1.Application) bool {
		return app.Status.Sync.Status == appv1.SyncStatusCodeOutOfSync
	})
	stop()

	patch := []byte(`{"operation":{"initiatedBy":{"username":"tester"},"sync":{"revision":"main"}}}`)
	if _, err := dyn.Resource(appsGVR).Namespace(home).Patch(context.Background(), "manual", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	startReplica(t, home, "after")
	app := waitIn(t, home, "manual", "the operation done", func(app *appv1.Application) bool {
		return app.Operation == nil && app.Status.OperationState != nil && app.Status.OperationState.Phase == appv1.OperationSucceeded
	})
	if n := len(app.Status.History); n != 1 {
		t.Errorf("%d history entries, want exactly 1", n)
	}
	waitConfigMap(t, dest, "a")
}

// waitIn polls an Application in namespace ns until cond holds.
func waitIn(t *testing.T, ns, name, what string, cond func(*appv1.Application) bool) *appv1.Application {
	t.Helper()
	var last *appv1.Application
	pollApp(t, what, func(ctx context.Context) (bool, error) {
		u, err := dyn.Resource(appsGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		app := &appv1.Application{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, app); err != nil {
			return false, err
		}
		last = app
		return cond(app), nil
	})
	return last
}
