package application

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// TestCompare: the sync status of each resource and of the app, from what
// Git renders and what the cluster holds.
func TestCompare(t *testing.T) {
	role := &unstructured.Unstructured{}
	role.SetGroupVersionKind(gvkClusterRole)
	role.SetName("reader")
	tests := []struct {
		name       string
		desired    []*unstructured.Unstructured
		live       []*unstructured.Unstructured
		remembered []*unstructured.Unstructured // listed in the previous status
		noCluster  bool                         // the project permits no cluster-scoped kind
		ignore     []appv1.ResourceIgnoreDifferences
		want       appv1.SyncStatusCode
		// wantRes maps "Kind/name" to its status, "prune" when it requires pruning.
		wantRes   map[string]string
		wantDrift map[string]string // "Kind/name" → a drifted field
	}{
		{
			name:    "in sync",
			desired: []*unstructured.Unstructured{configMap("", "a", "", map[string]any{"k": "v"})},
			live:    []*unstructured.Unstructured{configMap("guestbook", "a", "", map[string]any{"k": "v"})},
			want:    appv1.SyncStatusCodeSynced, wantRes: map[string]string{"ConfigMap/a": "Synced"},
		},
		{
			name:    "missing",
			desired: []*unstructured.Unstructured{configMap("", "a", "", nil)},
			want:    appv1.SyncStatusCodeOutOfSync, wantRes: map[string]string{"ConfigMap/a": "OutOfSync"},
		},
		{
			name:    "drifted",
			desired: []*unstructured.Unstructured{configMap("", "a", "", map[string]any{"k": "v"})},
			live:    []*unstructured.Unstructured{configMap("guestbook", "a", "", map[string]any{"k": "changed"})},
			want:    appv1.SyncStatusCodeOutOfSync, wantRes: map[string]string{"ConfigMap/a": "OutOfSync"},
			wantDrift: map[string]string{"ConfigMap/a": "data.k"},
		},
		{
			name:    "drift in an ignored field",
			desired: []*unstructured.Unstructured{configMap("", "a", "", map[string]any{"k": "v"})},
			live:    []*unstructured.Unstructured{configMap("guestbook", "a", "", map[string]any{"k": "changed"})},
			ignore:  []appv1.ResourceIgnoreDifferences{{Kind: "ConfigMap", JSONPointers: []string{"/data/k"}}},
			want:    appv1.SyncStatusCodeSynced, wantRes: map[string]string{"ConfigMap/a": "Synced"},
		},
		{
			name:       "left Git",
			desired:    []*unstructured.Unstructured{configMap("", "a", "", nil)},
			live:       []*unstructured.Unstructured{configMap("guestbook", "a", "", nil), role},
			remembered: []*unstructured.Unstructured{role},
			want:       appv1.SyncStatusCodeOutOfSync, wantRes: map[string]string{"ConfigMap/a": "Synced", "ClusterRole/reader": "prune"},
		},
		{
			name:       "left Git but not permitted: neither shown nor pruned",
			desired:    []*unstructured.Unstructured{configMap("", "a", "", nil)},
			live:       []*unstructured.Unstructured{configMap("guestbook", "a", "", nil), role},
			remembered: []*unstructured.Unstructured{role},
			noCluster:  true,
			want:       appv1.SyncStatusCodeSynced, wantRes: map[string]string{"ConfigMap/a": "Synced"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proj := defaultProject()
			if tt.noCluster {
				proj.Spec.ClusterResourceWhitelist = nil
			}
			app := guestbook(func(a *appv1.Application) {
				a.Spec.IgnoreDifferences = tt.ignore
				for _, o := range tt.remembered {
					a.Status.Resources = append(a.Status.Resources, resourceStatus(o))
				}
			})
			w := newWorld(t, app, proj)
			w.repo.objects["c1"] = tt.desired
			w.seedLive(t, "guestbook", tt.live...)
			run := w.newTestRun(t, app)
			for _, s := range []func(context.Context) bool{run.checkSpec, run.checkProject, run.resolve, run.render, run.compare} {
				if !s(context.Background()) {
					t.Fatalf("a step stopped: %v", run.conditions)
				}
			}
			if got := run.app.Status.Sync.Status; got != tt.want {
				t.Errorf("sync status = %s, want %s", got, tt.want)
			}
			if run.app.Status.Sync.Revision != "c1" || run.app.Status.Sync.ComparedTo.Source.RepoURL == "" {
				t.Errorf("sync = %+v, want compared to c1 and the source", run.app.Status.Sync)
			}
			got := map[string]string{}
			for _, r := range run.app.Status.Resources {
				s := string(r.Status)
				if r.RequiresPruning {
					s = "prune"
				}
				got[r.Kind+"/"+r.Name] = s
			}
			if len(got) != len(tt.wantRes) {
				t.Errorf("resources = %v, want %v", got, tt.wantRes)
			}
			for k, v := range tt.wantRes {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			for k, field := range tt.wantDrift {
				var fields []string
				for key, f := range run.drift {
					if key.kind+"/"+key.name == k {
						fields = f
					}
				}
				if !strings.Contains(strings.Join(fields, ","), field) {
					t.Errorf("drift of %s = %v, want %s", k, fields, field)
				}
			}
		})
	}
}

// TestCompareUnservedKind: a kind the cluster does not serve is a
// comparison error, retried with back-off, and no sync runs.
func TestCompareUnservedKind(t *testing.T) {
	widget := &unstructured.Unstructured{}
	widget.SetAPIVersion("example.com/v1")
	widget.SetKind("Widget")
	widget.SetName("w")
	app := guestbook(automated(true, false, false))
	w := newWorld(t, app, defaultProject())
	w.repo.objects["c1"] = []*unstructured.Unstructured{widget, configMap("", "a", "", nil)}
	run := w.newTestRun(t, app)
	run.execute(context.Background())
	if _, ok := run.conditions[appv1.ApplicationConditionComparisonError]; !ok {
		t.Fatalf("conditions = %v, want a ComparisonError", run.conditions)
	}
	if run.app.Status.Sync.Status != appv1.SyncStatusCodeUnknown {
		t.Errorf("sync status = %q, want Unknown", run.app.Status.Sync.Status)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil {
		t.Error("an automated sync ran after a failed comparison")
	}
	if run.isQuiet() {
		t.Error("a comparison error is quiet")
	}
}

func TestMergeHealthAndSort(t *testing.T) {
	healthy := &appv1.HealthStatus{Status: appv1.HealthStatusHealthy}
	prev := []appv1.ResourceStatus{{Kind: "ConfigMap", Namespace: "ns", Name: "b", Health: healthy}}
	rs := []appv1.ResourceStatus{
		{Kind: "ConfigMap", Namespace: "ns", Name: "b"},
		{Group: "apps", Kind: "Deployment", Namespace: "ns", Name: "a"},
		{Kind: "ConfigMap", Namespace: "ns", Name: "a"},
	}
	sortResources(rs)
	rs = mergeHealth(rs, prev)
	var order []string
	for _, r := range rs {
		order = append(order, r.Kind+"/"+r.Name)
	}
	if got := strings.Join(order, " "); got != "ConfigMap/a ConfigMap/b Deployment/a" {
		t.Errorf("order = %s, want by group, kind, namespace, name", got)
	}
	if rs[1].Health != healthy || rs[0].Health != nil {
		t.Errorf("health = %v, %v: want only ConfigMap b's kept", rs[0].Health, rs[1].Health)
	}
}
