package application

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingSource answers ChangedFiles once released, counting the calls.
type countingSource struct {
	Source
	calls   atomic.Int32
	release chan struct{}
}

func (s *countingSource) ChangedFiles(context.Context, string, string, string) ([]string, error) {
	s.calls.Add(1)
	<-s.release
	return []string{"apps/a/cm.yaml"}, nil
}

// TestChangeCacheSharesOneCall: the Applications of a monorepo that move to
// a new commit at once ask for its changes once.
func TestChangeCacheSharesOneCall(t *testing.T) {
	src := &countingSource{release: make(chan struct{})}
	c := newChangeCache()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			files, err := c.get(context.Background(), src, "repo", "c0", "c1")
			if err != nil || len(files) != 1 {
				t.Errorf("get = %v, %v", files, err)
			}
		})
	}
	// Give the callers time to reach the source: without sharing, each
	// would call it.
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) && src.calls.Load() <= 1 {
		runtime.Gosched()
	}
	close(src.release)
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Errorf("20 callers made %d ChangedFiles calls, want 1", n)
	}
}
