package health

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// annotationHPAConditions holds the conditions of an autoscaling/v1
// HorizontalPodAutoscaler, which has no status.conditions field.
const annotationHPAConditions = "autoscaling.alpha.kubernetes.io/conditions"

// hpaHealth follows Argo CD: the conditions (status.conditions, or for
// autoscaling/v1 the conditions annotation) are read in order; any
// condition that shows a failure makes the HPA Degraded; otherwise a true
// AbleToScale or ScalingLimited condition makes it Healthy; otherwise it is
// Progressing.
func hpaHealth(obj *unstructured.Unstructured) (Status, string) {
	conds, err := hpaConditions(obj)
	if err != nil {
		return unreadable(err)
	}
	for _, c := range conds {
		if hpaFailed(c) {
			return Degraded, c.Message
		}
	}
	for _, c := range conds {
		if (c.Type == "AbleToScale" || c.Type == "ScalingLimited") && c.Status == "True" {
			return Healthy, c.Message
		}
	}
	return Progressing, "waiting to autoscale"
}

// hpaConditions reads the conditions of any autoscaling version.
func hpaConditions(obj *unstructured.Unstructured) ([]condition, error) {
	if conds := statusConditions(obj); len(conds) > 0 {
		return conds, nil
	}
	raw, ok := obj.GetAnnotations()[annotationHPAConditions]
	if !ok {
		return nil, nil
	}
	var conds []condition
	if err := json.Unmarshal([]byte(raw), &conds); err != nil {
		return nil, fmt.Errorf("read annotation %s: %w", annotationHPAConditions, err)
	}
	return conds, nil
}

// hpaFailed reports whether a condition shows that the HPA cannot do its
// job. Argo CD lists AbleToScale with FailedGetScale or FailedUpdateScale
// and ScalingActive with FailedGetResourceMetric or InvalidSelector. Tether
// also counts every other ScalingActive=False (failing custom, external or
// container metrics, say), except ScalingDisabled, which means the target
// was scaled to zero on purpose.
func hpaFailed(c condition) bool {
	switch c.Type {
	case "AbleToScale":
		return c.Reason == "FailedGetScale" || c.Reason == "FailedUpdateScale"
	case "ScalingActive":
		return c.Reason == "FailedGetResourceMetric" || c.Reason == "InvalidSelector" ||
			(c.Status == "False" && c.Reason != "ScalingDisabled")
	}
	return false
}
