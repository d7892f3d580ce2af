package health

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// pvcHealth maps the claim's phase: Bound is Healthy, Pending Progressing,
// Lost Degraded; any other phase is Unknown.
func pvcHealth(obj *unstructured.Unstructured) (Status, string) {
	var pvc corev1.PersistentVolumeClaim
	if err := typed(obj, &pvc); err != nil {
		return unreadable(err)
	}
	switch phase := pvc.Status.Phase; phase {
	case corev1.ClaimBound:
		return Healthy, ""
	case corev1.ClaimPending:
		return Progressing, "waiting for the claim to be bound"
	case corev1.ClaimLost:
		return Degraded, "the claim lost its volume"
	default:
		return Unknown, fmt.Sprintf("unrecognized phase %q", phase)
	}
}
