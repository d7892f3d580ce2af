package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestSyncWavesWaitForHealth: as in Argo CD, a sync wave starts only once
// the previous one is healthy: the ConfigMap of wave 1 never exists while
// the Deployment of wave 0 is not Available, and the operation says what it
// waits for meanwhile.
func TestSyncWavesWaitForHealth(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	wave1 := strings.Replace(configMap("after", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n", 1)
	repo := srv.NewRepo("waves", map[string]string{"m/deploy.json": deployment("first", 2), "m/cm.yaml": wave1})
	name := "waves-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)

	// Wave 1 existing while wave 0 is not Available would break the order:
	// read the ConfigMap first, since availability does not go back.
	ctx := context.Background()
	var sawWaiting bool
	clustertest.Poll(t, 60*time.Second, "the sync done", func(ctx context.Context) (bool, error) {
		_, cmErr := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "after", metav1.GetOptions{})
		d, err := cluster.Client.AppsV1().Deployments(ns).Get(ctx, "first", metav1.GetOptions{})
		if cmErr == nil && (err != nil || !available(d)) {
			t.Fatalf("wave 1 exists while wave 0 is not Available (%v)", err)
		}
		app, err := getApp(ctx, name)
		if err != nil {
			return false, err
		}
		if st := app.Status.OperationState; st != nil && st.Phase == appv1.OperationRunning &&
			strings.Contains(st.Message, "waiting for healthy state of apps/Deployment first (wave 0)") {
			sawWaiting = true
		}
		return syncedHealthy(repo.Head())(app), nil
	})
	if !sawWaiting {
		t.Errorf("the operation never said it waited for wave 0")
	}
	app, err := getApp(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if app.Operation != nil || app.Status.OperationState.Phase != appv1.OperationSucceeded {
		t.Errorf("operation %+v, phase %s after the sync", app.Operation, app.Status.OperationState.Phase)
	}
	if n := len(app.Status.History); n != 1 {
		t.Errorf("%d history entries for one sync, want 1", n)
	}
}

func available(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == "True" {
			return true
		}
	}
	return false
}

// TestTerminateWaitingOperation: an operation waiting for a wave that never
// becomes healthy stops when asked to, as Argo CD's terminate-op asks
// (status.operationState.phase: Terminating): Failed, "Operation
// terminated", the operation cleared, the next wave never applied.
func TestTerminateWaitingOperation(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	stuck := strings.Replace(deployment("stuck", 1), `"containers":`, `"nodeSelector":{"no-such-node":"true"},"containers":`, 1)
	wave1 := strings.Replace(configMap("after", "1"), "metadata:\n", "metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"1\"\n", 1)
	repo := srv.NewRepo("stuck", map[string]string{"m/deploy.json": stuck, "m/cm.yaml": wave1})
	name := "stuck-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	waitApp(t, name, "an operation waiting for wave 0", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return app.Operation != nil && st != nil && st.Phase == appv1.OperationRunning && strings.Contains(st.Message, "waiting for healthy state")
	})
	patch := []byte(`{"status":{"operationState":{"phase":"Terminating"}}}`)
	if _, err := dyn.Resource(appsGVR).Namespace(argocd).Patch(context.Background(), name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	app := waitApp(t, name, "the operation terminated", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return app.Operation == nil && st != nil && st.Phase == appv1.OperationFailed
	})
	if msg := app.Status.OperationState.Message; msg != "Operation terminated" {
		t.Errorf("message %q", msg)
	}
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(context.Background(), "after", metav1.GetOptions{}); !isNotFound(err) {
		t.Errorf("wave 1 was applied after all (%v)", err)
	}
}
