package health

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Status is the health of one object, or of an Application as a whole. The
// values are spelled as Argo CD spells them, since users see them.
type Status string

const (
	// Healthy: the object is doing what its spec asks for.
	Healthy Status = "Healthy"
	// Progressing: not healthy yet, but still expected to get there, such as
	// a rollout in progress or a load balancer not yet provisioned.
	Progressing Status = "Progressing"
	// Degraded: the object failed, or gave up getting healthy, such as a
	// Deployment past its progress deadline or a Pod in CrashLoopBackOff.
	Degraded Status = "Degraded"
	// Suspended: paused on purpose, such as a paused Deployment or a
	// suspended Job or CronJob.
	Suspended Status = "Suspended"
	// Missing: the object should exist but is not in the cluster.
	Missing Status = "Missing"
	// Unknown: the health could not be assessed, for example because the
	// object could not be read as its kind.
	Unknown Status = "Unknown"
)

// hookFinalizer is the finalizer that Argo CD puts on sync hooks. A hook
// being deleted keeps its own health until the finalizer is released.
const hookFinalizer = "argocd.argoproj.io/hook-finalizer"

// Assess returns the health of a live object and a message for people (empty
// when there is nothing to add). A nil object is Missing; an object being
// deleted is Progressing; kinds without built-in rules are Healthy. Assess
// reads only obj, which it does not modify.
func Assess(obj *unstructured.Unstructured) (Status, string) {
	if obj == nil {
		return Missing, "resource does not exist in the cluster"
	}
	if obj.GetDeletionTimestamp() != nil && !slices.Contains(obj.GetFinalizers(), hookFinalizer) {
		return Progressing, "pending deletion"
	}
	check := checkFor(obj.GroupVersionKind().GroupKind())
	if check == nil {
		return Healthy, ""
	}
	return check(obj)
}

// check assesses one kind.
type check func(obj *unstructured.Unstructured) (Status, string)

// checkFor returns the check for a kind, or nil when the kind has no
// built-in rules.
func checkFor(gk schema.GroupKind) check {
	switch gk {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"},
		schema.GroupKind{Group: "extensions", Kind: "Deployment"}:
		return deploymentHealth
	case schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		return statefulSetHealth
	case schema.GroupKind{Group: "apps", Kind: "DaemonSet"},
		schema.GroupKind{Group: "extensions", Kind: "DaemonSet"}:
		return daemonSetHealth
	case schema.GroupKind{Group: "apps", Kind: "ReplicaSet"},
		schema.GroupKind{Group: "extensions", Kind: "ReplicaSet"}:
		return replicaSetHealth
	case schema.GroupKind{Kind: "Pod"}:
		return podHealth
	case schema.GroupKind{Kind: "Service"}:
		return serviceHealth
	case schema.GroupKind{Group: "networking.k8s.io", Kind: "Ingress"},
		schema.GroupKind{Group: "extensions", Kind: "Ingress"}:
		return ingressHealth
	case schema.GroupKind{Kind: "PersistentVolumeClaim"}:
		return pvcHealth
	case schema.GroupKind{Group: "batch", Kind: "Job"}:
		return jobHealth
	case schema.GroupKind{Group: "batch", Kind: "CronJob"}:
		return cronJobHealth
	case schema.GroupKind{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:
		return hpaHealth
	case schema.GroupKind{Group: "apiregistration.k8s.io", Kind: "APIService"}:
		return apiServiceHealth
	}
	return nil
}

// rank orders statuses from healthiest (0) to worst, as Argo CD does:
// Healthy, Suspended, Progressing, Missing, Degraded, Unknown. Unrecognized
// values rank as Healthy, as in Argo CD.
func rank(s Status) int {
	switch s {
	case Suspended:
		return 1
	case Progressing:
		return 2
	case Missing:
		return 3
	case Degraded:
		return 4
	case Unknown:
		return 5
	}
	return 0
}

// Less reports whether a is healthier than b in Argo CD's order: Healthy,
// Suspended, Progressing, Missing, Degraded, Unknown. Unrecognized values
// count as Healthy.
func Less(a, b Status) bool {
	return rank(a) < rank(b)
}

// IsWorse reports whether next is a worse status than current, with the
// argument order and meaning of Argo CD's health.IsWorse.
func IsWorse(current, next Status) bool {
	return Less(current, next)
}

// Worst returns the worst of statuses, which is how the health of an
// Application follows from the health of its resources. With no statuses it
// returns Healthy: an Application with nothing to watch is healthy.
func Worst(statuses ...Status) Status {
	worst := Healthy
	for _, s := range statuses {
		if IsWorse(worst, s) {
			worst = s
		}
	}
	return worst
}

// typed converts obj into the typed struct into. The caller picks a struct
// whose fields are a superset of the older API versions it accepts.
func typed(obj *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, into); err != nil {
		return fmt.Errorf("read %s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

// unreadable is the health of an object that could not be read as its kind.
func unreadable(err error) (Status, string) {
	return Unknown, err.Error()
}
