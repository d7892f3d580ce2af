package appset

import (
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selectorMatches reports whether labels satisfy sel, with Kubernetes'
// label selector semantics but no restriction on values, so that
// generators can select on URLs and paths as in Argo CD. A nil or empty
// selector matches everything; an unknown operator is an error.
func selectorMatches(sel *metav1.LabelSelector, labels map[string]string) (bool, error) {
	if sel == nil {
		return true, nil
	}
	for k, v := range sel.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false, nil
		}
	}
	for _, req := range sel.MatchExpressions {
		ok, err := requirementMatches(req, labels)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func requirementMatches(req metav1.LabelSelectorRequirement, labels map[string]string) (bool, error) {
	v, has := labels[req.Key]
	switch req.Operator {
	case metav1.LabelSelectorOpIn:
		return has && slices.Contains(req.Values, v), nil
	case metav1.LabelSelectorOpNotIn:
		return !has || !slices.Contains(req.Values, v), nil
	case metav1.LabelSelectorOpExists:
		return has, nil
	case metav1.LabelSelectorOpDoesNotExist:
		return !has, nil
	}
	return false, fmt.Errorf("selector: unknown operator %q for key %q", req.Operator, req.Key)
}

// emptySelector reports whether sel selects nothing in particular.
func emptySelector(sel metav1.LabelSelector) bool {
	return len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0
}
