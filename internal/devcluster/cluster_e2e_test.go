package devcluster_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/tether-gitops/tether/internal/cli"
	"github.com/tether-gitops/tether/internal/devcluster"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
)

var cluster clustertest.Cluster

func TestMain(m *testing.M) { os.Exit(cluster.Run(m)) }

func TestDeploymentBecomesAvailableAndScales(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	ctx := context.Background()
	deployments := cluster.Client.AppsV1().Deployments(ns)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
	if _, err := deployments.Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	clustertest.Poll(t, time.Minute, "Deployment web Available with 2 replicas", func(ctx context.Context) (bool, error) {
		d, err := deployments.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return available(d) && d.Status.AvailableReplicas == 2, nil
	})

	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 3}}
	if _, err := deployments.UpdateScale(ctx, "web", scale, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	clustertest.Poll(t, time.Minute, "three Running pods", func(ctx context.Context) (bool, error) {
		pods, err := cluster.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		return running == 3, nil
	})
}

func available(d *appsv1.Deployment) bool {
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// TestDevUpStatusDown plays the user: `tether dev up` in a folder of its own
// beside the shared cluster, kubectl-style access through the kubeconfig it
// prints, `dev status`, then `dev down` leaves no process behind.
func TestDevUpStatusDown(t *testing.T) {
	cluster.Require(t)
	if testing.Short() {
		t.Skip("starts a second control plane")
	}
	t.Parallel()
	dir := t.TempDir()
	t.Cleanup(func() { _ = devcluster.Down(dir) })

	out := runCLI(t, "dev", "up", "--dir", dir, "--nodes", "2")
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if strings.TrimSpace(out) != "export KUBECONFIG="+kubeconfig {
		t.Fatalf("dev up printed %q", out)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	nodes, err := client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 2 {
		t.Fatalf("want 2 nodes, got %v (%v)", len(nodes.Items), err)
	}

	status := runCLI(t, "dev", "status", "--dir", dir)
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"} {
		if !strings.Contains(status, name) {
			t.Errorf("dev status lacks %s:\n%s", name, status)
		}
	}
	if strings.Contains(status, "exited") {
		t.Errorf("a component exited:\n%s", status)
	}
	state, comps, err := devcluster.Status(dir)
	if err != nil || len(comps) != 5 {
		t.Fatalf("status: %v, %d components", err, len(comps))
	}

	// A second `up` in the same folder is refused while the first runs.
	var stderr bytes.Buffer
	err = cli.Run(context.Background(), []string{"dev", "up", "--dir", dir}, cli.Streams{Out: &bytes.Buffer{}, Err: &stderr})
	if err == nil || !strings.Contains(err.Error(), "already runs") {
		t.Fatalf("second dev up: %v", err)
	}

	runCLI(t, "dev", "down", "--dir", dir)
	for _, c := range state.Components {
		if err := syscall.Kill(c.PID, 0); err == nil && processMentions(c.PID, dir) {
			t.Errorf("%s (PID %d) still runs after dev down", c.Name, c.PID)
		}
	}
	if _, _, err := devcluster.Status(dir); err == nil {
		t.Errorf("status still finds a cluster after dev down")
	}
}

func processMentions(pid int, dir string) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return err == nil && bytes.Contains(b, []byte(dir))
}

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := cli.Run(context.Background(), args, cli.Streams{Out: &stdout, Err: &stderr}); err != nil {
		t.Fatalf("tether %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}
