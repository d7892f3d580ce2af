package health

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// cronJobHealth follows Argo CD's built-in CronJob check:
//   - spec.suspend: Suspended;
//   - no status at all: Progressing (not yet seen by its controller);
//   - never scheduled: Healthy (a missed schedule cannot be told from
//     status);
//   - scheduled but never succeeded, or a Job still active: Healthy, since
//     the run may still succeed;
//   - last success older than the last schedule, nothing active: Degraded,
//     the last run failed;
//   - otherwise Healthy.
func cronJobHealth(obj *unstructured.Unstructured) (Status, string) {
	if suspend, _, _ := unstructured.NestedBool(obj.Object, "spec", "suspend"); suspend {
		return Suspended, "cronjob is suspended"
	}
	status, ok := obj.Object["status"].(map[string]any)
	if !ok {
		return Progressing, "waiting for the cronjob controller"
	}
	scheduled, _ := status["lastScheduleTime"].(string)
	succeeded, _ := status["lastSuccessfulTime"].(string)
	active, _ := status["active"].([]any)
	switch {
	case scheduled == "":
		return Healthy, "not scheduled yet"
	case succeeded == "":
		return Healthy, "no run has succeeded yet"
	case len(active) > 0:
		return Healthy, "a job is running"
	case before(succeeded, scheduled):
		return Degraded, "the last run did not succeed"
	}
	return Healthy, "the last run succeeded"
}

// before reports whether timestamp a is earlier than b. Both are RFC 3339;
// if either does not parse, they are compared as strings, which orders
// timestamps of the same format correctly.
func before(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	if errA != nil || errB != nil {
		return a < b
	}
	return ta.Before(tb)
}
