package application

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// TestQuietReconcile: a reconcile after a quiet one with nothing changed
// stops early, without rendering or writing; a live change ends that.
func TestQuietReconcile(t *testing.T) {
	app := guestbook(nil)
	w := newWorld(t, app, defaultProject())
	w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "a", "", map[string]any{"k": "v"})}
	w.seedLive(t, "guestbook", configMap("guestbook", "a", "", map[string]any{"k": "v"}))

	reconcileOnce(t, w, "guestbook")
	renders, writes := w.repo.renders.Load(), w.writes.Load()
	if got := w.getApp(t, "guestbook").Status; got.Sync.Status != appv1.SyncStatusCodeSynced || got.Health.Status != appv1.HealthStatusHealthy {
		t.Fatalf("status = %s/%s, want Synced/Healthy", got.Sync.Status, got.Health.Status)
	}
	reconcileOnce(t, w, "guestbook")
	if got := value(t, w.r.metrics.quietReconciles); got != 1 {
		t.Errorf("quiet reconciles = %v, want 1", got)
	}
	if w.writes.Load() != writes {
		t.Error("a quiet reconcile wrote")
	}

	w.r.LiveChanged("guestbook")
	reconcileOnce(t, w, "guestbook")
	if got := value(t, w.r.metrics.quietReconciles); got != 1 {
		t.Errorf("a reconcile after a live change was quiet")
	}
	if w.repo.renders.Load() != renders {
		t.Error("a full reconcile with the same commit rendered again")
	}

	// Deleting the Application forgets it.
	if err := w.r.Client.Delete(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	reconcileOnce(t, w, "guestbook")
	if _, ok := w.r.quiet.apps.Load(client.ObjectKeyFromObject(app)); ok {
		t.Error("a deleted Application is still remembered as quiet")
	}
}

func TestIsQuiet(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*run)
		want bool
	}{
		{name: "resolved, compared, healthy", want: true},
		{name: "not resolved", mod: func(r *run) { r.commit = "" }},
		{name: "a transient error", mod: func(r *run) { r.transient = errors.New("conflict") }},
		{name: "a retry waits", mod: func(r *run) { r.retryIn = time.Second }},
		{name: "an operation is pending", mod: func(r *run) { r.app.Operation = &appv1.Operation{Sync: &appv1.SyncOperation{}} }},
		{name: "Degraded stays Degraded until something changes", mod: func(r *run) { r.app.Status.Health.Status = appv1.HealthStatusDegraded }, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := guestbook(nil)
			a.Status.Health.Status = appv1.HealthStatusHealthy
			r := newRun(&Reconciler{}, a, &unstructured.Unstructured{})
			r.commit, r.revisions = "c1", []string{"c1"}
			if tt.mod != nil {
				tt.mod(r)
			}
			if got := r.isQuiet(); got != tt.want {
				t.Errorf("isQuiet = %v, want %v", got, tt.want)
			}
		})
	}
}
