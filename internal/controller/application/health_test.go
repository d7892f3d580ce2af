package application

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func deployment(name, image string, status map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"generation": int64(1)},
		"spec": map[string]any{"replicas": int64(1), "template": map[string]any{"spec": map[string]any{
			"initContainers": []any{map[string]any{"name": "init", "image": "busybox:1"}},
			"containers":     []any{map[string]any{"name": "web", "image": image}},
		}}},
	}}
	if status != nil {
		u.Object["status"] = status
	}
	u.SetGroupVersionKind(gvkDeployment)
	u.SetNamespace("guestbook")
	u.SetName(name)
	return u
}

var available = map[string]any{"observedGeneration": int64(1), "replicas": int64(1), "updatedReplicas": int64(1), "availableReplicas": int64(1), "readyReplicas": int64(1)}

func TestAssessHealth(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	earlier := metav1.NewTime(now.Add(-time.Hour))
	tests := []struct {
		name       string
		live       []*unstructured.Unstructured // live state of the resources listed
		missing    []*unstructured.Unstructured // listed, not live
		prune      []*unstructured.Unstructured
		prev       appv1.HealthStatus
		want       appv1.HealthStatusCode
		wantMsg    string
		wantImages []string
		wantMoved  bool // the transition time is now
	}{
		{
			name: "all healthy keeps the transition time",
			live: []*unstructured.Unstructured{configMap("guestbook", "a", "", nil), deployment("web", "nginx:1.27", available)},
			prev: appv1.HealthStatus{Status: appv1.HealthStatusHealthy, LastTransitionTime: &earlier},
			want: appv1.HealthStatusHealthy, wantImages: []string{"busybox:1", "nginx:1.27"},
		},
		{
			name:    "a missing resource",
			live:    []*unstructured.Unstructured{configMap("guestbook", "a", "", nil)},
			missing: []*unstructured.Unstructured{configMap("guestbook", "b", "", nil)},
			prev:    appv1.HealthStatus{Status: appv1.HealthStatusHealthy, LastTransitionTime: &earlier},
			want:    appv1.HealthStatusMissing, wantMoved: true,
		},
		{
			name: "a rolling Deployment is Progressing",
			live: []*unstructured.Unstructured{deployment("web", "nginx:1.28", map[string]any{"observedGeneration": int64(1), "replicas": int64(2), "updatedReplicas": int64(1)})},
			want: appv1.HealthStatusProgressing, wantMsg: "Deployment web: ", wantImages: []string{"busybox:1", "nginx:1.28"}, wantMoved: true,
		},
		{
			name:  "objects to prune do not count",
			live:  []*unstructured.Unstructured{configMap("guestbook", "a", "", nil)},
			prune: []*unstructured.Unstructured{deployment("old", "nginx:1", nil)},
			want:  appv1.HealthStatusHealthy, wantMoved: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{now: func() time.Time { return now }}
			app := guestbook(nil)
			app.Status.Health = tt.prev
			run := newRun(r, app, &unstructured.Unstructured{})
			run.desired = append(append(run.desired, tt.live...), tt.missing...)
			run.prune = tt.prune
			for _, o := range tt.live {
				run.live[keyOf(o)] = o
			}
			run.updateSyncStatus()
			run.assessHealth(context.Background())

			h := run.app.Status.Health
			if h.Status != tt.want {
				t.Errorf("health = %s (%q), want %s", h.Status, h.Message, tt.want)
			}
			if tt.wantMsg == "" && h.Message != "" || !strings.HasPrefix(h.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to start with %q", h.Message, tt.wantMsg)
			}
			if moved := h.LastTransitionTime.Equal(&metav1.Time{Time: now}); moved != tt.wantMoved {
				t.Errorf("transition time = %v, want moved: %v", h.LastTransitionTime, tt.wantMoved)
			}
			if strings.Join(run.app.Status.Summary.Images, ",") != strings.Join(tt.wantImages, ",") {
				t.Errorf("images = %v, want %v", run.app.Status.Summary.Images, tt.wantImages)
			}
			for _, res := range run.app.Status.Resources {
				if res.RequiresPruning != (res.Health == nil) {
					t.Errorf("%s %s: requiresPruning %v with health %v", res.Kind, res.Name, res.RequiresPruning, res.Health)
				}
			}
		})
	}
}
