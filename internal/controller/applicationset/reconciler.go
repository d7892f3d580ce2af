package applicationset

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/appset"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
)

// Options are the controller's knobs, set from flags.
type Options struct {
	// Namespace is where ApplicationSets, Applications and cluster Secrets
	// live.
	Namespace string
	// RetryAfter is how soon a failed generation is tried again (at most
	// the ApplicationSet's requeue interval). Zero means 30 seconds.
	RetryAfter time.Duration
}

// Reconciler reconciles ApplicationSets. Set the fields, then call Init
// (SetupWithManager does) before the first Reconcile.
type Reconciler struct {
	Client client.Client
	// Reader reads ApplicationSets and Applications, as unstructured
	// objects: the manager's cache (the client would send unstructured
	// reads to the API server). Nil means Client.
	Reader client.Reader
	// Applier applies and deletes Applications; its Manager must be
	// appset.FieldManager.
	Applier *apply.Applier
	// Repos resolves and checks out the git generators' repositories; the
	// git source's Store, shared with the Application controller.
	Repos appset.Repos
	// Revisions caches resolved revisions; shared with the Application
	// controller so that a push webhook's invalidation reaches both.
	Revisions *gitsource.RevisionCache
	Recorder  events.EventRecorder
	Options

	// inbox holds the news of repositories until the event loop routes
	// it; created on first use.
	inboxOnce sync.Once
	inbox     *inbox
	// fresh is how fresh each ApplicationSet's next revisions must be.
	fresh marks
	// polled is when each ApplicationSet last asked its repositories
	// afresh: it polls them once per requeue interval.
	polled marks
}

func (r *Reconciler) reader() client.Reader {
	if r.Reader == nil {
		return r.Client
	}
	return r.Reader
}

// Init prepares the defaults.
func (r *Reconciler) Init() {
	if r.RetryAfter <= 0 {
		r.RetryAfter = 30 * time.Second
	}
}

var appSetGVK = appv1.GroupVersion.WithKind("ApplicationSet")

// Reconcile generates one ApplicationSet's Applications, applies them as
// its policy allows, and records the outcome in its status. It returns
// either an error or a Result, never both (see run.result).
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	set := &unstructured.Unstructured{}
	set.SetGroupVersionKind(appSetGVK)
	if err := r.reader().Get(ctx, req.NamespacedName, set); err != nil {
		if apierrors.IsNotFound(err) {
			r.fresh.forget(req.NamespacedName)
			r.polled.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if set.GetDeletionTimestamp() != nil {
		// The garbage collector deletes the owned Applications.
		return ctrl.Result{}, nil
	}
	run, err := newRun(r, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	run.execute(ctx)
	if err := r.writeStatus(ctx, run); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.clearRefresh(ctx, run); err != nil {
		return ctrl.Result{}, err
	}
	return run.result()
}

// result is what the queue does next. controller-runtime ignores the
// Result when the error is not nil, so the two never go together:
//   - an API error (listing, applying or deleting Applications) is
//     returned, after the status recorded it, and the queue retries with
//     its rate limiter's backoff, as Argo CD returns such errors;
//   - a failed generation or an invalid Application (a name that another
//     ApplicationSet controls), recorded in the status, is retried after
//     RetryAfter with a nil error, as Argo CD requeues validation errors
//     after a fixed delay: backing off would not fix a spec;
//   - otherwise the ApplicationSet is generated again after its interval,
//     a safety net behind the watches and the news of its repositories.
func (run *run) result() (ctrl.Result, error) {
	if run.transient != nil {
		return ctrl.Result{}, run.transient
	}
	return ctrl.Result{RequeueAfter: run.requeueAfter()}, nil
}

// clearRefresh removes the refresh annotation once a refresh has run.
func (r *Reconciler) clearRefresh(ctx context.Context, run *run) error {
	if !run.refresh || run.generateErr != nil {
		return nil
	}
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:null}}}`, appv1.AnnotationKeyApplicationSetRefresh)
	err := client.IgnoreNotFound(r.Client.Patch(ctx, run.set, client.RawPatch(types.MergePatchType, patch)))
	if err != nil {
		return fmt.Errorf("clear the refresh annotation of applicationset %s: %w", run.set.GetName(), err)
	}
	return nil
}

// requeueAfter is the ApplicationSet's refresh interval, or the retry
// delay after a failed generation or an invalid Application when that is
// sooner.
func (run *run) requeueAfter() time.Duration {
	d := appset.RequeueAfter(run.set)
	if (run.generateErr != nil || run.invalid) && run.r.RetryAfter < d {
		d = run.r.RetryAfter
	}
	return d
}
