package health

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// jobHealth follows Argo CD: a Job with a Failed condition is Degraded, with
// a Complete condition Healthy, with a Suspended condition Suspended, and
// otherwise Progressing (running, or not started yet).
//
// Unlike Argo CD, only conditions with status True count, so that a resumed
// Job (Suspended=False) is Progressing rather than Healthy, and a Job with
// spec.suspend set is Suspended before its controller adds the condition.
func jobHealth(obj *unstructured.Unstructured) (Status, string) {
	var job batchv1.Job
	if err := typed(obj, &job); err != nil {
		return unreadable(err)
	}
	failed := jobCondition(&job, batchv1.JobFailed)
	complete := jobCondition(&job, batchv1.JobComplete)
	suspended := jobCondition(&job, batchv1.JobSuspended)
	switch {
	case failed != nil:
		return Degraded, failed.Message
	case complete != nil:
		return Healthy, complete.Message
	case suspended != nil:
		return Suspended, suspended.Message
	case job.Spec.Suspend != nil && *job.Spec.Suspend:
		return Suspended, "job is suspended"
	}
	return Progressing, "waiting for the job to complete"
}

// jobCondition returns the condition of type t if its status is True.
func jobCondition(job *batchv1.Job, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range job.Status.Conditions {
		c := &job.Status.Conditions[i]
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return c
		}
	}
	return nil
}
