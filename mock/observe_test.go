package mock

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestSettleWaitsForEarlierRequests checks that a read of the journal or
// coverage waits for requests that arrived before it, not for itself nor
// for later ones, and gives up on one held up past the timeout.
func TestSettleWaitsForEarlierRequests(t *testing.T) {
	t.Parallel()
	var o observations
	earlier := o.begin()
	var observed atomic.Bool
	go func() {
		time.Sleep(50 * time.Millisecond)
		observed.Store(true)
		o.end(earlier)
	}()
	self := o.begin()
	o.settle(self, 5*time.Second)
	if !observed.Load() {
		t.Fatal("settle returned before an earlier request was observed")
	}
	o.end(self)

	later := o.begin() // arrives after the read: not waited for
	_ = later
	start := time.Now()
	o.settle(later, 5*time.Second)
	if time.Since(start) > time.Second {
		t.Errorf("settle waited for itself")
	}

	stuck := o.begin() // never ends: the timeout bounds the wait
	_ = stuck
	done := make(chan struct{})
	go func() {
		o.settle(0, 100*time.Millisecond)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("settle did not give up on a request that never ends")
	}
}
