package controller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// TestSyncWavesWaitForHealth: as in Argo CD, a sync wave starts only once
// the previous one is healthy. The Deployment of wave 0 cannot be scheduled
// until the test labels the node: meanwhile the operation says what it
// waits for and the ConfigMap of wave 1 does not exist; then the sync
// completes.
func TestSyncWavesWaitForHealth(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ctx := context.Background()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	label := "tether-test-" + ns
	first := strings.Replace(deployment("first", 2), `"containers":`, `"nodeSelector":{"`+label+`":"true"},"containers":`, 1)
	wave1 := inWave(configMap("after", "1"), 1)
	repo := srv.NewRepo("waves", map[string]string{"m/deploy.json": first, "m/cm.yaml": wave1})
	name := "waves-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)

	waitApp(t, name, "an operation waiting for wave 0", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return app.Operation != nil && st != nil && st.Phase == appv1.OperationRunning &&
			strings.Contains(st.Message, "waiting for healthy state of apps/Deployment first (wave 0)")
	})
	if _, err := cluster.Client.CoreV1().ConfigMaps(ns).Get(ctx, "after", metav1.GetOptions{}); !isNotFound(err) {
		t.Fatalf("wave 1 exists while wave 0 is not healthy (%v)", err)
	}

	// Let the Pods be scheduled: wave 0 becomes Available, then wave 1 goes.
	nodes, err := cluster.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("nodes: %v", err)
	}
	node := nodes.Items[0].Name
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, label)
	if _, err := cluster.Client.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unlabel := fmt.Sprintf(`{"metadata":{"labels":{%q:null}}}`, label)
		_, _ = cluster.Client.CoreV1().Nodes().Patch(context.Background(), node, types.MergePatchType, []byte(unlabel), metav1.PatchOptions{})
	})
	app := waitApp(t, name, "Synced and Healthy", syncedHealthy(repo.Head()))
	if app.Operation != nil || app.Status.OperationState.Phase != appv1.OperationSucceeded {
		t.Errorf("operation %+v, phase %s after the sync", app.Operation, app.Status.OperationState.Phase)
	}
	d, err := cluster.Client.AppsV1().Deployments(ns).Get(ctx, "first", metav1.GetOptions{})
	if err != nil || !available(d) {
		t.Errorf("Deployment first not Available after the sync (%v)", err)
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
	wave1 := inWave(configMap("after", "1"), 1)
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

// inWave puts a YAML manifest with a metadata block in sync wave n.
func inWave(manifest string, n int) string {
	return strings.Replace(manifest, "metadata:\n", fmt.Sprintf("metadata:\n  annotations:\n    argocd.argoproj.io/sync-wave: \"%d\"\n", n), 1)
}
