package applicationset

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// drain returns the events recorded so far.
func drain(rec *events.FakeRecorder) []string {
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

func TestNewRun(t *testing.T) {
	set := newSet("s", "argocd", nil)
	set.Object["status"] = map[string]any{"conditions": []any{map[string]any{"type": "ErrorOccurred", "status": "False"}}}
	run, err := newRun(&Reconciler{}, set)
	if err != nil {
		t.Fatal(err)
	}
	if run.refresh || len(run.orig.Conditions) != 1 || len(run.status.Conditions) != 1 {
		t.Errorf("run: refresh %v, status %+v", run.refresh, run.orig)
	}
	run.status.Conditions[0].Status = "True"
	if run.orig.Conditions[0].Status != "False" {
		t.Error("the status the steps write shares memory with the status as read")
	}

	set.SetAnnotations(map[string]string{appv1.AnnotationKeyApplicationSetRefresh: "true"})
	if run, err := newRun(&Reconciler{}, set); err != nil || !run.refresh {
		t.Errorf("refresh annotation: refresh %v, %v", run != nil && run.refresh, err)
	}

	set.Object["status"] = map[string]any{"conditions": "not a list"}
	if _, err := newRun(&Reconciler{}, set); err == nil || !strings.Contains(err.Error(), "decode applicationset s") {
		t.Errorf("undecodable status: %v", err)
	}
}

func TestGenerateFailure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spec   map[string]any
		reason string
		in     string
	}{
		{"no generators", map[string]any{"template": map[string]any{}}, appv1.ApplicationSetReasonErrorOccurred, "spec.generators is empty"},
		{"unsupported generator", map[string]any{"generators": []any{map[string]any{"plugin": map[string]any{}}}},
			appv1.ApplicationSetReasonApplicationParamsGenerationError, "not supported"},
		{"clusters without secrets", map[string]any{"generators": []any{map[string]any{"clusters": map[string]any{}}}},
			appv1.ApplicationSetReasonApplicationParamsGenerationError, "list cluster secrets: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := events.NewFakeRecorder(10)
			r := &Reconciler{Client: failingLister{newFakeClient(t)}, Recorder: rec}
			r.Init()
			run, err := newRun(r, newSet("s", "argocd", tc.spec))
			if err != nil {
				t.Fatal(err)
			}
			run.execute(context.Background())
			if run.generateErr == nil || !strings.Contains(run.generateErr.Error(), tc.in) {
				t.Fatalf("generation error %v, want one containing %q", run.generateErr, tc.in)
			}
			if run.live != nil || run.changes != nil {
				t.Error("the pipeline went on after a failed generation")
			}
			for _, ct := range []appv1.ApplicationSetConditionType{appv1.ApplicationSetConditionErrorOccurred,
				appv1.ApplicationSetConditionParametersGenerated, appv1.ApplicationSetConditionResourcesUpToDate} {
				c := findCondition(run.status.Conditions, ct)
				if c == nil || c.Reason != tc.reason || !strings.Contains(c.Message, "no Application was created, changed or deleted") {
					t.Errorf("condition %s: %+v, want reason %s", ct, c, tc.reason)
				}
			}
			if ev := drain(rec); len(ev) != 1 || !strings.Contains(ev[0], "Warning "+tc.reason) {
				t.Errorf("events %v, want one warning", ev)
			}
			if d := run.requeueAfter(); d != 30*time.Second {
				t.Errorf("requeue after %v, want the retry delay", d)
			}

			// The same failure again raises no second event.
			again, _ := newRun(r, newSet("s", "argocd", tc.spec))
			again.orig, again.status = run.status, run.status
			again.execute(context.Background())
			if ev := drain(rec); len(ev) != 0 {
				t.Errorf("events %v for a failure already reported", ev)
			}
		})
	}
}

// failingLister fails to list Secrets.
type failingLister struct{ client.Client }

func (f failingLister) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if _, ok := list.(*unstructured.UnstructuredList); !ok {
		return errors.New("boom")
	}
	return f.Client.List(ctx, list, opts...)
}

func TestRequeueAfter(t *testing.T) {
	git := func(seconds any) map[string]any {
		g := map[string]any{"repoURL": "https://example.com/r.git", "revision": "main"}
		if seconds != nil {
			g["requeueAfterSeconds"] = seconds
		}
		return map[string]any{"generators": []any{map[string]any{"git": g}}}
	}
	for _, tc := range []struct {
		name   string
		spec   map[string]any
		retry  time.Duration
		failed bool
		want   time.Duration
	}{
		{"list", nil, time.Minute, false, appset.DefaultRequeueAfter},
		{"git interval", git(int64(20)), time.Minute, false, 20 * time.Second},
		{"failed, retry sooner", git(nil), time.Minute, true, time.Minute},
		{"failed, interval sooner", git(int64(20)), time.Minute, true, 20 * time.Second},
		{"succeeded, retry ignored", git(nil), time.Second, false, appset.DefaultRequeueAfter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := &run{r: &Reconciler{Options: Options{RetryAfter: tc.retry}}, set: newSet("s", "argocd", tc.spec)}
			if tc.failed {
				run.generateErr = errors.New("failed")
			}
			if got := run.requeueAfter(); got != tc.want {
				t.Errorf("requeue after %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInit(t *testing.T) {
	r := &Reconciler{}
	r.Init()
	if r.RetryAfter != 30*time.Second {
		t.Errorf("default retry %v", r.RetryAfter)
	}
	r = &Reconciler{Options: Options{RetryAfter: time.Second}}
	r.Init()
	if r.RetryAfter != time.Second {
		t.Errorf("retry %v, want the one set", r.RetryAfter)
	}
}

func TestListLive(t *testing.T) {
	here, there := liveApp("a", "", "", ""), liveApp("b", "", "", "")
	there.SetNamespace("other")
	r := &Reconciler{Client: newFakeClient(t, here, there)}
	ok := &run{r: r, set: newSet("s", "argocd", nil)}
	if !ok.listLive(context.Background()) {
		t.Fatalf("listLive stopped: %v", ok.transient)
	}
	if len(ok.live) != 1 || ok.live[0].GetName() != "a" {
		t.Errorf("live applications %v, want a only", ok.live)
	}

	broken := &run{r: &Reconciler{Client: brokenList{r.Client}}, set: newSet("s", "argocd", nil)}
	if broken.listLive(context.Background()) || broken.transient == nil || !strings.Contains(broken.transient.Error(), "list applications") {
		t.Errorf("a failed list: transient %v", broken.transient)
	}
}

// brokenList fails every List.
type brokenList struct{ client.Client }

func (brokenList) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("unavailable")
}

// newApplier is an Applier on a fake dynamic client holding objs.
func newApplier(objs ...runtime.Object) (*apply.Applier, *dynamicfake.FakeDynamicClient) {
	gvr := appv1.GroupVersion.WithResource("applications")
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{gvr: "ApplicationList"}, objs...)
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(appv1.GroupVersion.WithKind("Application"), meta.RESTScopeNamespace)
	return &apply.Applier{Dynamic: dyn, Mapper: mapper, Manager: appset.FieldManager}, dyn
}

func TestApplyOne(t *testing.T) {
	owned := liveApp("old", "", "", "")
	owned.SetUID("uid-old")
	unknown := &unstructured.Unstructured{Object: map[string]any{}}
	unknown.SetGroupVersionKind(appv1.GroupVersion.WithKind("Unknown"))
	unknown.SetName("x")
	for _, tc := range []struct {
		name    string
		change  appset.Change
		reason  string // of the failure; "" for none
		event   string
		deleted bool
	}{
		{name: "unchanged", change: appset.Change{Action: appset.ActionNone, Name: "a"}},
		{name: "kept", change: appset.Change{Action: appset.ActionKeep, Name: "a", Reason: "not updated"}},
		{name: "conflict", change: appset.Change{Action: appset.ActionConflict, Name: "a", Reason: "the Application is controlled by ApplicationSet other"},
			reason: appv1.ApplicationSetReasonApplicationValidationError},
		{name: "create fails", change: appset.Change{Action: appset.ActionCreate, Name: "x", Desired: unknown},
			reason: appv1.ApplicationSetReasonCreateApplicationError, event: "Warning " + appv1.ApplicationSetReasonCreateApplicationError},
		{name: "update fails", change: appset.Change{Action: appset.ActionUpdate, Name: "x", Desired: unknown, Live: unknown},
			reason: appv1.ApplicationSetReasonUpdateApplicationError, event: "Warning " + appv1.ApplicationSetReasonUpdateApplicationError},
		{name: "delete fails", change: appset.Change{Action: appset.ActionDelete, Name: "x", Live: unknown},
			reason: appv1.ApplicationSetReasonDeleteApplicationError, event: "Warning " + appv1.ApplicationSetReasonDeleteApplicationError},
		{name: "delete", change: appset.Change{Action: appset.ActionDelete, Name: "old", Live: owned},
			event: "Normal Deleted", deleted: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			applier, dyn := newApplier(owned.DeepCopy())
			rec := events.NewFakeRecorder(10)
			run := &run{r: &Reconciler{Applier: applier, Recorder: rec}, set: newSet("s", "argocd", nil)}
			run.applyOne(context.Background(), &tc.change)
			switch {
			case tc.reason == "" && len(run.failures) != 0:
				t.Errorf("failures %v", run.failures)
			case tc.reason != "" && (len(run.failures) != 1 || run.failures[0].reason != tc.reason):
				t.Errorf("failures %v, want one with reason %s", run.failures, tc.reason)
			}
			ev := drain(rec)
			if tc.event == "" && len(ev) != 0 || tc.event != "" && (len(ev) != 1 || !strings.HasPrefix(ev[0], tc.event)) {
				t.Errorf("events %v, want %q", ev, tc.event)
			}
			_, err := dyn.Resource(appv1.GroupVersion.WithResource("applications")).Namespace("argocd").Get(context.Background(), "old", metav1.GetOptions{})
			if gone := err != nil; gone != tc.deleted {
				t.Errorf("application old deleted: %v (%v), want %v", gone, err, tc.deleted)
			}
		})
	}
}

func TestEventReason(t *testing.T) {
	for a, want := range map[appset.Action]string{appset.ActionCreate: "Created", appset.ActionDelete: "Deleted", appset.ActionUpdate: "Updated"} {
		if got := eventReason(a); got != want {
			t.Errorf("eventReason(%s) = %s, want %s", a, got, want)
		}
	}
}

func TestEventWithoutRecorder(t *testing.T) {
	run := &run{r: &Reconciler{}, set: newSet("s", "argocd", nil)}
	run.event("Normal", "Created", "create", "%s", "no recorder: no panic")
}

func TestClearRefresh(t *testing.T) {
	annotated := func() *unstructured.Unstructured {
		s := newSet("s", "argocd", nil)
		s.SetAnnotations(map[string]string{appv1.AnnotationKeyApplicationSetRefresh: "true", "keep": "me"})
		return s
	}
	for _, tc := range []struct {
		name      string
		refresh   bool
		failed    bool
		wantClear bool
	}{
		{"refreshed", true, false, true},
		{"refresh failed", true, true, false},
		{"no refresh", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := annotated()
			c := newFakeClient(t, set.DeepCopy())
			r := &Reconciler{Client: c}
			run := &run{r: r, set: set, refresh: tc.refresh}
			if tc.failed {
				run.generateErr = errors.New("failed")
			}
			if err := r.clearRefresh(context.Background(), run); err != nil {
				t.Fatal(err)
			}
			stored := &appv1.ApplicationSet{}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(set), stored); err != nil {
				t.Fatal(err)
			}
			_, has := stored.Annotations[appv1.AnnotationKeyApplicationSetRefresh]
			if has == tc.wantClear {
				t.Errorf("refresh annotation present: %v, want cleared %v", has, tc.wantClear)
			}
			if stored.Annotations["keep"] != "me" {
				t.Errorf("other annotations lost: %v", stored.Annotations)
			}
		})
	}
}

func TestClearRefreshOfDeletedSet(t *testing.T) {
	r := &Reconciler{Client: newFakeClient(t)}
	run := &run{r: r, set: newSet("gone", "argocd", nil), refresh: true}
	if err := r.clearRefresh(context.Background(), run); err != nil {
		t.Errorf("clear the refresh of a deleted applicationset: %v", err)
	}
}

func TestReconcileWithoutSet(t *testing.T) {
	r := &Reconciler{Client: newFakeClient(t)}
	r.Init()
	res, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: "argocd", Name: "gone"}})
	if err != nil || res != (ctrl.Result{}) {
		t.Errorf("reconcile of a missing applicationset: %v, %v", res, err)
	}
}

func TestReconcileDeletingSet(t *testing.T) {
	set := newSet("s", "argocd", map[string]any{})
	now := metav1.Now()
	set.SetDeletionTimestamp(&now)
	set.SetFinalizers([]string{"test"})
	c := newFakeClient(t, set)
	r := &Reconciler{Client: c}
	r.Init()
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(set)}); err != nil {
		t.Fatal(err)
	}
	stored := &appv1.ApplicationSet{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(set), stored); err != nil {
		t.Fatal(err)
	}
	if len(stored.Status.Conditions) != 0 {
		t.Errorf("a deleting applicationset got conditions %v", stored.Status.Conditions)
	}
}

func TestReconcileRecordsFailedGeneration(t *testing.T) {
	set := newSet("s", "argocd", map[string]any{"generators": []any{}})
	c := newFakeClient(t, set)
	r := &Reconciler{Client: c}
	r.Init()
	_, _ = r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(set)})
	stored := &appv1.ApplicationSet{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(set), stored); err != nil {
		t.Fatal(err)
	}
	e := findCondition(stored.Status.Conditions, appv1.ApplicationSetConditionErrorOccurred)
	if e == nil || e.Status != appv1.ApplicationSetConditionStatusTrue || !strings.Contains(e.Message, "spec.generators is empty") {
		t.Errorf("ErrorOccurred %+v", e)
	}
}

// TestExecute runs the whole pipeline on fakes: a generated Application
// whose name another ApplicationSet controls is a conflict, an owned one
// that is no longer generated is deleted, and the conditions say which
// Application failed.
func TestExecute(t *testing.T) {
	set := newSet("s", "argocd", map[string]any{
		"generators": []any{map[string]any{"list": map[string]any{"elements": []any{map[string]any{"name": "taken"}}}}},
		"template": map[string]any{
			"metadata": map[string]any{"name": "{{name}}"},
			"spec":     map[string]any{"project": "default", "destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "x"}},
		},
	})
	yes := true
	taken := liveApp("taken", "", "", "")
	taken.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: appv1.GroupVersion.String(), Kind: "ApplicationSet", Name: "other", UID: "uid-other", Controller: &yes}})
	stale := liveApp("stale", "", "", "")
	stale.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: appv1.GroupVersion.String(), Kind: "ApplicationSet", Name: "s", UID: set.GetUID(), Controller: &yes}})
	stranger := liveApp("stranger", "", "", "")
	c := newFakeClient(t, set, taken.DeepCopy(), stale.DeepCopy(), stranger.DeepCopy())
	applier, dyn := newApplier(taken.DeepCopy(), stale.DeepCopy(), stranger.DeepCopy())
	rec := events.NewFakeRecorder(10)
	r := &Reconciler{Client: c, Applier: applier, Recorder: rec}
	r.Init()
	run, err := newRun(r, set)
	if err != nil {
		t.Fatal(err)
	}
	run.execute(context.Background())

	apps := dyn.Resource(appv1.GroupVersion.WithResource("applications")).Namespace("argocd")
	for name, want := range map[string]bool{"taken": true, "stale": false, "stranger": true} {
		_, err := apps.Get(context.Background(), name, metav1.GetOptions{})
		if exists := err == nil; exists != want {
			t.Errorf("application %s exists: %v, want %v", name, exists, want)
		}
	}
	u := findCondition(run.status.Conditions, appv1.ApplicationSetConditionResourcesUpToDate)
	if u == nil || u.Status != appv1.ApplicationSetConditionStatusFalse || u.Reason != appv1.ApplicationSetReasonApplicationValidationError ||
		!strings.Contains(u.Message, "application taken: the Application is controlled by ApplicationSet other") {
		t.Errorf("ResourcesUpToDate %+v", u)
	}
	if g := findCondition(run.status.Conditions, appv1.ApplicationSetConditionParametersGenerated); g == nil || g.Status != appv1.ApplicationSetConditionStatusTrue {
		t.Errorf("ParametersGenerated %+v", g)
	}
	if len(run.status.Resources) != 0 {
		t.Errorf("resources %v: a conflicting Application is not the set's", run.status.Resources)
	}
	if !run.invalid || run.transient != nil {
		t.Errorf("a conflicting Application: invalid %v, transient %v; want it retried after RetryAfter, not backed off", run.invalid, run.transient)
	}
	if ev := drain(rec); len(ev) != 1 || !strings.HasPrefix(ev[0], "Normal Deleted") {
		t.Errorf("events %v, want the deletion of stale", ev)
	}
}

// TestPlanFailure: a policy the plan cannot read is reported like a failed
// generation, and nothing is applied.
func TestPlanFailure(t *testing.T) {
	set := newSet("s", "argocd", nil)
	set.Object["spec"].(map[string]any)["syncPolicy"] = map[string]any{"applicationsSync": "bogus"}
	stale := liveApp("stale", "", "", "")
	yes := true
	stale.SetOwnerReferences([]metav1.OwnerReference{{Kind: "ApplicationSet", Name: "s", UID: set.GetUID(), Controller: &yes}})
	applier, dyn := newApplier(stale.DeepCopy())
	r := &Reconciler{Client: newFakeClient(t, set, stale.DeepCopy()), Applier: applier}
	r.Init()
	run, err := newRun(r, set)
	if err != nil {
		t.Fatal(err)
	}
	run.execute(context.Background())
	if run.generateErr == nil || !strings.Contains(run.generateErr.Error(), `unknown policy "bogus"`) {
		t.Fatalf("plan error %v", run.generateErr)
	}
	if c := findCondition(run.status.Conditions, appv1.ApplicationSetConditionErrorOccurred); c == nil || c.Status != appv1.ApplicationSetConditionStatusTrue {
		t.Errorf("ErrorOccurred %+v", c)
	}
	if _, err := dyn.Resource(appv1.GroupVersion.WithResource("applications")).Namespace("argocd").Get(context.Background(), "stale", metav1.GetOptions{}); err != nil {
		t.Errorf("an owned Application was deleted although the plan failed: %v", err)
	}
}

func TestRequestRefresh(t *testing.T) {
	app := liveApp("a", "", "", "")
	app.SetAnnotations(map[string]string{"keep": "me"})
	c := newFakeClient(t, app.DeepCopy())
	run := &run{r: &Reconciler{Client: c}, set: newSet("s", "argocd", nil)}
	run.requestRefresh(context.Background(), app)
	stored := &appv1.Application{}
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(app), stored); err != nil {
		t.Fatal(err)
	}
	if stored.Annotations[appv1.AnnotationKeyRefresh] != string(appv1.RefreshTypeNormal) || stored.Annotations["keep"] != "me" {
		t.Errorf("annotations %v, want a normal refresh and the others kept", stored.Annotations)
	}
	if _, ok := app.GetAnnotations()[appv1.AnnotationKeyRefresh]; ok {
		t.Error("requestRefresh modified the Application it was given")
	}
	// A failure is only logged.
	run.requestRefresh(context.Background(), liveApp("gone", "", "", ""))
}

// pollRepos is one repository at commit c1 holding apps/prod/a,
// counting the resolves that reach it.
type pollRepos struct {
	dir      string
	resolves int
}

func (r *pollRepos) Resolve(context.Context, string, string) (string, error) {
	r.resolves++
	return "c1", nil
}

func (r *pollRepos) Checkout(context.Context, string, string) (string, error) { return r.dir, nil }

// TestPollsOncePerRequeueInterval: an ApplicationSet asks its repositories
// afresh once per requeue interval (a commit nobody announced is seen by
// then), and through the revision cache in between.
func TestPollsOncePerRequeueInterval(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "apps/prod/a"), 0o755); err != nil {
		t.Fatal(err)
	}
	repos := &pollRepos{dir: dir}
	r := &Reconciler{Client: newFakeClient(t), Repos: repos, Revisions: gitsource.NewRevisionCache(time.Hour)}
	r.Init()
	spec := map[string]any{
		"generators": []any{map[string]any{"git": map[string]any{"repoURL": "https://git.example/r.git", "revision": "main",
			"requeueAfterSeconds": int64(60), "directories": []any{map[string]any{"path": "apps/prod/*"}}}}},
		"template": map[string]any{
			"metadata": map[string]any{"name": "{{path.basename}}"},
			"spec": map[string]any{"project": "default",
				"source":      map[string]any{"repoURL": "https://git.example/r.git", "path": "{{path}}"},
				"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "x"}},
		},
	}
	generate := func() {
		t.Helper()
		run, err := newRun(r, newSet("s", "argocd", spec))
		if err != nil {
			t.Fatal(err)
		}
		if !run.generate(context.Background()) {
			t.Fatalf("generate: %v", run.generateErr)
		}
	}
	generate()
	generate()
	if repos.resolves != 1 {
		t.Fatalf("%d resolves for two generations within the interval, want 1 (the first a poll, the second from the cache)", repos.resolves)
	}
	key := types.NamespacedName{Namespace: "argocd", Name: "s"}
	r.polled.m[key] = time.Now().Add(-time.Minute)
	generate()
	if repos.resolves != 2 {
		t.Errorf("%d resolves once the interval passed, want a poll", repos.resolves)
	}
}
