package application

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/live"
	"github.com/tether-gitops/tether/internal/project"
	"github.com/tether-gitops/tether/internal/render"
	gitsource "github.com/tether-gitops/tether/internal/source/git"
	"github.com/tether-gitops/tether/internal/target"
)

// FieldManager is the server-side apply field manager of everything Tether
// applies.
const FieldManager = target.FieldManager

// Source resolves revisions and checks commits out; the git source
// implements it.
type Source interface {
	Resolve(ctx context.Context, repoURL, revision string) (string, error)
	Checkout(ctx context.Context, repoURL, commit string) (string, error)
	// ChangedFiles lists the repository-relative paths that differ between
	// two commits.
	ChangedFiles(ctx context.Context, repoURL, from, to string) ([]string, error)
}

// Renderer turns a checkout into objects; render.Render implements it.
type Renderer func(ctx context.Context, req render.Request) (*render.Result, error)

// Options are the controller's knobs, set from flags.
type Options struct {
	// Namespace is where Applications live.
	Namespace string
	// ReconcileInterval and ReconcileJitter space out periodic reconciles.
	ReconcileInterval, ReconcileJitter time.Duration
	// SelfHealTimeout spaces out repeated heals of drift.
	SelfHealTimeout time.Duration
}

// Reconciler reconciles Applications.
type Reconciler struct {
	Client client.Client
	// Reader reads Applications, as unstructured objects so that fields the
	// types lack are seen: the manager's cache (the client would send
	// unstructured reads to the API server). Nil means Client.
	Reader   client.Reader
	Live     *live.Cache
	Applier  *apply.Applier
	Source   Source
	Render   Renderer
	Recorder events.EventRecorder
	Cluster  target.Cluster
	// Revisions caches resolved revisions, shared with the ApplicationSet
	// controller.
	Revisions *gitsource.RevisionCache
	// Charts serves chart and OCI sources; nil refuses them (see Charts).
	Charts Charts
	Options

	metrics *metrics
	quiet   quietTracker
	// written maps an Application to the resourceVersion that its last
	// status write replaced: while the cache still shows that version, the
	// write is not seen yet and a reconcile would act on stale status.
	written sync.Map
	renders *renderCache
	changes *changeCache
	heals   *healTracker
	now     func() time.Time
}

// Init prepares the caches and registers metrics on reg (which may be
// nil); call it once before the first Reconcile.
func (r *Reconciler) Init(reg prometheus.Registerer) {
	r.metrics = newMetrics(reg)
	r.renders = newRenderCache()
	r.changes = newChangeCache()
	r.heals = newHealTracker()
	if r.now == nil {
		r.now = time.Now
	}
}

// Reads reports whether the last render of the Application instance read
// one of files (repository-relative paths); false when it was not rendered.
func (r *Reconciler) Reads(instance string, files []string) bool {
	return r.renders.reads(instance, files)
}

// Reconcile brings one Application's cluster state to what Git says, as far
// as its sync policy allows, and records the outcome in its status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(appv1.GroupVersion.WithKind("Application"))
	reader := r.Reader
	if reader == nil {
		reader = r.Client
	}
	// Not copied: u is only read (decoded below, and its unknown fields
	// listed); a quiet reconcile then costs no copy of the status.
	if err := reader.Get(ctx, req.NamespacedName, u, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			// Gone: forget what was kept about it.
			r.written.Delete(req.NamespacedName)
			r.quiet.forget(req.NamespacedName, instanceName(req.Namespace, req.Name, r.Namespace))
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.behind(req.NamespacedName, u.GetResourceVersion()) {
		return ctrl.Result{RequeueAfter: staleRetry}, nil
	}
	proj, _, _ := unstructured.NestedString(u.Object, "spec", "project")
	if proj == "" {
		proj = project.DefaultName
	}
	in := r.quiet.inputs(instanceName(u.GetNamespace(), u.GetName(), r.Namespace), proj)
	if u.GetDeletionTimestamp() == nil && r.stillQuiet(ctx, req.NamespacedName, u, in) {
		r.metrics.quietReconciles.Inc()
		return ctrl.Result{RequeueAfter: r.periodic()}, nil
	}
	app := &appv1.Application{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.UnstructuredContent(), app); err != nil {
		return ctrl.Result{}, fmt.Errorf("decode application %s: %w", req.NamespacedName, err)
	}
	if !app.DeletionTimestamp.IsZero() {
		return r.finalize(ctx, app)
	}
	r.metrics.reconciles.Inc()
	run := newRun(r, app, u)
	run.execute(ctx)
	rv, err := r.writeStatus(ctx, run)
	if err != nil {
		r.quiet.apps.Delete(req.NamespacedName)
		return ctrl.Result{}, err
	}
	r.recordQuiet(req.NamespacedName, run, in, rv)
	return run.result(r)
}

// result is what a reconcile returns: a Result or an error, never both,
// since controller-runtime drops the Result that comes with an error.
//
//   - A wait the run computed (retryIn: syncPolicy.retry's backoff, a
//     self-heal wait, a sync wave, a revision that did not resolve) is kept
//     exactly, as a RequeueAfter; an error of the same run is in the
//     conditions only, or the rate limiter would replace the schedule.
//   - Otherwise a transient error (the project or a watch could not be
//     read) is returned, and the queue's rate limiter backs off.
//   - Otherwise the next reconcile is the periodic one.
//
// An unreachable repository is not a transient error here: resolve asks
// again in 30 s (retryIn), as the rate limiter's first retries, milliseconds
// apart, would only knock on the Git host again.
func (run *run) result(r *Reconciler) (ctrl.Result, error) {
	if run.transient != nil && run.retryIn <= 0 {
		return ctrl.Result{}, run.transient
	}
	return ctrl.Result{RequeueAfter: run.requeueAfter(r)}, nil
}

// behind reports whether the cached Application, at resourceVersion rv,
// does not show this controller's last status write yet.
func (r *Reconciler) behind(key client.ObjectKey, rv string) bool {
	replaced, ok := r.written.Load(key)
	if !ok {
		return false
	}
	if replaced == rv {
		return true
	}
	r.written.Delete(key)
	return false
}

// staleRetry is how soon a reconcile that found the cache behind the
// controller's own write looks again.
const staleRetry = 20 * time.Millisecond

// periodic is the delay until the next periodic reconcile, jittered.
func (r *Reconciler) periodic() time.Duration {
	d := r.ReconcileInterval
	if r.ReconcileJitter > 0 {
		d += rand.N(r.ReconcileJitter)
	}
	return d
}

// requeueAfter is the periodic reconcile delay, or sooner when a heal waits.
func (run *run) requeueAfter(r *Reconciler) time.Duration {
	d := r.periodic()
	if run.retryIn > 0 && run.retryIn < d {
		d = run.retryIn
	}
	return d
}

// writeStatus patches the status (and a cleared operation) only when they
// changed. It bumps reconciledAt only together with another change, so a
// reconcile that changed nothing makes no write.
//
// It returns the resourceVersion at which the Application is as this
// reconcile left it: the one read when nothing was written, the written
// one when the write shows no change by anyone else, "" otherwise.
func (r *Reconciler) writeStatus(ctx context.Context, run *run) (string, error) {
	orig, app := run.orig, run.app
	app.Status.Conditions = run.conditions.list(orig.Status.Conditions, r.now())
	if equality.Semantic.DeepEqual(orig.Status, app.Status) && equality.Semantic.DeepEqual(orig.Operation, app.Operation) &&
		equality.Semantic.DeepEqual(orig.Annotations, app.Annotations) {
		return orig.ResourceVersion, nil
	}
	// What the write should leave as this reconcile saw it; anything else
	// in the answer is someone else's change.
	intended := &appv1.Application{ObjectMeta: *app.ObjectMeta.DeepCopy(), Spec: *app.Spec.DeepCopy(), Operation: app.Operation.DeepCopy()}
	now := metaNow(r.now())
	app.Status.ReconciledAt = &now
	app.Status.ObservedAt = &now
	patch := client.MergeFrom(orig)
	if !equality.Semantic.DeepEqual(orig.Operation, app.Operation) {
		// Clearing or keeping an operation must not replace one that
		// someone set meanwhile.
		patch = client.MergeFromWithOptions(orig, client.MergeFromWithOptimisticLock{})
	}
	if err := r.Client.Patch(ctx, app, patch); err != nil {
		return "", fmt.Errorf("write status of application %s: %w", app.Name, err)
	}
	if app.ResourceVersion != orig.ResourceVersion {
		// A patch the API server found empty leaves the version as it was:
		// then there is nothing for the cache to catch up with.
		r.written.Store(client.ObjectKeyFromObject(app), orig.ResourceVersion)
	}
	r.metrics.statusWrites.Inc()
	if !equality.Semantic.DeepEqual(intended.Spec, app.Spec) || !equality.Semantic.DeepEqual(intended.Operation, app.Operation) ||
		!equality.Semantic.DeepEqual(intended.Annotations, app.Annotations) || !equality.Semantic.DeepEqual(intended.Labels, app.Labels) ||
		!equality.Semantic.DeepEqual(intended.Finalizers, app.Finalizers) || app.DeletionTimestamp != nil {
		return "", nil
	}
	return app.ResourceVersion, nil
}
