package application

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

// conditionSet holds the conditions one reconcile found, by type.
type conditionSet map[appv1.ApplicationConditionType]string

func (c conditionSet) set(t appv1.ApplicationConditionType, message string) { c[t] = message }

// add appends message to the condition of type t, if one is set already.
func (c conditionSet) add(t appv1.ApplicationConditionType, message string) {
	if prev, ok := c[t]; ok {
		message = prev + "; " + message
	}
	c[t] = message
}

// list returns the conditions sorted by type, keeping the transition time of
// those whose message did not change since prev.
func (c conditionSet) list(prev []appv1.ApplicationCondition, now time.Time) []appv1.ApplicationCondition {
	if len(c) == 0 {
		return nil
	}
	old := map[appv1.ApplicationConditionType]appv1.ApplicationCondition{}
	for _, p := range prev {
		old[p.Type] = p
	}
	out := make([]appv1.ApplicationCondition, 0, len(c))
	for t, msg := range c {
		cond := appv1.ApplicationCondition{Type: t, Message: msg}
		if p, ok := old[t]; ok && p.Message == msg && p.LastTransitionTime != nil {
			cond.LastTransitionTime = p.LastTransitionTime
		} else {
			ts := metaNow(now)
			cond.LastTransitionTime = &ts
		}
		out = append(out, cond)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

// metaNow truncates t to seconds, as the API server stores times, so that
// a written time compares equal to the one read back.
func metaNow(t time.Time) metav1.Time {
	return metav1.NewTime(t.Truncate(time.Second))
}
