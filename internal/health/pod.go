package health

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// annotationIgnoreRestartPolicy makes a running Pod with restartPolicy
// OnFailure or Never be assessed like one with Always (Argo CD's name).
const annotationIgnoreRestartPolicy = "argocd.argoproj.io/ignore-restart-policy"

// podHealth follows Argo CD:
//   - a Pod that restarts its containers (restartPolicy Always, the default)
//     is Degraded as soon as a container waits for a failure reason such as
//     CrashLoopBackOff, ImagePullBackOff, ErrImagePull or
//     CreateContainerConfigError;
//   - Pending is Progressing, Succeeded Healthy, Failed Degraded;
//   - Running is Healthy when Ready, Degraded when not Ready after a container
//     terminated, else Progressing. A running Pod with restartPolicy
//     OnFailure or Never is expected to finish (a hook, a Job's Pod), so it
//     stays Progressing unless annotated with
//     argocd.argoproj.io/ignore-restart-policy.
//
// The waiting check is skipped for OnFailure and Never so that a sync hook
// Pod pulling a late image is not failed early.
func podHealth(obj *unstructured.Unstructured) (Status, string) {
	var pod corev1.Pod
	if err := typed(obj, &pod); err != nil {
		return unreadable(err)
	}
	if restartsAlways(&pod) {
		if msg, failing := waitingOnFailure(pod.Status.ContainerStatuses); failing {
			return Degraded, msg
		}
	}
	switch pod.Status.Phase {
	case corev1.PodPending:
		return Progressing, pod.Status.Message
	case corev1.PodSucceeded:
		return Healthy, pod.Status.Message
	case corev1.PodFailed:
		return Degraded, failureMessage(&pod)
	case corev1.PodRunning:
		return runningHealth(&pod)
	}
	return Unknown, pod.Status.Message
}

// restartsAlways reports whether kubelet restarts the Pod's containers. An
// empty policy is the API default, Always.
func restartsAlways(pod *corev1.Pod) bool {
	p := pod.Spec.RestartPolicy
	return p == corev1.RestartPolicyAlways || p == ""
}

// waitingOnFailure returns the messages of containers that wait because
// they failed (reasons starting with "Err" or ending in "Error" or
// "BackOff"), and whether there was any.
func waitingOnFailure(statuses []corev1.ContainerStatus) (string, bool) {
	var msgs []string
	for _, cs := range statuses {
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		if strings.HasPrefix(w.Reason, "Err") || strings.HasSuffix(w.Reason, "Error") || strings.HasSuffix(w.Reason, "BackOff") {
			msgs = append(msgs, waitingMessage(cs.Name, w))
		}
	}
	return strings.Join(msgs, ", "), len(msgs) > 0
}

// waitingMessage describes a waiting container, falling back to its reason.
func waitingMessage(name string, w *corev1.ContainerStateWaiting) string {
	if w.Message != "" {
		return w.Message
	}
	return fmt.Sprintf("container %q: %s", name, w.Reason)
}

// runningHealth assesses a Pod in phase Running.
func runningHealth(pod *corev1.Pod) (Status, string) {
	_, ignorePolicy := pod.Annotations[annotationIgnoreRestartPolicy]
	if !ignorePolicy && !restartsAlways(pod) {
		return Progressing, pod.Status.Message
	}
	if podReady(pod) {
		return Healthy, pod.Status.Message
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.LastTerminationState.Terminated != nil {
			return Degraded, pod.Status.Message
		}
	}
	return Progressing, pod.Status.Message
}

// podReady reports whether the Pod's Ready condition is True.
func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// failureMessage explains a failed Pod: its own message, else the first
// container (init containers first) that terminated with a message, with
// OOMKilled, or with a non-zero exit code.
func failureMessage(pod *corev1.Pod) string {
	if pod.Status.Message != "" {
		return pod.Status.Message
	}
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range all {
		t := cs.State.Terminated
		switch {
		case t == nil:
		case t.Message != "":
			return t.Message
		case t.Reason == "OOMKilled":
			return t.Reason
		case t.ExitCode != 0:
			return fmt.Sprintf("container %q failed with exit code %d", cs.Name, t.ExitCode)
		}
	}
	return ""
}
