package applicationset

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

// newFakeClient is a fake client that knows Tether's kinds and the core
// ones, with the ApplicationSet status as a subresource.
func newFakeClient(t *testing.T, objs ...client.Object) client.WithWatch {
	t.Helper()
	return newFakeBuilder(t, objs...).Build()
}

func newFakeBuilder(t *testing.T, objs ...client.Object) *fake.ClientBuilder {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := appv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).WithStatusSubresource(&appv1.ApplicationSet{})
}

// newSet is an ApplicationSet with spec (nil: a list generator of one
// element).
func newSet(name, ns string, spec map[string]any) *unstructured.Unstructured {
	if spec == nil {
		spec = map[string]any{
			"generators": []any{map[string]any{"list": map[string]any{"elements": []any{map[string]any{"name": "one"}}}}},
			"template": map[string]any{
				"metadata": map[string]any{"name": "{{name}}"},
				"spec": map[string]any{"project": "default",
					"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "{{name}}"}},
			},
		}
	}
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(appSetGVK)
	u.SetName(name)
	u.SetNamespace(ns)
	u.SetUID(types.UID("uid-" + name))
	return u
}

func cond(t appv1.ApplicationSetConditionType, status appv1.ApplicationSetConditionStatus, reason, msg string, at *metav1.Time) appv1.ApplicationSetCondition {
	return appv1.ApplicationSetCondition{Type: t, Status: status, Reason: reason, Message: msg, LastTransitionTime: at}
}

func TestConditions(t *testing.T) {
	old := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	const (
		errT  = appv1.ApplicationSetConditionErrorOccurred
		genT  = appv1.ApplicationSetConditionParametersGenerated
		upT   = appv1.ApplicationSetConditionResourcesUpToDate
		other = appv1.ApplicationSetConditionType("RolloutProgressing")
		yes   = appv1.ApplicationSetConditionStatusTrue
		no    = appv1.ApplicationSetConditionStatusFalse
	)
	prev := []appv1.ApplicationSetCondition{
		cond(upT, yes, "R", "m", &old),
		cond(errT, no, "R", "m", &old),
		cond(genT, yes, "R", "m", &old),
		cond(other, yes, "X", "set by another tool", &old),
	}
	for _, tc := range []struct {
		name string
		next []appv1.ApplicationSetCondition
		// kept are the types whose transition time stays old.
		kept []appv1.ApplicationSetConditionType
	}{
		{"unchanged", []appv1.ApplicationSetCondition{cond(errT, no, "R", "m", nil), cond(upT, yes, "R", "m", nil)},
			[]appv1.ApplicationSetConditionType{errT, upT, genT, other}},
		{"status changed", []appv1.ApplicationSetCondition{cond(errT, yes, "R", "m", nil)},
			[]appv1.ApplicationSetConditionType{upT, genT, other}},
		{"reason changed", []appv1.ApplicationSetCondition{cond(errT, no, "Other", "m", nil)},
			[]appv1.ApplicationSetConditionType{upT, genT, other}},
		{"message changed", []appv1.ApplicationSetCondition{cond(genT, yes, "R", "new", nil)},
			[]appv1.ApplicationSetConditionType{errT, upT, other}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := conditions(prev, tc.next)
			var types []appv1.ApplicationSetConditionType
			for _, c := range got {
				types = append(types, c.Type)
				kept := false
				for _, k := range tc.kept {
					kept = kept || k == c.Type
				}
				if c.LastTransitionTime == nil {
					t.Fatalf("condition %s has no transition time", c.Type)
				}
				if kept != c.LastTransitionTime.Equal(&old) {
					t.Errorf("condition %s: transition time %v, kept %v", c.Type, c.LastTransitionTime, kept)
				}
			}
			// Sorted by type, others kept.
			want := []appv1.ApplicationSetConditionType{errT, genT, upT, other}
			if strings.Join(toStrings(types), ",") != strings.Join(toStrings(want), ",") {
				t.Errorf("types %v, want %v", types, want)
			}
		})
	}
	if got := conditions(nil, []appv1.ApplicationSetCondition{cond(errT, no, "R", "m", nil)}); len(got) != 1 || got[0].LastTransitionTime == nil {
		t.Errorf("first condition %v: want one with a transition time", got)
	}
}

func toStrings(ts []appv1.ApplicationSetConditionType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

func TestSetConditions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		failures  []failure
		errStatus appv1.ApplicationSetConditionStatus
		upStatus  appv1.ApplicationSetConditionStatus
		reason    string
		message   string
	}{
		{name: "success", errStatus: "False", upStatus: "True", reason: appv1.ApplicationSetReasonApplicationSetUpToDate,
			message: "All applications have been generated successfully"},
		{name: "one failure", failures: []failure{{reason: appv1.ApplicationSetReasonCreateApplicationError, err: errors.New("apply a: denied")}},
			errStatus: "True", upStatus: "False", reason: appv1.ApplicationSetReasonCreateApplicationError, message: "apply a: denied"},
		{name: "two failures", failures: []failure{
			{reason: appv1.ApplicationSetReasonDeleteApplicationError, err: errors.New("delete b: gone")},
			{reason: appv1.ApplicationSetReasonApplicationValidationError, err: errors.New("application c: taken")}},
			errStatus: "True", upStatus: "False", reason: appv1.ApplicationSetReasonDeleteApplicationError,
			message: "delete b: gone; application c: taken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &run{failures: tc.failures}
			run.setConditions()
			c := run.status.Conditions
			if len(c) != 3 {
				t.Fatalf("conditions %v, want three", c)
			}
			e := findCondition(c, appv1.ApplicationSetConditionErrorOccurred)
			g := findCondition(c, appv1.ApplicationSetConditionParametersGenerated)
			u := findCondition(c, appv1.ApplicationSetConditionResourcesUpToDate)
			if e.Status != tc.errStatus || u.Status != tc.upStatus || g.Status != "True" {
				t.Errorf("statuses error %s, generated %s, up to date %s", e.Status, g.Status, u.Status)
			}
			if u.Reason != tc.reason || u.Message != tc.message {
				t.Errorf("ResourcesUpToDate %s %q, want %s %q", u.Reason, u.Message, tc.reason, tc.message)
			}
			if (run.transient != nil) != (len(tc.failures) > 0) {
				t.Errorf("transient error %v with %d failures", run.transient, len(tc.failures))
			}
			if run.transient != nil && strings.ReplaceAll(run.transient.Error(), "\n", "; ") != tc.message {
				t.Errorf("transient error %q, want %q", run.transient, tc.message)
			}
		})
	}
}

// liveApp is an Application with sync and health status (empty: unset).
func liveApp(name, sync, health, msg string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(appv1.GroupVersion.WithKind("Application"))
	u.SetName(name)
	u.SetNamespace("argocd")
	if sync != "" {
		_ = unstructured.SetNestedField(u.Object, sync, "status", "sync", "status")
	}
	if health != "" {
		_ = unstructured.SetNestedField(u.Object, health, "status", "health", "status")
		_ = unstructured.SetNestedField(u.Object, msg, "status", "health", "message")
	}
	return u
}

func TestResources(t *testing.T) {
	a, b := liveApp("a", "Synced", "Healthy", ""), liveApp("b", "OutOfSync", "Degraded", "crash")
	run := &run{changes: []appset.Change{
		{Action: appset.ActionNone, Name: "a", Desired: a, Live: a},
		{Action: appset.ActionUpdate, Name: "b", Desired: b, Live: b},
		{Action: appset.ActionCreate, Name: "c", Desired: liveApp("c", "", "", "")}, // creation failed: no Live
		{Action: appset.ActionDelete, Name: "d", Live: liveApp("d", "Synced", "Healthy", "")},
		{Action: appset.ActionConflict, Name: "e", Desired: liveApp("e", "", "", ""), Live: liveApp("e", "Synced", "", "")},
		{Action: appset.ActionKeep, Name: "f", Live: liveApp("f", "", "", "")}, // kept, not generated
		{Action: appset.ActionCreate, Name: "g", Desired: liveApp("g", "", "", ""), Live: liveApp("g", "", "", "")},
	}}
	if !run.resources(context.Background()) {
		t.Fatal("resources stops the pipeline")
	}
	got := run.status.Resources
	if len(got) != 3 || got[0].Name != "a" || got[1].Name != "b" || got[2].Name != "g" {
		t.Fatalf("resources %+v, want a, b and g", got)
	}
	if got[1].Status != appv1.SyncStatusCode("OutOfSync") || got[1].Health == nil || got[1].Health.Status != "Degraded" || got[1].Health.Message != "crash" {
		t.Errorf("resource b %+v", got[1])
	}
	if got[0].Kind != "Application" || got[0].Group != appv1.Group || got[0].Version != appv1.Version || got[0].Namespace != "argocd" {
		t.Errorf("resource a %+v", got[0])
	}
	if got[2].Status != "" || got[2].Health != nil {
		t.Errorf("new resource g has status %q and health %v, want none", got[2].Status, got[2].Health)
	}
}

func TestWriteStatus(t *testing.T) {
	set := newSet("s", "argocd", nil)
	var patches int
	c := newFakeBuilder(t, set).WithInterceptorFuncs(interceptor.Funcs{
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			patches++
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
	}).Build()
	r := &Reconciler{Client: c}
	ctx := context.Background()

	unchanged := &run{r: r, set: set}
	if err := r.writeStatus(ctx, unchanged); err != nil || patches != 0 {
		t.Fatalf("unchanged status: %d patches, %v", patches, err)
	}

	changed := &run{r: r, set: set}
	changed.setConditions()
	if err := r.writeStatus(ctx, changed); err != nil || patches != 1 {
		t.Fatalf("changed status: %d patches, %v", patches, err)
	}
	stored := &appv1.ApplicationSet{}
	if err := c.Get(ctx, client.ObjectKeyFromObject(set), stored); err != nil {
		t.Fatal(err)
	}
	if len(stored.Status.Conditions) != 3 {
		t.Errorf("stored conditions %v", stored.Status.Conditions)
	}

	gone := &run{r: r, set: newSet("gone", "argocd", nil)}
	gone.setConditions()
	if err := r.writeStatus(ctx, gone); err != nil {
		t.Errorf("status of a deleted applicationset: %v", err)
	}
}
