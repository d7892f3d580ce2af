package application

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/events"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func drainEvents(rec *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// TestSelfHeal: drift of a synced commit is healed when selfHeal is on;
// drift that keeps coming back becomes a SelfHealConflict naming the
// field and the other field manager.
func TestSelfHeal(t *testing.T) {
	tests := []struct {
		name         string
		selfHeal     bool
		earlierHeals int
		wantHealed   bool
		wantConflict bool
	}{
		{name: "without selfHeal drift stays", selfHeal: false},
		{name: "first drift is healed", selfHeal: true, wantHealed: true},
		{name: "the third heal in a row is a conflict", selfHeal: true, earlierHeals: 2, wantHealed: true, wantConflict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			desired := configMap("", "a", "", map[string]any{"k": "v"})
			drifted := configMap("guestbook", "a", "", map[string]any{"k": "changed"})
			drifted.SetManagedFields([]metav1.ManagedFieldsEntry{{
				Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate, FieldsType: "FieldsV1",
				FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:data":{"f:k":{}}}`)},
			}})
			app := guestbook(automated(false, tt.selfHeal, false))
			w := newWorld(t, app, defaultProject())
			src := *app.Spec.Source
			fin := metav1.NewTime(w.now.Add(-time.Hour))
			app.Status.OperationState = &appv1.OperationState{Phase: appv1.OperationSucceeded, FinishedAt: &fin,
				SyncResult: &appv1.SyncOperationResult{Revision: "c1", Source: src}}
			for i := range tt.earlierHeals {
				w.r.heals.healed("guestbook", w.now.Add(time.Duration(i-tt.earlierHeals)*10*time.Second), "")
			}
			rec := events.NewFakeRecorder(10)
			w.r.Recorder = rec
			w.repo.objects["c1"] = []*unstructured.Unstructured{desired}
			w.seedLive(t, "guestbook", drifted)
			run := w.newTestRun(t, app)
			run.execute(context.Background())

			data, _, _ := unstructured.NestedString(w.liveObj(t, gvkConfigMap, "guestbook", "a").Object, "data", "k")
			if healed := data == "v"; healed != tt.wantHealed {
				t.Errorf("healed = %v (data.k %q), want %v", healed, data, tt.wantHealed)
			}
			evs := strings.Join(drainEvents(rec), "\n")
			if tt.wantHealed && !strings.Contains(evs, "DriftReverted Reverted drift of ConfigMap a") {
				t.Errorf("events:\n%s\nwant DriftReverted naming the ConfigMap", evs)
			}
			msg, conflict := run.conditions[appv1.ApplicationConditionSelfHealConflict]
			if conflict != tt.wantConflict {
				t.Fatalf("SelfHealConflict = %v (%q), want %v", conflict, msg, tt.wantConflict)
			}
			if conflict {
				for _, s := range []string{"3 times in a row", "ConfigMap guestbook/a field(s) data.k", `field manager "kubectl-edit"`} {
					if !strings.Contains(msg, s) {
						t.Errorf("SelfHealConflict %q does not say %q", msg, s)
					}
				}
				if !strings.Contains(evs, "Warning SelfHealConflict") {
					t.Errorf("events:\n%s\nwant a SelfHealConflict warning", evs)
				}
				if run.isQuiet() {
					t.Error("a self-heal conflict, which expires with time, is quiet")
				}
			}
		})
	}
}
