package health

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// ingressHealth: an Ingress is Progressing until its controller has
// published an address in status.loadBalancer.ingress. The field has the same
// place in networking.k8s.io/v1, v1beta1 and extensions/v1beta1, so the
// object is read without conversion.
func ingressHealth(obj *unstructured.Unstructured) (Status, string) {
	ingress, _, err := unstructured.NestedSlice(obj.Object, "status", "loadBalancer", "ingress")
	if err != nil {
		return unreadable(err)
	}
	if len(ingress) == 0 {
		return Progressing, "waiting for the ingress controller to publish an address"
	}
	return Healthy, ""
}
