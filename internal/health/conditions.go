package health

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// condition is the part of a status condition that health rules read. It is
// used for kinds whose Go types are not vendored (APIService) or differ
// between versions (HorizontalPodAutoscaler).
type condition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// statusConditions returns status.conditions of obj, skipping entries that
// are not objects. Fields of the wrong type read as empty.
func statusConditions(obj *unstructured.Unstructured) []condition {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	out := make([]condition, 0, len(list))
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, condition{
			Type:    str(m["type"]),
			Status:  str(m["status"]),
			Reason:  str(m["reason"]),
			Message: str(m["message"]),
		})
	}
	return out
}

// str returns v if it is a string, else "".
func str(v any) string {
	s, _ := v.(string)
	return s
}
