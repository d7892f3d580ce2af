package application

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// A quiet Application is one whose last reconcile left nothing to wait for
// and whose status, as written or read, is what another reconcile with the
// same inputs would compute. Its next reconcile can stop early when nothing it
// read has changed since: the Application (its resourceVersion), its live
// objects (their watch events), its AppProject, and the commit its target
// revision resolves to. That is most periodic reconciles of a steady fleet,
// which then cost a revision-cache lookup instead of a decode, a compare and
// a health assessment.
type quietState struct {
	resourceVersion string
	liveGen         uint64
	projectGen      uint64
	// sources are the sources as reconciled; commit the key of their
	// resolved revisions.
	sources appv1.ApplicationSources
	commit  string
}

// inputs are the change counters read at the start of a reconcile: a change
// during the reconcile then makes the next one do the full work.
type inputs struct {
	liveGen, projectGen uint64
}

// quietTracker remembers quiet Applications and counts changes of what
// their reconciles read.
type quietTracker struct {
	apps     sync.Map // client.ObjectKey → quietState
	live     sync.Map // instance → *atomic.Uint64
	projects sync.Map // AppProject name → *atomic.Uint64
}

// forget drops what is kept about a deleted Application.
func (q *quietTracker) forget(key client.ObjectKey, instance string) {
	q.apps.Delete(key)
	q.live.Delete(instance)
}

// liveChanged counts a watch event of one of instance's live objects.
func (q *quietTracker) liveChanged(instance string) { count(&q.live, instance) }

// projectChanged counts a watch event of the AppProject name.
func (q *quietTracker) projectChanged(name string) { count(&q.projects, name) }

func count(m *sync.Map, key string) {
	v, _ := m.LoadOrStore(key, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

func counted(m *sync.Map, key string) uint64 {
	if v, ok := m.Load(key); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

// inputs reads the counters of the Application instance's live objects and
// of its project.
func (q *quietTracker) inputs(instance, project string) inputs {
	return inputs{liveGen: counted(&q.live, instance), projectGen: counted(&q.projects, project)}
}

// LiveChanged tells the reconciler that a live object of the Application
// instance changed; the live cache's event handler calls it.
func (r *Reconciler) LiveChanged(instance string) { r.quiet.liveChanged(instance) }

// stillQuiet reports whether the Application u, quiet at its last reconcile,
// can skip this one: nothing it read changed, and its target revision still
// resolves to the same commit.
func (r *Reconciler) stillQuiet(ctx context.Context, key client.ObjectKey, u *unstructured.Unstructured, in inputs) bool {
	v, ok := r.quiet.apps.Load(key)
	if !ok {
		return false
	}
	q := v.(quietState)
	if q.resourceVersion != u.GetResourceVersion() || q.liveGen != in.liveGen || q.projectGen != in.projectGen {
		r.quiet.apps.Delete(key)
		return false
	}
	revisions := make([]string, len(q.sources))
	for i, src := range q.sources {
		rev, err := r.resolveSource(ctx, src, src.TargetRevision, time.Time{}, false)
		if err != nil {
			r.quiet.apps.Delete(key)
			return false
		}
		revisions[i] = rev
	}
	if revisionKey(revisions) != q.commit {
		r.quiet.apps.Delete(key)
		return false
	}
	return true
}

// recordQuiet remembers the Application, at resourceVersion rv as the
// reconcile left it ("" when unknown), if the outcome cannot change with
// time alone: a reconcile at rv with the same inputs would write nothing.
func (r *Reconciler) recordQuiet(key client.ObjectKey, run *run, in inputs, rv string) {
	if rv == "" || !run.isQuiet() {
		r.quiet.apps.Delete(key)
		return
	}
	r.quiet.apps.Store(key, quietState{
		resourceVersion: rv,
		liveGen:         in.liveGen,
		projectGen:      in.projectGen,
		sources:         run.sources,
		commit:          run.commit,
	})
}

// isQuiet reports whether the reconcile ended in a state that only a change
// of its inputs can move: resolved and compared, no error to retry, no heal
// or operation pending, no self-heal conflict (which expires with time), and
// not Progressing.
func (run *run) isQuiet() bool {
	if run.commit == "" || run.transient != nil || run.retryIn > 0 || run.app.Operation != nil {
		return false
	}
	// A comparison error (an unreachable repository, a kind the cluster
	// does not serve yet) may clear by itself: the periodic reconcile is
	// what tries again.
	for _, c := range []appv1.ApplicationConditionType{appv1.ApplicationConditionSelfHealConflict, appv1.ApplicationConditionComparisonError} {
		if _, ok := run.conditions[c]; ok {
			return false
		}
	}
	return run.app.Status.Health.Status != appv1.HealthStatusProgressing
}
