package controller_test

import (
	"context"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/devcluster/clustertest"
	"github.com/tether-gitops/tether/internal/gitserver/gittest"
)

// retryOnce is a sync policy's retry of one attempt, a second later.
const retryOnce = "    retry:\n      limit: 1\n      backoff:\n        duration: 1s\n        factor: 1\n"

// TestSyncRetry: an automated sync that failed (its namespace was missing)
// is retried with backoff as an operation in progress, and succeeds once
// the cause is gone.
func TestSyncRetry(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("retry", map[string]string{"m/a.yaml": configMap("a", "1")})
	ns := "retry-later-" + cluster.Namespace(t)
	name := "retry-" + ns
	policy := autoPrune + "    retry:\n      limit: -1\n      backoff:\n        duration: 1s\n        factor: 1\n"
	applyApp(t, dirApp(name, repo.URL, "m", ns, policy), nil)
	app := waitApp(t, name, "a retry pending", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return st != nil && st.Phase == appv1.OperationRunning && st.RetryCount >= 1
	})
	if app.Operation == nil || !app.Operation.InitiatedBy.Automated || app.Operation.Retry.Limit != -1 {
		t.Errorf("operation while retrying: %+v", app.Operation)
	}
	if msg := app.Status.OperationState.Message; !strings.Contains(msg, ns) || !strings.Contains(msg, "Retrying attempt #") {
		t.Errorf("operation message %q names neither the cause nor the retry", msg)
	}
	if _, err := cluster.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cluster.Client.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	app = waitApp(t, name, "the retry succeeded", func(app *appv1.Application) bool {
		st := app.Status.OperationState
		return app.Operation == nil && st != nil && st.Phase == appv1.OperationSucceeded && syncedHealthy(repo.Head())(app)
	})
	if app.Status.OperationState.RetryCount < 1 {
		t.Errorf("retryCount %d after a retried sync", app.Status.OperationState.RetryCount)
	}
	if msg := condition(app, appv1.ApplicationConditionSyncError); msg != "" {
		t.Errorf("SyncError left after the retry succeeded: %q", msg)
	}
}

// TestSyncFailures: an object the API server rejects and a destination
// namespace that cannot be created fail the sync with a message naming the
// cause; the failed commit is retried as syncPolicy.retry says (once
// here), then not in a loop.
func TestSyncFailures(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		ns    func(t *testing.T) string
		want  string
	}{
		{
			name:  "rejected object",
			files: map[string]string{"m/a.yaml": configMap("a", "1"), "m/bad.yaml": configMap("Bad_Name", "1")},
			ns:    func(t *testing.T) string { return cluster.Namespace(t) },
			want:  "Bad_Name",
		},
		{
			name:  "namespace that cannot be created",
			files: map[string]string{"m/a.yaml": configMap("a", "1")},
			ns:    func(*testing.T) string { return "Not_A_Namespace" },
			want:  "Not_A_Namespace",
		},
	}
	srv := gittest.NewServer(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := srv.NewRepo("fail"+string(rune('a'+i)), tt.files)
			ns := tt.ns(t)
			name := "fail-" + strings.ToLower(strings.ReplaceAll(tt.name, " ", "-"))
			policy := autoPrune + "    syncOptions:\n      - CreateNamespace=true\n" + retryOnce
			applyApp(t, dirApp(name, repo.URL, "m", ns, policy), nil)
			app := waitApp(t, name, "a failed sync", func(app *appv1.Application) bool {
				return app.Status.OperationState != nil && app.Status.OperationState.Phase == appv1.OperationFailed
			})
			if msg := app.Status.OperationState.Message; !strings.Contains(msg, tt.want) || !strings.HasSuffix(msg, "(retried 1 times).") {
				t.Errorf("operation message %q does not name %q and the retry", msg, tt.want)
			}
			if msg := condition(app, appv1.ApplicationConditionSyncError); !strings.Contains(msg, tt.want) {
				t.Errorf("SyncError %q does not name %q", msg, tt.want)
			}
			// Not retried in a loop: a later reconcile keeps the same operation.
			started := app.Status.OperationState.StartedAt
			refresh(t, name)
			app = waitApp(t, name, "the refresh handled", func(app *appv1.Application) bool {
				_, pending := app.Annotations[appv1.AnnotationKeyRefresh]
				return !pending
			})
			if !app.Status.OperationState.StartedAt.Equal(&started) {
				t.Errorf("the failed sync was retried: started %v, then %v", started, app.Status.OperationState.StartedAt)
			}
		})
	}
}

// TestSelfHealConflict: another controller that keeps scaling a Deployment
// makes Tether back off and name it in a condition, not fight silently.
func TestSelfHealConflict(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("fight", map[string]string{"m/d.yaml": deployment("fought", 2)})
	name := "fight-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), nil)
	waitApp(t, name, "Synced", syncedHealthy(""))

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go fightReplicas(ctx, ns, "fought", 5)
	app := waitApp(t, name, "a SelfHealConflict condition", func(app *appv1.Application) bool {
		return condition(app, appv1.ApplicationConditionSelfHealConflict) != ""
	})
	msg := condition(app, appv1.ApplicationConditionSelfHealConflict)
	for _, want := range []string{"Deployment", "fought", "replicas", "fake-autoscaler"} {
		if !strings.Contains(msg, want) {
			t.Errorf("condition %q does not name %q", msg, want)
		}
	}
	events, err := cluster.Client.EventsV1().Events(argocd).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasEvent(events.Items, name, "DriftReverted") || !hasEvent(events.Items, name, "SelfHealConflict") {
		t.Errorf("missing DriftReverted or SelfHealConflict events for %s", name)
	}
}

func hasEvent(events []eventsv1.Event, app, reason string) bool {
	for _, e := range events {
		if e.Regarding.Name == app && e.Reason == reason {
			return true
		}
	}
	return false
}

// fightReplicas plays an autoscaler that wants n replicas, until ctx ends.
func fightReplicas(ctx context.Context, ns, name string, n int32) {
	deployments := cluster.Client.AppsV1().Deployments(ns)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s, err := deployments.GetScale(ctx, name, metav1.GetOptions{})
		if err != nil || s.Spec.Replicas == n {
			continue
		}
		scale := &autoscalingv1.Scale{ObjectMeta: s.ObjectMeta, Spec: autoscalingv1.ScaleSpec{Replicas: n}}
		_, _ = deployments.UpdateScale(ctx, name, scale, metav1.UpdateOptions{FieldManager: "fake-autoscaler"})
	}
}

func deployment(name string, replicas int) string {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("apps/v1")
	u.SetKind("Deployment")
	u.SetName(name)
	labels := map[string]any{"app": name}
	u.Object["spec"] = map[string]any{
		"replicas": int64(replicas),
		"selector": map[string]any{"matchLabels": labels},
		"template": map[string]any{
			"metadata": map[string]any{"labels": labels},
			"spec":     map[string]any{"containers": []any{map[string]any{"name": "app", "image": "nginx:1.27.0"}}},
		},
	}
	b, _ := u.MarshalJSON()
	return string(b)
}

// used to keep clustertest imported when tests are filtered.
var _ = clustertest.Poll

// TestIgnoreDifferences: a field named by spec.ignoreDifferences (an
// autoscaler's replicas) may differ without OutOfSync or a heal.
func TestIgnoreDifferences(t *testing.T) {
	cluster.Require(t)
	t.Parallel()
	ns := cluster.Namespace(t)
	srv := gittest.NewServer(t)
	repo := srv.NewRepo("ignored", map[string]string{"m/d.yaml": deployment("scaled", 2)})
	name := "ignored-" + ns
	applyApp(t, dirApp(name, repo.URL, "m", ns, autoPrune), func(u *unstructured.Unstructured) {
		_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{
			"group": "apps", "kind": "Deployment", "jsonPointers": []any{"/spec/replicas"},
		}}, "spec", "ignoreDifferences")
	})
	waitApp(t, name, "Synced", syncedHealthy(""))
	deployments := cluster.Client.AppsV1().Deployments(ns)
	scale := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: ns}, Spec: autoscalingv1.ScaleSpec{Replicas: 4}}
	if _, err := deployments.UpdateScale(context.Background(), "scaled", scale, metav1.UpdateOptions{FieldManager: "hpa"}); err != nil {
		t.Fatal(err)
	}
	// A refresh reconciles after the scale: still Synced, still 4 replicas.
	refresh(t, name)
	app := waitApp(t, name, "the refresh handled", func(app *appv1.Application) bool {
		_, pending := app.Annotations[appv1.AnnotationKeyRefresh]
		return !pending && app.Status.Sync.Status == appv1.SyncStatusCodeSynced
	})
	if app.Status.OperationState == nil || len(app.Status.History) != 1 {
		t.Errorf("a heal ran: %d history entries", len(app.Status.History))
	}
	d, err := deployments.Get(context.Background(), "scaled", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 4 {
		t.Fatalf("replicas reverted: %v %v", d.Spec.Replicas, err)
	}
}
