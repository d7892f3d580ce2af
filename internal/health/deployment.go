package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// reasonDeadlineExceeded is the reason of a Deployment's Progressing
// condition once spec.progressDeadlineSeconds has passed without progress.
const reasonDeadlineExceeded = "ProgressDeadlineExceeded"

// deploymentHealth follows `kubectl rollout status`, as Argo CD does: a
// paused Deployment is Suspended; one whose controller has not observed the
// latest generation is Progressing; one past its progress deadline is
// Degraded; one with replicas still to update, terminate or become available
// is Progressing.
func deploymentHealth(obj *unstructured.Unstructured) (Status, string) {
	var d appsv1.Deployment
	if err := typed(obj, &d); err != nil {
		return unreadable(err)
	}
	if d.Spec.Paused {
		return Suspended, "deployment is paused"
	}
	if d.Generation > d.Status.ObservedGeneration {
		return Progressing, "waiting for the deployment controller to observe the latest spec"
	}
	if c := deploymentCondition(d.Status, appsv1.DeploymentProgressing); c != nil && c.Reason == reasonDeadlineExceeded {
		return Degraded, fmt.Sprintf("deployment %q exceeded its progress deadline", d.Name)
	}
	return rolloutHealth(d.Spec.Replicas, d.Status)
}

// rolloutHealth compares the replica counts of an observed Deployment.
func rolloutHealth(want *int32, s appsv1.DeploymentStatus) (Status, string) {
	switch {
	case want != nil && s.UpdatedReplicas < *want:
		return Progressing, fmt.Sprintf("rollout in progress: %d of %d replicas updated", s.UpdatedReplicas, *want)
	case s.Replicas > s.UpdatedReplicas:
		return Progressing, fmt.Sprintf("rollout in progress: %d old replicas still terminating", s.Replicas-s.UpdatedReplicas)
	case s.AvailableReplicas < s.UpdatedReplicas:
		return Progressing, fmt.Sprintf("rollout in progress: %d of %d updated replicas available", s.AvailableReplicas, s.UpdatedReplicas)
	}
	return Healthy, ""
}

// deploymentCondition returns the condition of type t, or nil.
func deploymentCondition(s appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}
