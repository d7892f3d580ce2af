package health

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// statefulSetHealth follows `kubectl rollout status`, as Argo CD does: the
// controller must have observed the latest generation and all replicas must
// be ready; a partitioned rolling update only waits for the Pods above the
// partition; OnDelete is Healthy once replicas are ready; otherwise the
// update revision must have become the current one.
func statefulSetHealth(obj *unstructured.Unstructured) (Status, string) {
	var sts appsv1.StatefulSet
	if err := typed(obj, &sts); err != nil {
		return unreadable(err)
	}
	s, spec := sts.Status, sts.Spec
	if s.ObservedGeneration == 0 || sts.Generation > s.ObservedGeneration {
		return Progressing, "waiting for the statefulset controller to observe the latest spec"
	}
	if spec.Replicas != nil && s.ReadyReplicas < *spec.Replicas {
		return Progressing, fmt.Sprintf("waiting for %d of %d pods to be ready", *spec.Replicas-s.ReadyReplicas, *spec.Replicas)
	}
	switch strategy := spec.UpdateStrategy; {
	case strategy.Type == appsv1.RollingUpdateStatefulSetStrategyType && strategy.RollingUpdate != nil:
		return partitionHealth(spec.Replicas, strategy.RollingUpdate.Partition, s.UpdatedReplicas)
	case strategy.Type == appsv1.OnDeleteStatefulSetStrategyType:
		return Healthy, fmt.Sprintf("%d pods ready", s.ReadyReplicas)
	case s.UpdateRevision != s.CurrentRevision:
		return Progressing, fmt.Sprintf("rolling update in progress: %d pods at revision %s", s.UpdatedReplicas, s.UpdateRevision)
	}
	return Healthy, fmt.Sprintf("rolling update complete: %d pods at revision %s", s.CurrentReplicas, s.CurrentRevision)
}

// partitionHealth checks a rolling update with a partition: only the Pods
// with an ordinal at or above the partition are updated.
func partitionHealth(replicas, partition *int32, updated int32) (Status, string) {
	if replicas != nil && partition != nil {
		if want := *replicas - *partition; updated < want {
			return Progressing, fmt.Sprintf("partitioned rollout in progress: %d of %d pods updated", updated, want)
		}
	}
	return Healthy, fmt.Sprintf("partitioned rollout complete: %d pods updated", updated)
}
