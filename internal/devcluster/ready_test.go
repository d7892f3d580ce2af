package devcluster

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, ready bool, taints ...string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status}}
	for _, key := range taints {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
	}
	return n
}

func TestNodesReady(t *testing.T) {
	tests := []struct {
		name  string
		nodes []corev1.Node
		want  int
		ready bool
	}{
		{"no nodes", nil, 1, false},
		{"one ready", []corev1.Node{node("a", true)}, 1, true},
		{"not ready", []corev1.Node{node("a", false)}, 1, false},
		{"ready but tainted", []corev1.Node{node("a", true, corev1.TaintNodeNotReady)}, 1, false},
		{"other taints are fine", []corev1.Node{node("a", true, "dedicated")}, 1, true},
		{"too few", []corev1.Node{node("a", true), node("b", false)}, 2, false},
		{"all of several", []corev1.Node{node("a", true), node("b", true)}, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := nodesReady(tt.nodes, tt.want)
			if tt.ready != (err == nil) {
				t.Fatalf("nodesReady = %v, want ready=%v", err, tt.ready)
			}
			if err != nil && !errors.Is(err, errNotYet) {
				t.Fatalf("a not-ready result must be retried, got %v", err)
			}
		})
	}
}
