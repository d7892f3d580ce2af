package application

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/apply"
	"github.com/tether-gitops/tether/internal/health"
)

// sync runs the operation the user asked for, or an automated sync when the
// sync policy calls for one. It never applies anything after a failed render:
// the pipeline stops before it.
func (run *run) sync(ctx context.Context) bool {
	if msg := run.r.heals.conflict(run.instance(), conflictAfter, run.r.now()); msg != "" {
		run.conditions.set(appv1.ApplicationConditionSelfHealConflict, msg)
	}
	if st := run.app.Status.OperationState; st != nil && (st.Phase == appv1.OperationTerminating ||
		st.Phase == appv1.OperationRunning && run.app.Operation == nil) {
		// Asked to stop (Argo CD's terminate-op), or the operation it
		// continued was removed.
		run.terminate(st)
		return true
	}
	if op := run.app.Operation; op != nil && op.Sync != nil {
		if wait := run.untilRetry(*op); wait > 0 {
			run.retryIn = wait
			return true
		}
		if !run.runOperation(ctx, *op) {
			run.app.Operation = nil
		}
		return true
	}
	if ok, reason := run.shouldAutoSync(); !ok {
		if reason != "" {
			run.conditions.set(appv1.ApplicationConditionSyncError, reason)
		}
		return true
	}
	policy := run.app.Spec.SyncPolicy
	op := appv1.Operation{
		Sync: &appv1.SyncOperation{
			Prune:       policy.Automated.Prune,
			SyncOptions: policy.SyncOptions,
		},
		InitiatedBy: appv1.OperationInitiator{Automated: true},
		Retry:       autoRetry(policy),
	}
	if run.multi() {
		op.Sync.Revisions = slices.Clone(run.revisions)
	} else {
		op.Sync.Revision = run.commit
	}
	healing, drift, fight := run.lastSyncedSameTarget(), run.driftSummary(), run.fightSummary()
	if run.runOperation(ctx, op) {
		// The retries run as an operation, as in Argo CD.
		run.app.Operation = &op
	}
	if healing {
		run.r.heals.healed(run.instance(), run.r.now(), fight)
		run.event(corev1.EventTypeNormal, "DriftReverted", "Reverted drift of %s to %s", drift, revLabel(run.revisions))
		if msg := run.r.heals.conflict(run.instance(), conflictAfter, run.r.now()); msg != "" {
			run.conditions.set(appv1.ApplicationConditionSelfHealConflict, msg)
			run.event(corev1.EventTypeWarning, "SelfHealConflict", "%s", msg)
		}
	}
	return true
}

// shouldAutoSync decides, as Argo CD does, whether to start an automated
// sync; when it does not, reason says why if the user should know.
func (run *run) shouldAutoSync() (bool, string) {
	policy := run.app.Spec.SyncPolicy
	if !policy.IsAutomated() || run.app.Status.Sync.Status != appv1.SyncStatusCodeOutOfSync {
		return false, ""
	}
	if len(run.desired) == 0 && len(run.prune) > 0 && !policy.Automated.AllowEmpty {
		return false, "automated sync refused: Git renders no resources and syncing would delete all of them; set syncPolicy.automated.allowEmpty to allow it"
	}
	last := run.app.Status.OperationState
	if !run.lastSyncedSameTarget() {
		return true, ""
	}
	// The same commit and source were synced already: only selfHeal may
	// sync again, and a failed attempt is not retried in a loop.
	if last.Phase != appv1.OperationSucceeded {
		return false, fmt.Sprintf("automated sync to %s failed before and is not retried: %s", revLabel(run.revisions), last.Message)
	}
	if !policy.Automated.SelfHeal {
		return false, ""
	}
	if wait := run.r.heals.wait(run.instance(), lastFinished(last), run.r.SelfHealTimeout, run.r.now()); wait > 0 {
		run.retryIn = wait
		return false, ""
	}
	return true, ""
}

// lastSyncedSameTarget reports whether the last operation synced the commit
// and source compared now.
func (run *run) lastSyncedSameTarget() bool {
	last := run.app.Status.OperationState
	if last == nil || last.SyncResult == nil {
		return false
	}
	return run.syncedSame(last.SyncResult)
}

func sourcesEqual(a, b appv1.ApplicationSource) bool {
	return equality.Semantic.DeepEqual(a, b)
}

func lastFinished(s *appv1.OperationState) time.Time {
	if s.FinishedAt != nil {
		return s.FinishedAt.Time
	}
	return s.StartedAt.Time
}

// runOperation applies the desired objects (those op names, or all), prunes
// when op asks for it, and records the operation state and history. It
// reports whether the operation goes on at a later reconcile: waiting for a
// retry after a failure, or for a wave to become healthy.
func (run *run) runOperation(ctx context.Context, op appv1.Operation) bool {
	t0 := time.Now()
	started := metaNow(run.r.now())
	sop := op.Sync
	state := &appv1.OperationState{Operation: op, Phase: appv1.OperationRunning, StartedAt: started}
	prev := run.continuing(op)
	if prev != nil {
		state.StartedAt, state.RetryCount = prev.StartedAt, prev.RetryCount
	}
	switch {
	case op.Retry.Refresh && run.retrying(op) != nil:
		// Retry with the latest revision, not the first attempt's.
		retry := *sop
		retry.Revision, retry.Revisions = "", nil
		sop = &retry
	case prev != nil && prev.SyncResult != nil:
		// A continued operation stays on the revisions it started with.
		sop, _ = pin(sop, prev.SyncResult)
	}
	kind := "Sync"
	if op.InitiatedBy.Automated {
		kind = "Automated sync"
	}
	desired, err := run.operationTargets(ctx, sop)
	if err != nil {
		return run.finishOperation(state, appv1.OperationError, err.Error(), nil)
	}
	// An automated sync starts and ends within one reconcile: its completion
	// event says both, and saves an API write per sync at scale. A manual
	// operation, which someone may be watching, announces its start.
	if !op.InitiatedBy.Automated && prev == nil {
		run.event(corev1.EventTypeNormal, "OperationStarted", "%s to %s started", kind, revLabel(run.revisions))
	}
	phase, msg := appv1.OperationSucceeded, "successfully synced (all tasks run)"
	var createNamespace *unstructured.Unstructured
	if run.syncOptions(sop).HasOption("CreateNamespace=true") {
		createNamespace = run.managedNamespace()
	}
	var results []*appv1.ResourceResult
	if invalid := run.invalidTasks(desired, createNamespace); len(invalid) > 0 {
		// The project forbids part of it: nothing is applied or pruned.
		results, phase, msg = invalid, appv1.OperationFailed, "one or more synchronization tasks are not valid"
	} else {
		var failed, waiting string
		results, failed, waiting = run.applyAll(ctx, desired, sop, createNamespace)
		switch {
		case waiting != "":
			run.waitForWave(state, waiting, results)
			return true
		case failed == "":
			results = append(results, run.pruneAll(ctx, sop)...)
		default:
			phase, msg = appv1.OperationFailed, "one or more objects failed to apply: "+failed
		}
	}
	trigger := "manual"
	if op.InitiatedBy.Automated {
		trigger = "automated"
	}
	run.r.metrics.syncs.WithLabelValues(string(phase), trigger).Inc()
	run.r.metrics.syncSeconds.Observe(time.Since(t0).Seconds())
	retry := run.finishOperation(state, phase, msg, results)
	switch {
	case retry:
		run.event(corev1.EventTypeWarning, "OperationRetrying", "%s to %s failed, retry #%d in %s: %s",
			kind, revLabel(run.revisions), state.RetryCount, run.retryIn.Round(time.Second), msg)
	case phase == appv1.OperationSucceeded:
		run.event(corev1.EventTypeNormal, "OperationCompleted", "%s to %s succeeded", kind, revLabel(run.revisions))
	default:
		run.event(corev1.EventTypeWarning, "OperationCompleted", "%s to %s failed: %s", kind, revLabel(run.revisions), state.Message)
	}
	if phase == appv1.OperationSucceeded && !sop.DryRun {
		run.recordHistory(state)
	}
	run.updateSyncStatus()
	return retry
}

// operationTargets returns the objects op applies: the desired state at its
// revision, narrowed to op.Resources when it names some.
func (run *run) operationTargets(ctx context.Context, sop *appv1.SyncOperation) ([]*unstructured.Unstructured, error) {
	if targets := run.operationRevisions(sop); run.differs(targets) {
		revisions, err := run.resolveAll(ctx, targets, time.Now(), false)
		if err != nil {
			return nil, err
		}
		if revisionKey(revisions) != run.commit {
			desired, _, _, err := run.desiredAt(ctx, revisions)
			if err != nil {
				return nil, err
			}
			run.revisions, run.commit, run.desired = revisions, revisionKey(revisions), desired
			if !run.compare(ctx) {
				return nil, fmt.Errorf("compare at %s failed", revLabel(revisions))
			}
		}
	}
	if len(sop.Resources) == 0 {
		return run.desired, nil
	}
	var out []*unstructured.Unstructured
	for _, obj := range run.desired {
		if selected(sop.Resources, obj) {
			out = append(out, obj)
		}
	}
	return out, nil
}

func selected(sel []appv1.SyncOperationResource, obj *unstructured.Unstructured) bool {
	gvk := obj.GroupVersionKind()
	for _, r := range sel {
		if r.Group == gvk.Group && r.Kind == gvk.Kind && r.Name == obj.GetName() &&
			(r.Namespace == "" || r.Namespace == obj.GetNamespace()) {
			return true
		}
	}
	return false
}

func (run *run) syncOptions(sop *appv1.SyncOperation) appv1.SyncOptions {
	opts := append(appv1.SyncOptions{}, sop.SyncOptions...)
	if p := run.app.Spec.SyncPolicy; p != nil {
		opts = append(opts, p.SyncOptions...)
	}
	return opts
}

// applyAll applies objs in order, wave by wave, and stops after a wave in
// which something failed; failed names what failed, "" when nothing did. As
// in Argo CD, a wave starts only once every object of the previous one is
// healthy: until then waiting says what it waits for, and the operation
// goes on at a later reconcile (applying again is a no-op for what is done).
func (run *run) applyAll(ctx context.Context, objs []*unstructured.Unstructured, sop *appv1.SyncOperation, createNamespace *unstructured.Unstructured) (results []*appv1.ResourceResult, failed, waiting string) {
	if createNamespace != nil {
		res := run.ensureNamespace(ctx, createNamespace, sop.DryRun)
		results = append(results, res)
		if res.Status == appv1.ResultCodeSyncFailed {
			return results, res.Message, ""
		}
	}
	ordered := append([]*unstructured.Unstructured(nil), objs...)
	apply.Sort(ordered)
	var failures []string
	var wave []*unstructured.Unstructured // the current wave's applied objects
	for i, obj := range ordered {
		if i > 0 && apply.Wave(obj) != apply.Wave(ordered[i-1]) {
			if len(failures) > 0 {
				break
			}
			if !sop.DryRun {
				if waiting, failed = waveHealth(wave, apply.Wave(ordered[i-1])); failed != "" || waiting != "" {
					return results, failed, waiting
				}
			}
			wave = wave[:0]
		}
		res := resourceResult(obj)
		out, err := run.r.Applier.Apply(ctx, obj, sop.DryRun)
		if err != nil {
			res.Status, res.Message = appv1.ResultCodeSyncFailed, err.Error()
			failures = append(failures, err.Error())
		} else {
			res.Status, res.Message = appv1.ResultCodeSynced, configuredMessage(run.live[keyOf(obj)], sop.DryRun)
			if !sop.DryRun {
				run.live[keyOf(obj)] = out
				// This reconcile knows what the apply's watch event will say.
				run.r.Live.Expect(out)
				wave = append(wave, out)
			}
		}
		results = append(results, res)
	}
	return results, strings.Join(failures, "; "), ""
}

// waveHealth judges the objects of wave n as applied: waiting names one
// still on its way to healthy, failed one that is Degraded.
func waveHealth(objs []*unstructured.Unstructured, n int) (waiting, failed string) {
	for _, obj := range objs {
		status, msg := health.Assess(obj)
		what := fmt.Sprintf("%s/%s %s", obj.GroupVersionKind().Group, obj.GetKind(), obj.GetName())
		switch status {
		case health.Degraded:
			return "", fmt.Sprintf("%s of wave %d is Degraded: %s", what, n, msg)
		case health.Progressing, health.Missing:
			return fmt.Sprintf("waiting for healthy state of %s (wave %d)", what, n), ""
		}
	}
	return "", ""
}

func configuredMessage(before *unstructured.Unstructured, dryRun bool) string {
	msg := "configured"
	if before == nil {
		msg = "created"
	}
	if dryRun {
		msg += " (dry run)"
	}
	return msg
}

// managedNamespace is the destination namespace as CreateNamespace=true
// creates it, or nil when the destination names none.
func (run *run) managedNamespace() *unstructured.Unstructured {
	name := run.app.Spec.Destination.Namespace
	if name == "" {
		return nil
	}
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(name)
	if p := run.app.Spec.SyncPolicy; p != nil && p.ManagedNamespaceMetadata != nil {
		md := p.ManagedNamespaceMetadata
		ns.SetLabels(md.Labels)
		ns.SetAnnotations(md.Annotations)
	}
	return ns
}

// ensureNamespace creates the destination namespace when it is missing, as
// CreateNamespace=true asks. The namespace is not tracked, so it is never
// pruned.
func (run *run) ensureNamespace(ctx context.Context, ns *unstructured.Unstructured, dryRun bool) *appv1.ResourceResult {
	res := resourceResult(ns)
	if _, err := run.r.Applier.Apply(ctx, ns, dryRun); err != nil {
		res.Status, res.Message = appv1.ResultCodeSyncFailed, fmt.Sprintf("create destination namespace: %v", err)
		return res
	}
	res.Status, res.Message = appv1.ResultCodeSynced, "namespace ensured"
	return res
}

// pruneAll deletes owned objects that left Git when the operation prunes,
// and reports them as skipped otherwise.
func (run *run) pruneAll(ctx context.Context, sop *appv1.SyncOperation) []*appv1.ResourceResult {
	var results []*appv1.ResourceResult
	for _, obj := range run.prune {
		res := resourceResult(obj)
		switch {
		case !sop.Prune:
			res.Status, res.Message = appv1.ResultCodePruneSkipped, "ignored (requires pruning)"
		case hasSyncOption(obj, "Prune=false"):
			res.Status, res.Message = appv1.ResultCodePruneSkipped, "ignored (Prune=false)"
		default:
			if err := run.r.Applier.Delete(ctx, obj, sop.DryRun); err != nil {
				res.Status, res.Message = appv1.ResultCodeSyncFailed, err.Error()
			} else {
				res.Status, res.Message = appv1.ResultCodePruned, "pruned"
			}
		}
		results = append(results, res)
	}
	if sop.Prune && !sop.DryRun {
		kept := run.prune[:0]
		for i, res := range results {
			if res.Status != appv1.ResultCodePruned {
				kept = append(kept, run.prune[i])
			}
		}
		run.prune = kept
	}
	return results
}

func hasSyncOption(obj *unstructured.Unstructured, opt string) bool {
	for _, o := range strings.Split(obj.GetAnnotations()[appv1.AnnotationKeySyncOptions], ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

func resourceResult(obj *unstructured.Unstructured) *appv1.ResourceResult {
	gvk := obj.GroupVersionKind()
	return &appv1.ResourceResult{
		Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind,
		Namespace: obj.GetNamespace(), Name: obj.GetName(),
		SyncPhase: appv1.SyncPhaseSync,
	}
}

// failOperation ends a requested operation that the reconcile could not
// get to, as Argo CD does: in Error, with the conditions that stopped it
// (retried if its strategy says so), unless it waits for a retry anyway.
func (run *run) failOperation() {
	op := run.app.Operation
	if op == nil || op.Sync == nil || run.untilRetry(*op) > 0 {
		return
	}
	if st := run.app.Status.OperationState; st != nil && st.Phase == appv1.OperationTerminating {
		run.terminate(st)
		return
	}
	var msgs []string
	for _, t := range []appv1.ApplicationConditionType{appv1.ApplicationConditionInvalidSpecError,
		appv1.ApplicationConditionComparisonError, appv1.ApplicationConditionUnknownError} {
		if m, ok := run.conditions[t]; ok {
			msgs = append(msgs, fmt.Sprintf("%s: %s", t, m))
		}
	}
	state := &appv1.OperationState{Operation: *op, StartedAt: metaNow(run.r.now())}
	if prev := run.continuing(*op); prev != nil {
		state.StartedAt, state.RetryCount = prev.StartedAt, prev.RetryCount
	}
	if !run.finishOperation(state, appv1.OperationError, strings.Join(msgs, "; "), nil) {
		run.app.Operation = nil
	}
}

// terminate ends the operation in st as Failed and clears the operation.
func (run *run) terminate(st *appv1.OperationState) {
	state := st.DeepCopy()
	finished := metaNow(run.r.now())
	state.Phase, state.Message, state.FinishedAt = appv1.OperationFailed, "Operation terminated", &finished
	run.app.Status.OperationState = state
	run.app.Operation = nil
	run.conditions.set(appv1.ApplicationConditionSyncError, state.Message)
	run.event(corev1.EventTypeWarning, "OperationCompleted", "Sync to %s terminated", revLabel(run.revisions))
}

// waveWait is how long an operation waiting for a wave's health waits
// before looking again, when no watch event comes sooner.
const waveWait = 5 * time.Second

// waitForWave records an operation that applied what it could and waits
// for a wave to become healthy: it stays Running, in the operation field,
// and goes on at a later reconcile.
func (run *run) waitForWave(state *appv1.OperationState, waiting string, results []*appv1.ResourceResult) {
	res := make([]appv1.ResourceResult, 0, len(results))
	for _, r := range results {
		res = append(res, *r)
	}
	state.Phase, state.Message, state.FinishedAt = appv1.OperationRunning, waiting, nil
	state.SyncResult = run.syncResult(res)
	run.app.Status.OperationState = state
	run.retryIn = waveWait
	run.updateSyncStatus()
}

// finishOperation records the end of an attempt in the operation state.
// A failed attempt that its retry strategy allows to retry stays Running,
// with retryCount counting the failed attempts and finishedAt when the
// last one ended, and finishOperation reports true; the wait goes to
// run.retryIn.
func (run *run) finishOperation(state *appv1.OperationState, phase appv1.OperationPhase, msg string, results []*appv1.ResourceResult) bool {
	res := make([]appv1.ResourceResult, 0, len(results))
	for _, r := range results {
		res = append(res, *r)
	}
	finished := metaNow(run.r.now())
	state.Phase, state.Message, state.FinishedAt = phase, msg, &finished
	state.SyncResult = run.syncResult(res)
	run.app.Status.OperationState = state
	if phase == appv1.OperationSucceeded {
		return false
	}
	op := state.Operation
	retry := !op.Sync.DryRun && retryAllowed(op.Retry, state.RetryCount)
	if retry {
		wait, err := retryWait(op.Retry, state.RetryCount+1)
		if err != nil {
			state.Message = fmt.Sprintf("%s (failed to retry: %v)", msg, err)
			retry = false
		} else {
			state.RetryCount++
			state.Phase = appv1.OperationRunning
			state.Message = fmt.Sprintf("%s. Retrying attempt #%d at %s.", msg, state.RetryCount, finished.Add(wait).Format(time.Kitchen))
			run.retryIn = wait
			return true
		}
	} else if state.RetryCount > 0 {
		state.Message = fmt.Sprintf("%s (retried %d times).", msg, state.RetryCount)
	}
	run.conditions.set(appv1.ApplicationConditionSyncError, state.Message)
	return false
}

// recordHistory appends the deployment to status.history, keeping
// revisionHistoryLimit entries (10 by default).
func (run *run) recordHistory(state *appv1.OperationState) {
	hist := run.app.Status.History
	var id int64
	if n := len(hist); n > 0 {
		id = hist[n-1].ID + 1
	}
	started := state.StartedAt
	entry := appv1.RevisionHistory{
		ID: id, DeployStartedAt: &started, DeployedAt: *state.FinishedAt,
		InitiatedBy: state.Operation.InitiatedBy,
	}
	if run.multi() {
		entry.Revisions, entry.Sources = slices.Clone(run.revisions), slices.Clone(run.sources)
	} else {
		entry.Revision, entry.Source = run.commit, run.source
	}
	hist = append(hist, entry)
	limit := int64(10)
	if l := run.app.Spec.RevisionHistoryLimit; l != nil {
		limit = *l
	}
	if int64(len(hist)) > limit {
		hist = hist[int64(len(hist))-limit:]
	}
	run.app.Status.History = hist
}

func (run *run) event(eventType, reason, format string, args ...any) {
	if run.r.Recorder == nil {
		return
	}
	run.r.Recorder.Eventf(run.app, nil, eventType, reason, "Sync", format, args...)
}

// driftSummary names the resources that were out of sync.
func (run *run) driftSummary() string {
	var names []string
	for _, res := range run.app.Status.Resources {
		if res.Status == appv1.SyncStatusCodeOutOfSync {
			names = append(names, res.Kind+" "+res.Name)
		}
	}
	if len(names) == 0 {
		return "resources"
	}
	return strings.Join(names, ", ")
}
