package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// daemonSetHealth follows `kubectl rollout status`, as Argo CD does: once
// the controller has observed the latest generation, an OnDelete DaemonSet is
// Healthy, and a RollingUpdate one is Progressing until every scheduled Pod
// is updated and available.
func daemonSetHealth(obj *unstructured.Unstructured) (Status, string) {
	var ds appsv1.DaemonSet
	if err := typed(obj, &ds); err != nil {
		return unreadable(err)
	}
	s := ds.Status
	switch {
	case ds.Generation > s.ObservedGeneration:
		return Progressing, "waiting for the daemonset controller to observe the latest spec"
	case ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType:
		return Healthy, fmt.Sprintf("%d of %d pods updated", s.UpdatedNumberScheduled, s.DesiredNumberScheduled)
	case s.UpdatedNumberScheduled < s.DesiredNumberScheduled:
		return Progressing, fmt.Sprintf("rollout in progress: %d of %d pods updated", s.UpdatedNumberScheduled, s.DesiredNumberScheduled)
	case s.NumberAvailable < s.DesiredNumberScheduled:
		return Progressing, fmt.Sprintf("rollout in progress: %d of %d pods available", s.NumberAvailable, s.DesiredNumberScheduled)
	}
	return Healthy, ""
}
