package application

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// TestTriggersNeverBlock: App returns at once whether the controller has
// not started, or started and reconciles nothing, and every Application
// asked for is reconciled once it does, each once however often asked.
func TestTriggersNeverBlock(t *testing.T) {
	const apps, rounds = 500, 40
	tr := NewTriggers()
	send := func(what string) {
		t.Helper()
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range rounds {
				for i := range apps {
					tr.App(fmt.Sprintf("app-%d", i), "argocd")
				}
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d triggers %s did not return within 10s", apps*rounds, what)
		}
	}
	send("before the controller started")

	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	if err := tr.Source().Start(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	// A worker that holds one request and reconciles nothing more.
	held, _ := q.Get()
	send("while no worker takes requests")
	tr.App("other_team-a", "argocd")

	want := map[reconcile.Request]bool{held: true}
	for i := range apps {
		want[reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "argocd", Name: fmt.Sprintf("app-%d", i)}}] = true
	}
	want[reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "other", Name: "team-a"}}] = true
	q.Done(held) // it was asked for again meanwhile: it comes back
	got := map[reconcile.Request]int{}
	for q.Len() > 0 {
		req, _ := q.Get()
		got[req]++
		q.Done(req)
	}
	for req := range want {
		if got[req] != 1 {
			t.Errorf("%s reconciled %d times, want once", req, got[req])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d Applications reconciled, want %d", len(got), len(want))
	}
}
