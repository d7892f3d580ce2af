package applicationset

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
	"github.com/tether-gitops/tether/internal/appset"
)

// setConditions records a successful generation, and the failures of the
// apply step if any.
func (run *run) setConditions() {
	ok := []appv1.ApplicationSetCondition{
		{Type: appv1.ApplicationSetConditionErrorOccurred, Status: appv1.ApplicationSetConditionStatusFalse,
			Reason: appv1.ApplicationSetReasonApplicationSetUpToDate, Message: "Successfully generated parameters for all Applications"},
		{Type: appv1.ApplicationSetConditionParametersGenerated, Status: appv1.ApplicationSetConditionStatusTrue,
			Reason: appv1.ApplicationSetReasonParametersGenerated, Message: "Successfully generated parameters for all Applications"},
		{Type: appv1.ApplicationSetConditionResourcesUpToDate, Status: appv1.ApplicationSetConditionStatusTrue,
			Reason: appv1.ApplicationSetReasonApplicationSetUpToDate, Message: "All applications have been generated successfully"},
	}
	if len(run.failures) > 0 {
		msgs := make([]string, len(run.failures))
		for i, f := range run.failures {
			msgs[i] = f.err.Error()
		}
		msg := strings.Join(msgs, "; ")
		reason := run.failures[0].reason
		ok[0] = appv1.ApplicationSetCondition{Type: appv1.ApplicationSetConditionErrorOccurred,
			Status: appv1.ApplicationSetConditionStatusTrue, Reason: reason, Message: msg}
		ok[2] = appv1.ApplicationSetCondition{Type: appv1.ApplicationSetConditionResourcesUpToDate,
			Status: appv1.ApplicationSetConditionStatusFalse, Reason: reason, Message: msg}
		run.classifyFailures()
	}
	run.status.Conditions = conditions(run.orig.Conditions, ok)
}

// classifyFailures sets transient to the API errors among the failures,
// and invalid when some failure is not one.
func (run *run) classifyFailures() {
	var errs []error
	for _, f := range run.failures {
		if f.invalid {
			run.invalid = true
		} else {
			errs = append(errs, f.err)
		}
	}
	run.transient = errors.Join(errs...)
}

// conditions returns next, sorted by type, keeping the transition time of
// conditions whose status, reason and message did not change since prev.
// Conditions of other types in prev (set by other tools) are kept.
func conditions(prev, next []appv1.ApplicationSetCondition) []appv1.ApplicationSetCondition {
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	out := make([]appv1.ApplicationSetCondition, 0, len(next))
	for _, c := range next {
		if p := findCondition(prev, c.Type); p != nil && p.Status == c.Status && p.Reason == c.Reason && p.Message == c.Message {
			c.LastTransitionTime = p.LastTransitionTime
		} else {
			c.LastTransitionTime = &now
		}
		out = append(out, c)
	}
	for _, p := range prev {
		if findCondition(next, p.Type) == nil {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b appv1.ApplicationSetCondition) int { return strings.Compare(string(a.Type), string(b.Type)) })
	return out
}

func findCondition(list []appv1.ApplicationSetCondition, t appv1.ApplicationSetConditionType) *appv1.ApplicationSetCondition {
	for i := range list {
		if list[i].Type == t {
			return &list[i]
		}
	}
	return nil
}

// resources lists the generated Applications that exist, with their sync
// and health status, sorted by name.
func (run *run) resources(context.Context) bool {
	var out []appv1.ResourceStatus
	for _, c := range run.changes {
		if c.Action == appset.ActionDelete || c.Action == appset.ActionConflict || c.Live == nil || c.Desired == nil {
			continue
		}
		out = append(out, resourceStatus(c.Live))
	}
	run.status.Resources = out
	return true
}

func resourceStatus(app *unstructured.Unstructured) appv1.ResourceStatus {
	rs := appv1.ResourceStatus{
		Group: appv1.Group, Version: appv1.Version, Kind: "Application",
		Namespace: app.GetNamespace(), Name: app.GetName(),
	}
	if s, _, _ := unstructured.NestedString(app.Object, "status", "sync", "status"); s != "" {
		rs.Status = appv1.SyncStatusCode(s)
	}
	h, _, _ := unstructured.NestedString(app.Object, "status", "health", "status")
	msg, _, _ := unstructured.NestedString(app.Object, "status", "health", "message")
	if h != "" {
		rs.Health = &appv1.HealthStatus{Status: appv1.HealthStatusCode(h), Message: msg}
	}
	return rs
}

// writeStatus patches the status subresource, only when it changed.
func (r *Reconciler) writeStatus(ctx context.Context, run *run) error {
	if equality.Semantic.DeepEqual(run.orig, run.status) {
		return nil
	}
	orig := &appv1.ApplicationSet{ObjectMeta: metav1.ObjectMeta{Name: run.set.GetName(), Namespace: run.set.GetNamespace()}, Status: run.orig}
	next := orig.DeepCopy()
	next.Status = run.status
	if err := client.IgnoreNotFound(r.Client.Status().Patch(ctx, next, client.MergeFrom(orig))); err != nil {
		return fmt.Errorf("write status of applicationset %s: %w", run.set.GetName(), err)
	}
	return nil
}
