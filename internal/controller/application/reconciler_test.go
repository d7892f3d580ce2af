package application

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestBehindOwnWrite(t *testing.T) {
	key := client.ObjectKey{Namespace: "argocd", Name: "guestbook"}
	tests := []struct {
		name    string
		written string // resourceVersion the last write replaced; "" for none
		cached  []string
		want    []bool
	}{
		{name: "no write", cached: []string{"5"}, want: []bool{false}},
		{name: "cache still shows the replaced version", written: "5", cached: []string{"5", "5"}, want: []bool{true, true}},
		{name: "cache caught up, then forgets the write", written: "5", cached: []string{"6", "5"}, want: []bool{false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Reconciler{}
			if tt.written != "" {
				r.written.Store(key, tt.written)
			}
			for i, rv := range tt.cached {
				if got := r.behind(key, rv); got != tt.want[i] {
					t.Errorf("read %d at resourceVersion %s: behind = %v, want %v", i, rv, got, tt.want[i])
				}
			}
		})
	}
}
