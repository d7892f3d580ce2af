package application

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func manualSync(sop appv1.SyncOperation, retry appv1.RetryStrategy) func(*appv1.Application) {
	return func(a *appv1.Application) {
		a.Operation = &appv1.Operation{Sync: &sop, InitiatedBy: appv1.OperationInitiator{Username: "alice"}, Retry: retry}
	}
}

// failApplyOf makes every apply of the object name fail.
func failApplyOf(w *world, name string) {
	w.dyn.PrependReactor("patch", "*", func(action k8stesting.Action) (bool, runtime.Object, error) {
		if action.(k8stesting.PatchActionImpl).GetName() == name {
			return true, nil, errors.New("admission webhook denied it")
		}
		return false, nil, nil
	})
}

// TestManualOperation: what a manual operation applies, records and keeps.
func TestManualOperation(t *testing.T) {
	limit := int64(1)
	tests := []struct {
		name        string
		mod         func(*appv1.Application)
		failApply   string
		wantPhase   appv1.OperationPhase
		wantApplied []string
		wantMissing []string
		wantOpKept  bool
		wantMsg     string
		wantHistory int
		wantNS      map[string]string // labels of the created namespace; nil: none
	}{
		{
			name:        "all resources",
			mod:         manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{}),
			wantPhase:   appv1.OperationSucceeded,
			wantApplied: []string{"a", "b", "later"},
			wantHistory: 1,
		},
		{
			name: "selected resources only",
			mod: manualSync(appv1.SyncOperation{Resources: []appv1.SyncOperationResource{
				{Kind: "ConfigMap", Name: "b", Namespace: "guestbook"}, {Kind: "ConfigMap", Name: "a", Namespace: "elsewhere"},
			}}, appv1.RetryStrategy{}),
			wantPhase:   appv1.OperationSucceeded,
			wantApplied: []string{"b"},
			wantMissing: []string{"a", "later"},
			wantHistory: 1,
		},
		{
			name:        "dry run applies nothing and records no history",
			mod:         manualSync(appv1.SyncOperation{DryRun: true}, appv1.RetryStrategy{}),
			wantPhase:   appv1.OperationSucceeded,
			wantMissing: []string{"a", "b", "later"},
		},
		{
			name:        "a failed apply stops before the next wave and is not retried without a strategy",
			mod:         manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{}),
			failApply:   "a",
			wantPhase:   appv1.OperationFailed,
			wantApplied: []string{"b"}, // same wave as a
			wantMissing: []string{"later"},
			wantMsg:     "admission webhook denied it",
		},
		{
			name:        "a failed apply is retried as its strategy says",
			mod:         manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{Limit: limit}),
			failApply:   "a",
			wantPhase:   appv1.OperationRunning,
			wantApplied: []string{"b"},
			wantMissing: []string{"later"},
			wantOpKept:  true,
			wantMsg:     "Retrying attempt #1",
		},
		{
			name: "CreateNamespace creates the destination namespace with its metadata",
			mod: func(a *appv1.Application) {
				manualSync(appv1.SyncOperation{SyncOptions: appv1.SyncOptions{"CreateNamespace=true"}}, appv1.RetryStrategy{})(a)
				a.Spec.SyncPolicy = &appv1.SyncPolicy{ManagedNamespaceMetadata: &appv1.ManagedNamespaceMetadata{Labels: map[string]string{"team": "web"}}}
			},
			wantPhase:   appv1.OperationSucceeded,
			wantApplied: []string{"a", "b", "later"},
			wantHistory: 1,
			wantNS:      map[string]string{"team": "web"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := guestbook(tt.mod)
			w := newWorld(t, app, defaultProject())
			w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "later", "1", nil), configMap("", "a", "", nil), configMap("", "b", "", nil)}
			if tt.failApply != "" {
				failApplyOf(w, tt.failApply)
			}
			run := w.newTestRun(t, app)
			run.execute(context.Background())

			st := run.app.Status.OperationState
			if st == nil || st.Phase != tt.wantPhase {
				t.Fatalf("operation state = %+v, want phase %s", st, tt.wantPhase)
			}
			if !strings.Contains(st.Message, tt.wantMsg) {
				t.Errorf("message = %q, want it to say %q", st.Message, tt.wantMsg)
			}
			if st.SyncResult.Revision != "c1" || st.FinishedAt == nil {
				t.Errorf("sync result at %q, finished %v: want c1 and a finish time", st.SyncResult.Revision, st.FinishedAt)
			}
			for _, n := range tt.wantApplied {
				if w.liveObj(t, gvkConfigMap, "guestbook", n) == nil {
					t.Errorf("ConfigMap %s not applied", n)
				}
			}
			for _, n := range tt.wantMissing {
				if w.liveObj(t, gvkConfigMap, "guestbook", n) != nil {
					t.Errorf("ConfigMap %s applied", n)
				}
			}
			if kept := run.app.Operation != nil; kept != tt.wantOpKept {
				t.Errorf("operation kept = %v, want %v", kept, tt.wantOpKept)
			}
			if tt.wantOpKept && run.retryIn <= 0 {
				t.Error("a retrying operation asks for no earlier reconcile")
			}
			if len(run.app.Status.History) != tt.wantHistory {
				t.Errorf("history has %d entries, want %d", len(run.app.Status.History), tt.wantHistory)
			}
			ns := w.liveObj(t, gvkNamespace, "", "guestbook")
			if (ns != nil) != (tt.wantNS != nil) {
				t.Fatalf("namespace created = %v, want %v", ns != nil, tt.wantNS != nil)
			}
			if ns != nil && ns.GetLabels()["team"] != tt.wantNS["team"] {
				t.Errorf("namespace labels = %v, want %v", ns.GetLabels(), tt.wantNS)
			}
		})
	}
}

// TestOperationAtRevision: an operation at another revision applies that
// commit's objects and records it.
func TestOperationAtRevision(t *testing.T) {
	app := guestbook(manualSync(appv1.SyncOperation{Revision: "v1"}, appv1.RetryStrategy{}))
	w := newWorld(t, app, defaultProject())
	w.repo.commits["v1"] = "c0"
	w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "new", "", nil)}
	w.repo.objects["c0"] = []*unstructured.Unstructured{configMap("", "old", "", nil)}
	run := w.newTestRun(t, app)
	run.execute(context.Background())

	st := run.app.Status.OperationState
	if st == nil || st.Phase != appv1.OperationSucceeded || st.SyncResult.Revision != "c0" {
		t.Fatalf("operation state = %+v, want Succeeded at c0", st)
	}
	if w.liveObj(t, gvkConfigMap, "guestbook", "old") == nil || w.liveObj(t, gvkConfigMap, "guestbook", "new") != nil {
		t.Error("the operation did not apply the objects of its revision only")
	}
	if h := run.app.Status.History; len(h) != 1 || h[0].Revision != "c0" {
		t.Errorf("history = %+v, want c0", h)
	}
}

// TestOperationStops: an operation the reconcile cannot get to ends in
// Error with what stopped it; one asked to terminate ends Failed.
func TestOperationStops(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC))
	tests := []struct {
		name      string
		mod       func(*appv1.Application)
		wantPhase appv1.OperationPhase
		wantMsg   string
	}{
		{
			name: "invalid spec",
			mod: func(a *appv1.Application) {
				manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{})(a)
				a.Spec.Destination.Server = "https://prod.example"
			},
			wantPhase: appv1.OperationError,
			wantMsg:   "InvalidSpecError: spec.destination.server",
		},
		{
			name: "terminate",
			mod: func(a *appv1.Application) {
				manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{})(a)
				a.Status.OperationState = &appv1.OperationState{Operation: *a.Operation, Phase: appv1.OperationTerminating, StartedAt: started}
			},
			wantPhase: appv1.OperationFailed,
			wantMsg:   "Operation terminated",
		},
		{
			name: "terminate while the spec is invalid",
			mod: func(a *appv1.Application) {
				manualSync(appv1.SyncOperation{}, appv1.RetryStrategy{})(a)
				a.Spec.Destination.Server = "https://prod.example"
				a.Status.OperationState = &appv1.OperationState{Operation: *a.Operation, Phase: appv1.OperationTerminating, StartedAt: started}
			},
			wantPhase: appv1.OperationFailed,
			wantMsg:   "Operation terminated",
		},
		{
			name: "the operation it continued was removed",
			mod: func(a *appv1.Application) {
				op := appv1.Operation{Sync: &appv1.SyncOperation{}}
				a.Status.OperationState = &appv1.OperationState{Operation: op, Phase: appv1.OperationRunning, StartedAt: started}
			},
			wantPhase: appv1.OperationFailed,
			wantMsg:   "Operation terminated",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := guestbook(tt.mod)
			w := newWorld(t, app, defaultProject())
			w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "a", "", nil)}
			run := w.newTestRun(t, app)
			run.execute(context.Background())
			st := run.app.Status.OperationState
			if st == nil || st.Phase != tt.wantPhase || !strings.Contains(st.Message, tt.wantMsg) {
				t.Fatalf("operation state = %+v, want %s: %q", st, tt.wantPhase, tt.wantMsg)
			}
			if run.app.Operation != nil {
				t.Error("the operation is kept")
			}
			if w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil {
				t.Error("an operation that stopped applied something")
			}
		})
	}
}

// TestRetryWaits: an operation waiting for its retry applies nothing until
// the wait is over.
func TestRetryWaits(t *testing.T) {
	op := appv1.Operation{Sync: &appv1.SyncOperation{}, Retry: appv1.RetryStrategy{Limit: 3}}
	tests := []struct {
		name        string
		finishedAgo time.Duration
		wantApplied bool
	}{
		{name: "not due", finishedAgo: time.Second},
		{name: "due", finishedAgo: time.Hour, wantApplied: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fin := metav1.NewTime(time.Now().Add(-tt.finishedAgo))
			app := guestbook(func(a *appv1.Application) {
				a.Operation = op.DeepCopy()
				a.Status.OperationState = &appv1.OperationState{Operation: op, Phase: appv1.OperationRunning, RetryCount: 1, FinishedAt: &fin}
			})
			w := newWorld(t, app, defaultProject())
			w.repo.objects["c1"] = []*unstructured.Unstructured{configMap("", "a", "", nil)}
			run := w.newTestRun(t, app)
			run.execute(context.Background())
			if applied := w.liveObj(t, gvkConfigMap, "guestbook", "a") != nil; applied != tt.wantApplied {
				t.Errorf("applied = %v, want %v", applied, tt.wantApplied)
			}
			if !tt.wantApplied && (run.retryIn <= 0 || run.app.Operation == nil) {
				t.Errorf("waiting retry: retryIn %s, operation %v; want a wait and the operation kept", run.retryIn, run.app.Operation)
			}
			if tt.wantApplied && run.app.Status.OperationState.Phase != appv1.OperationSucceeded {
				t.Errorf("phase = %s, want Succeeded", run.app.Status.OperationState.Phase)
			}
		})
	}
}

func TestRecordHistoryLimit(t *testing.T) {
	two := int64(2)
	app := guestbook(func(a *appv1.Application) { a.Spec.RevisionHistoryLimit = &two })
	run := newRun(&Reconciler{}, app, &unstructured.Unstructured{})
	fin := metav1.Now()
	for i, c := range []string{"c1", "c2", "c3"} {
		run.commit, run.revisions = c, []string{c}
		run.recordHistory(&appv1.OperationState{FinishedAt: &fin})
		if got := run.app.Status.History[len(run.app.Status.History)-1].ID; got != int64(i) {
			t.Errorf("id of deployment %d = %d", i, got)
		}
	}
	h := run.app.Status.History
	if len(h) != 2 || h[0].Revision != "c2" || h[1].Revision != "c3" {
		t.Errorf("history = %+v, want the last two deployments", h)
	}
}
