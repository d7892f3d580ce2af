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

func automated(prune, selfHeal, allowEmpty bool) func(*appv1.Application) {
	return func(a *appv1.Application) {
		a.Spec.SyncPolicy = &appv1.SyncPolicy{Automated: &appv1.SyncPolicyAutomated{Prune: prune, SelfHeal: selfHeal, AllowEmpty: allowEmpty}}
	}
}

func resultsByName(st *appv1.OperationState) map[string]appv1.ResourceResult {
	out := map[string]appv1.ResourceResult{}
	if st == nil || st.SyncResult == nil {
		return out
	}
	for _, r := range st.SyncResult.Resources {
		out[r.Kind+"/"+r.Name] = r
	}
	return out
}

// TestAutomatedSync: what an automated sync applies and prunes, by sync
// policy and per-object options.
func TestAutomatedSync(t *testing.T) {
	pruneFalse := configMap("guestbook", "keep", "", nil)
	pruneFalse.SetAnnotations(map[string]string{appv1.AnnotationKeySyncOptions: "Prune=false"})
	tests := []struct {
		name       string
		mod        func(*appv1.Application)
		desired    []*unstructured.Unstructured
		live       []*unstructured.Unstructured
		wantPhase  appv1.OperationPhase // "" when no sync runs
		wantLive   []string             // ConfigMaps in the cluster afterwards
		wantGone   []string
		wantResult map[string]appv1.ResultCode
		wantCond   appv1.ApplicationConditionType
	}{
		{
			name:       "manual policy syncs nothing",
			desired:    []*unstructured.Unstructured{configMap("", "a", "", nil)},
			wantGone:   []string{"a"},
			wantResult: map[string]appv1.ResultCode{},
		},
		{
			name:       "automated applies what is missing and keeps what left Git",
			mod:        automated(false, false, false),
			desired:    []*unstructured.Unstructured{configMap("", "a", "", nil)},
			live:       []*unstructured.Unstructured{configMap("guestbook", "old", "", nil)},
			wantPhase:  appv1.OperationSucceeded,
			wantLive:   []string{"a", "old"},
			wantResult: map[string]appv1.ResultCode{"ConfigMap/a": appv1.ResultCodeSynced, "ConfigMap/old": appv1.ResultCodePruneSkipped},
		},
		{
			name:       "prune deletes what left Git, except Prune=false",
			mod:        automated(true, false, false),
			desired:    []*unstructured.Unstructured{configMap("", "a", "", nil)},
			live:       []*unstructured.Unstructured{configMap("guestbook", "old", "", nil), pruneFalse},
			wantPhase:  appv1.OperationSucceeded,
			wantLive:   []string{"a", "keep"},
			wantGone:   []string{"old"},
			wantResult: map[string]appv1.ResultCode{"ConfigMap/a": appv1.ResultCodeSynced, "ConfigMap/old": appv1.ResultCodePruned, "ConfigMap/keep": appv1.ResultCodePruneSkipped},
		},
		{
			name:       "an empty render does not prune everything without allowEmpty",
			mod:        automated(true, false, false),
			live:       []*unstructured.Unstructured{configMap("guestbook", "old", "", nil)},
			wantLive:   []string{"old"},
			wantResult: map[string]appv1.ResultCode{},
			wantCond:   appv1.ApplicationConditionSyncError,
		},
		{
			name:       "allowEmpty prunes everything",
			mod:        automated(true, false, true),
			live:       []*unstructured.Unstructured{configMap("guestbook", "old", "", nil)},
			wantPhase:  appv1.OperationSucceeded,
			wantGone:   []string{"old"},
			wantResult: map[string]appv1.ResultCode{"ConfigMap/old": appv1.ResultCodePruned},
		},
		{
			name:       "nothing to do when synced",
			mod:        automated(true, false, false),
			desired:    []*unstructured.Unstructured{configMap("", "a", "", map[string]any{"k": "v"})},
			live:       []*unstructured.Unstructured{configMap("guestbook", "a", "", map[string]any{"k": "v"})},
			wantLive:   []string{"a"},
			wantResult: map[string]appv1.ResultCode{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := guestbook(tt.mod)
			// The status remembers what an earlier sync deployed.
			for _, o := range tt.live {
				app.Status.Resources = append(app.Status.Resources, resourceStatus(o))
			}
			w := newWorld(t, app, defaultProject())
			w.repo.objects["c1"] = tt.desired
			w.seedLive(t, "guestbook", tt.live...)
			run := w.newTestRun(t, app)
			run.execute(context.Background())

			st := run.app.Status.OperationState
			if tt.wantPhase == "" && st != nil {
				t.Errorf("a sync ran: %s %q", st.Phase, st.Message)
			}
			if tt.wantPhase != "" && (st == nil || st.Phase != tt.wantPhase) {
				t.Fatalf("operation state = %+v, want phase %s", st, tt.wantPhase)
			}
			got := resultsByName(st)
			if len(got) != len(tt.wantResult) {
				t.Errorf("results = %+v, want %v", got, tt.wantResult)
			}
			for k, code := range tt.wantResult {
				if got[k].Status != code {
					t.Errorf("result of %s = %s %q, want %s", k, got[k].Status, got[k].Message, code)
				}
			}
			for _, n := range tt.wantLive {
				if w.liveObj(t, gvkConfigMap, "guestbook", n) == nil {
					t.Errorf("ConfigMap %s is not in the cluster", n)
				}
			}
			for _, n := range tt.wantGone {
				if w.liveObj(t, gvkConfigMap, "guestbook", n) != nil {
					t.Errorf("ConfigMap %s is in the cluster", n)
				}
			}
			if tt.wantCond != "" {
				if _, ok := run.conditions[tt.wantCond]; !ok {
					t.Errorf("condition %s not set: %v", tt.wantCond, run.conditions)
				}
			}
			if tt.wantPhase == appv1.OperationSucceeded {
				if len(run.app.Status.History) != 1 || run.app.Status.History[0].Revision != "c1" {
					t.Errorf("history = %+v, want one deployment of c1", run.app.Status.History)
				}
				if !run.app.Status.OperationState.Operation.InitiatedBy.Automated {
					t.Error("the operation is not marked automated")
				}
			}
		})
	}
}

// TestSyncWaves: a later wave waits until the earlier one is healthy; the
// operation stays Running and goes on at a later reconcile.
func TestSyncWaves(t *testing.T) {
	deploy := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{"replicas": int64(1), "template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "web", "image": "nginx:1.27"}}}}},
	}}
	deploy.SetGroupVersionKind(gvkDeployment)
	deploy.SetName("web")
	deploy.SetAnnotations(map[string]string{"argocd.argoproj.io/sync-wave": "-1"})
	app := guestbook(automated(true, false, false))
	w := newWorld(t, app, defaultProject())
	w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "after", "1", nil), deploy, configMap("", "first", "-1", nil)}
	run := w.newTestRun(t, app)
	run.execute(context.Background())

	st := run.app.Status.OperationState
	if st == nil || st.Phase != appv1.OperationRunning || !strings.Contains(st.Message, "wave -1") {
		t.Fatalf("operation state = %+v, want Running, waiting for wave -1", st)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "first") == nil || w.liveObj(t, gvkDeployment, "guestbook", "web") == nil {
		t.Error("wave -1 is not applied")
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "after") != nil {
		t.Error("wave 1 was applied before wave -1 became healthy")
	}
	if run.app.Operation == nil || run.retryIn != waveWait {
		t.Errorf("operation %v, retry in %s: want it kept, looked at again in %s", run.app.Operation, run.retryIn, waveWait)
	}
	if run.isQuiet() {
		t.Error("a reconcile waiting for a wave is quiet")
	}
}

// TestSyncForbiddenByProject: when the project forbids one object, nothing
// is applied or pruned.
func TestSyncForbiddenByProject(t *testing.T) {
	proj := defaultProject()
	proj.Spec.ClusterResourceWhitelist = nil
	role := &unstructured.Unstructured{}
	role.SetGroupVersionKind(gvkClusterRole)
	role.SetName("reader")
	app := guestbook(func(a *appv1.Application) {
		a.Operation = &appv1.Operation{Sync: &appv1.SyncOperation{Prune: true}, InitiatedBy: appv1.OperationInitiator{Username: "alice"}}
	})
	w := newWorld(t, app, proj)
	w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "a", "", nil), role}
	w.seedLive(t, "guestbook", configMap("guestbook", "old", "", nil))
	run := w.newTestRun(t, app)
	run.execute(context.Background())

	st := run.app.Status.OperationState
	if st == nil || st.Phase != appv1.OperationFailed {
		t.Fatalf("operation state = %+v, want Failed", st)
	}
	if r := resultsByName(st)["ClusterRole/reader"]; r.Status != appv1.ResultCodeSyncFailed || !strings.Contains(r.Message, "not permitted") {
		t.Errorf("result of the ClusterRole = %+v, want SyncFailed, not permitted", r)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil || w.liveObj(t, gvkConfigMap, "guestbook", "old") == nil {
		t.Error("a sync the project forbids applied or pruned something")
	}
	if run.app.Operation != nil {
		t.Error("a failed manual operation without retry is kept")
	}
	if _, ok := run.conditions[appv1.ApplicationConditionSyncError]; !ok {
		t.Error("no SyncError condition")
	}
}

func TestShouldAutoSync(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	src := appv1.ApplicationSource{RepoURL: "https://git.example/guestbook.git", TargetRevision: "main", Path: "guestbook"}
	last := func(phase appv1.OperationPhase, commit string, finishedAgo time.Duration) *appv1.OperationState {
		fin := metav1.NewTime(now.Add(-finishedAgo))
		return &appv1.OperationState{Phase: phase, Message: "boom", FinishedAt: &fin,
			SyncResult: &appv1.SyncOperationResult{Revision: commit, Source: src}}
	}
	tests := []struct {
		name       string
		mod        func(*appv1.Application)
		status     appv1.SyncStatusCode
		last       *appv1.OperationState
		empty      bool
		want       bool
		wantReason string
		wantRetry  bool
	}{
		{name: "manual", mod: func(*appv1.Application) {}, status: appv1.SyncStatusCodeOutOfSync},
		{name: "disabled", mod: func(a *appv1.Application) {
			f := false
			automated(false, false, false)(a)
			a.Spec.SyncPolicy.Automated.Enabled = &f
		}, status: appv1.SyncStatusCodeOutOfSync},
		{name: "synced", mod: automated(false, false, false), status: appv1.SyncStatusCodeSynced},
		{name: "out of sync, never synced", mod: automated(false, false, false), status: appv1.SyncStatusCodeOutOfSync, want: true},
		{name: "a new commit", mod: automated(false, false, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationSucceeded, "c0", time.Hour), want: true},
		{name: "a new commit after a failure", mod: automated(false, false, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationFailed, "c0", time.Hour), want: true},
		{name: "same commit failed before", mod: automated(false, true, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationFailed, "c1", time.Hour), wantReason: "failed before and is not retried: boom"},
		{name: "drift without selfHeal", mod: automated(false, false, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationSucceeded, "c1", time.Hour)},
		{name: "drift with selfHeal", mod: automated(false, true, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationSucceeded, "c1", time.Hour), want: true},
		{name: "drift right after a sync waits for the self-heal timeout", mod: automated(false, true, false), status: appv1.SyncStatusCodeOutOfSync, last: last(appv1.OperationSucceeded, "c1", time.Second), wantRetry: true},
		{name: "empty render with prune", mod: automated(true, false, false), status: appv1.SyncStatusCodeOutOfSync, empty: true, wantReason: "allowEmpty"},
		{name: "empty render with allowEmpty", mod: automated(true, false, true), status: appv1.SyncStatusCodeOutOfSync, empty: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{Options: Options{Namespace: "argocd", SelfHealTimeout: 5 * time.Second}, now: func() time.Time { return now }}
			r.Init(nil)
			app := guestbook(tt.mod)
			app.Status.Sync.Status = tt.status
			app.Status.OperationState = tt.last
			run := newRun(r, app, &unstructured.Unstructured{})
			run.use(src, "c1")
			run.prune = []*unstructured.Unstructured{configMap("guestbook", "old", "", nil)}
			if !tt.empty {
				run.desired = []*unstructured.Unstructured{configMap("guestbook", "a", "", nil)}
			}
			got, reason := run.shouldAutoSync()
			if got != tt.want {
				t.Errorf("shouldAutoSync = %v (%q), want %v", got, reason, tt.want)
			}
			if tt.wantReason == "" && reason != "" || !strings.Contains(reason, tt.wantReason) {
				t.Errorf("reason = %q, want %q", reason, tt.wantReason)
			}
			if (run.retryIn > 0) != tt.wantRetry {
				t.Errorf("retryIn = %s, want a wait: %v", run.retryIn, tt.wantRetry)
			}
		})
	}
}
