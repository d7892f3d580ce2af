package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// replicaSetHealth: once the controller has observed the latest generation,
// a ReplicaSet with a true ReplicaFailure condition is Degraded, and one with
// fewer available replicas than it wants is Progressing.
func replicaSetHealth(obj *unstructured.Unstructured) (Status, string) {
	var rs appsv1.ReplicaSet
	if err := typed(obj, &rs); err != nil {
		return unreadable(err)
	}
	if rs.Generation > rs.Status.ObservedGeneration {
		return Progressing, "waiting for the replicaset controller to observe the latest spec"
	}
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			return Degraded, c.Message
		}
	}
	if want := rs.Spec.Replicas; want != nil && rs.Status.AvailableReplicas < *want {
		return Progressing, fmt.Sprintf("waiting for replicas: %d of %d available", rs.Status.AvailableReplicas, *want)
	}
	return Healthy, ""
}
