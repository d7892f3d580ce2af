package applicationset

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

// run is the state of one reconcile of one ApplicationSet.
type run struct {
	r   *Reconciler
	set *unstructured.Unstructured
	// orig is the status as read; status is what the steps write.
	orig, status appv1.ApplicationSetStatus
	// refresh is set by the refresh annotation: revisions are asked anew.
	refresh bool

	generated   *appset.Result
	generateErr error
	live        []*unstructured.Unstructured
	changes     []appset.Change
	// failures are the Applications that could not be changed, by reason.
	failures []failure
	// transient is an error worth a backed-off retry: an API error.
	transient error
	// invalid is set when an Application could not be changed because of
	// what was generated: retried after RetryAfter.
	invalid bool
}

type failure struct {
	reason string
	err    error
	// invalid marks a failure that retrying soon does not fix.
	invalid bool
}

func newRun(r *Reconciler, set *unstructured.Unstructured) (*run, error) {
	typed := &appv1.ApplicationSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(set.Object, typed); err != nil {
		return nil, fmt.Errorf("decode applicationset %s: %w", set.GetName(), err)
	}
	_, refresh := set.GetAnnotations()[appv1.AnnotationKeyApplicationSetRefresh]
	return &run{r: r, set: set, orig: typed.Status, status: *typed.Status.DeepCopy(), refresh: refresh}, nil
}

// A step does one part of the reconcile and reports whether the pipeline
// continues. It owns the conditions it sets.
type step struct {
	name string
	fn   func(context.Context) bool
}

func (run *run) execute(ctx context.Context) {
	steps := []step{
		{"generate", run.generate},
		{"list applications", run.listLive},
		{"plan", run.plan},
		{"apply", run.apply},
		{"resources", run.resources},
	}
	for _, s := range steps {
		if !s.fn(ctx) {
			log.FromContext(ctx).V(1).Info("reconcile stopped", "step", s.name)
			return
		}
	}
	run.setConditions()
}

// generate runs the generators. On failure nothing else runs: no
// Application is created, changed or deleted this round.
//
// Revisions are resolved afresh after a refresh annotation and once per
// requeue interval (the ApplicationSet's poll of its repositories: a commit
// nobody announced is seen within that interval), no older than the news
// that asked for this generation (see Reconciler.RevisionMoved and Pushed),
// else through the revision cache.
func (run *run) generate(ctx context.Context) bool {
	key := client.ObjectKeyFromObject(run.set)
	mark := run.r.fresh.get(key)
	notBefore := mark
	now := time.Now()
	// The requeue fires a little after the interval; a second of slack
	// keeps a poll from slipping to the next one.
	if run.refresh || now.Sub(run.r.polled.get(key)) >= appset.RequeueAfter(run.set)-time.Second {
		notBefore = now
		run.r.polled.set(key, now)
	}
	g := &appset.Generator{
		Repos:    &cachedRepos{repos: run.r.Repos, cache: run.r.Revisions, notBefore: notBefore},
		Clusters: run.r.listClusters,
	}
	res, err := g.Generate(ctx, run.set)
	if err != nil {
		run.generateErr = err
		run.failGeneration(err)
		return false
	}
	run.r.fresh.done(key, mark)
	run.generated = res
	return true
}

// failGeneration records a failed generation in the conditions and, when
// the message is new, in an event.
func (run *run) failGeneration(err error) {
	reason := appv1.ApplicationSetReasonErrorOccurred
	var ge *appset.Error
	if errors.As(err, &ge) {
		reason = ge.Reason
	}
	msg := err.Error() + "; no Application was created, changed or deleted"
	old := findCondition(run.orig.Conditions, appv1.ApplicationSetConditionErrorOccurred)
	run.status.Conditions = conditions(run.orig.Conditions, []appv1.ApplicationSetCondition{
		{Type: appv1.ApplicationSetConditionErrorOccurred, Status: appv1.ApplicationSetConditionStatusTrue, Reason: reason, Message: msg},
		{Type: appv1.ApplicationSetConditionParametersGenerated, Status: appv1.ApplicationSetConditionStatusFalse, Reason: reason, Message: msg},
		{Type: appv1.ApplicationSetConditionResourcesUpToDate, Status: appv1.ApplicationSetConditionStatusFalse, Reason: reason, Message: msg},
	})
	if old == nil || old.Message != msg {
		run.event("Warning", reason, "Generate", "%s", msg)
	}
}

// listLive reads the Applications of the ApplicationSet's namespace from
// the cache.
func (run *run) listLive(ctx context.Context) bool {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(appv1.GroupVersion.WithKind("ApplicationList"))
	if err := run.r.reader().List(ctx, list, client.InNamespace(run.set.GetNamespace())); err != nil {
		run.transient = fmt.Errorf("list applications: %w", err)
		return false
	}
	for i := range list.Items {
		run.live = append(run.live, &list.Items[i])
	}
	return true
}

// plan decides what to do with each Application.
func (run *run) plan(context.Context) bool {
	changes, err := appset.Plan(run.set, run.generated.Applications, run.live)
	if err != nil {
		run.generateErr = err
		run.failGeneration(err)
		return false
	}
	run.changes = changes
	return true
}

// apply carries out the plan: creations and updates by server-side apply,
// deletions with a UID precondition. A failure does not stop the others.
func (run *run) apply(ctx context.Context) bool {
	for i := range run.changes {
		run.applyOne(ctx, &run.changes[i])
	}
	return true
}

func (run *run) applyOne(ctx context.Context, c *appset.Change) {
	var err error
	reason := ""
	switch c.Action {
	case appset.ActionCreate, appset.ActionUpdate:
		reason = appv1.ApplicationSetReasonUpdateApplicationError
		if c.Action == appset.ActionCreate {
			reason = appv1.ApplicationSetReasonCreateApplicationError
		}
		var out *unstructured.Unstructured
		if out, err = run.r.Applier.Apply(ctx, c.Desired, false); err == nil {
			c.Live = out
			if c.Action == appset.ActionCreate {
				run.requestRefresh(ctx, out)
			}
		}
	case appset.ActionDelete:
		reason = appv1.ApplicationSetReasonDeleteApplicationError
		err = run.r.Applier.Delete(ctx, c.Live, false)
	case appset.ActionConflict:
		run.failures = append(run.failures, failure{reason: appv1.ApplicationSetReasonApplicationValidationError,
			err: fmt.Errorf("application %s: %s", c.Name, c.Reason), invalid: true})
		return
	default:
		return
	}
	if err != nil {
		run.failures = append(run.failures, failure{reason: reason, err: err})
		run.event("Warning", reason, string(c.Action), "%s", err.Error())
		return
	}
	run.event("Normal", eventReason(c.Action), string(c.Action), "%s Application %s", eventReason(c.Action), c.Name)
}

func eventReason(a appset.Action) string {
	switch a {
	case appset.ActionCreate:
		return "Created"
	case appset.ActionDelete:
		return "Deleted"
	}
	return "Updated"
}

func (run *run) event(eventType, reason, action, format string, args ...any) {
	if run.r.Recorder != nil {
		run.r.Recorder.Eventf(run.set, nil, eventType, reason, action, format, args...)
	}
}

// requestRefresh asks the Application controller to resolve the revisions
// of a new Application afresh: the generator has just seen a revision that
// the Application controller's revision cache may not know yet, and a
// folder that exists only in the new revision would otherwise fail to
// render until the next periodic reconcile. Failing to ask is only logged.
func (run *run) requestRefresh(ctx context.Context, app *unstructured.Unstructured) {
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, appv1.AnnotationKeyRefresh, appv1.RefreshTypeNormal)
	if err := run.r.Client.Patch(ctx, app.DeepCopy(), client.RawPatch(types.MergePatchType, patch)); err != nil {
		log.FromContext(ctx).Info("could not request a refresh of a new application", "application", app.GetName(), "error", err.Error())
	}
}
