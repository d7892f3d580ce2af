package health

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// serviceHealth: a Service of type LoadBalancer is Progressing until the
// cloud provider has published an ingress point in
// status.loadBalancer.ingress; every other Service is Healthy.
func serviceHealth(obj *unstructured.Unstructured) (Status, string) {
	var svc corev1.Service
	if err := typed(obj, &svc); err != nil {
		return unreadable(err)
	}
	if svc.Spec.Type == corev1.ServiceTypeLoadBalancer && len(svc.Status.LoadBalancer.Ingress) == 0 {
		return Progressing, "waiting for the load balancer to be provisioned"
	}
	return Healthy, ""
}
