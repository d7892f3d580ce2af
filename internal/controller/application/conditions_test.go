package application

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	appv1 "github.com/tether-gitops/tether/api/v1alpha1"
)

func TestConditionSetAdd(t *testing.T) {
	c := conditionSet{}
	c.add(appv1.ApplicationConditionUnsupportedField, "a")
	c.add(appv1.ApplicationConditionUnsupportedField, "b")
	c.set(appv1.ApplicationConditionSyncError, "x")
	c.set(appv1.ApplicationConditionSyncError, "y")
	if got := c[appv1.ApplicationConditionUnsupportedField]; got != "a; b" {
		t.Errorf("add twice = %q, want %q", got, "a; b")
	}
	if got := c[appv1.ApplicationConditionSyncError]; got != "y" {
		t.Errorf("set twice = %q, want the last message", got)
	}
}

func TestConditionSetList(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 700_000_000, time.UTC)
	earlier := metav1.NewTime(now.Add(-time.Hour).Truncate(time.Second))
	nowMeta := metav1.NewTime(now.Truncate(time.Second))
	sync, spec := appv1.ApplicationConditionSyncError, appv1.ApplicationConditionInvalidSpecError
	tests := []struct {
		name string
		set  conditionSet
		prev []appv1.ApplicationCondition
		want []appv1.ApplicationCondition
	}{
		{name: "none", set: conditionSet{}, prev: []appv1.ApplicationCondition{{Type: sync, Message: "old"}}, want: nil},
		{
			name: "new conditions are stamped now, truncated to seconds, sorted by type",
			set:  conditionSet{sync: "s", spec: "i"},
			want: []appv1.ApplicationCondition{
				{Type: spec, Message: "i", LastTransitionTime: &nowMeta},
				{Type: sync, Message: "s", LastTransitionTime: &nowMeta},
			},
		},
		{
			name: "an unchanged message keeps its transition time",
			set:  conditionSet{sync: "s"},
			prev: []appv1.ApplicationCondition{{Type: sync, Message: "s", LastTransitionTime: &earlier}},
			want: []appv1.ApplicationCondition{{Type: sync, Message: "s", LastTransitionTime: &earlier}},
		},
		{
			name: "a changed message is a transition",
			set:  conditionSet{sync: "s2"},
			prev: []appv1.ApplicationCondition{{Type: sync, Message: "s", LastTransitionTime: &earlier}},
			want: []appv1.ApplicationCondition{{Type: sync, Message: "s2", LastTransitionTime: &nowMeta}},
		},
		{
			name: "a previous condition without a time gets one",
			set:  conditionSet{sync: "s"},
			prev: []appv1.ApplicationCondition{{Type: sync, Message: "s"}},
			want: []appv1.ApplicationCondition{{Type: sync, Message: "s", LastTransitionTime: &nowMeta}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.set.list(tt.prev, now)
			if len(got) != len(tt.want) {
				t.Fatalf("list = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Type != w.Type || g.Message != w.Message || !g.LastTransitionTime.Equal(w.LastTransitionTime) {
					t.Errorf("condition %d = %s %q at %v, want %s %q at %v", i, g.Type, g.Message, g.LastTransitionTime, w.Type, w.Message, w.LastTransitionTime)
				}
			}
		})
	}
}
