package application

import (
	"context"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Triggers carries requests to reconcile an Application from outside the
// Application watch: changes of its live objects, and push webhooks. Its
// callers are informer event handlers and webhook requests, so App never
// blocks and never drops a request: it adds the request to the
// controller's work queue, which coalesces repeated requests for one
// Application; requests made before the controller started (or on a
// replica that is not the leader) wait in a set, one entry per
// Application, and reach the queue when the controller starts.
//
// The zero value is not usable: use NewTriggers.
type Triggers struct {
	mu sync.Mutex
	// queue is the controller's, once it started.
	queue   workqueue.TypedInterface[reconcile.Request]
	pending map[reconcile.Request]struct{}
}

// NewTriggers returns Triggers with nothing pending.
func NewTriggers() *Triggers {
	return &Triggers{pending: map[reconcile.Request]struct{}{}}
}

// App asks for a reconcile of the Application with the given instance name
// (see live.AppOf) in the controller's namespace ns. It does not wait for
// the reconcile, nor for room in any buffer.
func (t *Triggers) App(instance, ns string) {
	name := instance
	if before, after, ok := strings.Cut(instance, "_"); ok {
		ns, name = before, after
	}
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.queue != nil {
		// Add only takes the queue's lock: it never waits for a worker.
		t.queue.Add(req)
		return
	}
	t.pending[req] = struct{}{}
}

// Source is the controller's source of these requests: when the controller
// starts it, the pending requests move to its queue, and later ones go
// there directly.
func (t *Triggers) Source() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.queue = q
		for req := range t.pending {
			q.Add(req)
		}
		clear(t.pending)
		return nil
	})
}
