package health

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// apiServiceHealth: an APIService is Healthy when its Available condition is
// True and Progressing otherwise, including before the aggregator has set
// the condition.
func apiServiceHealth(obj *unstructured.Unstructured) (Status, string) {
	for _, c := range statusConditions(obj) {
		if c.Type != "Available" {
			continue
		}
		msg := fmt.Sprintf("%s: %s", c.Reason, c.Message)
		if c.Status == "True" {
			return Healthy, msg
		}
		return Progressing, msg
	}
	return Progressing, "waiting for the aggregator to check the service"
}
