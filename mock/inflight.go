package mock

import (
	"context"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// inFlight is the in-flight cap: at most max requests answered at once,
// and at most perAddr of them from one client address, so that one client
// (256 slow readers, or 256 delayed requests) cannot take every slot. A
// request waits up to wait for a slot. Its map holds only addresses with a
// request in flight: it is bounded by max.
type inFlight struct {
	max, perAddr int
	wait         time.Duration

	mu     sync.Mutex
	used   int
	byAddr map[string]int
	wake   chan struct{} // closed, and replaced, when a slot is released
}

func newInFlight(n int, wait time.Duration) *inFlight {
	return &inFlight{max: n, perAddr: max(1, n/2), wait: wait, byAddr: map[string]int{}, wake: make(chan struct{})}
}

// tryTake takes a slot for addr if one is free to it; otherwise it returns
// the channel that says when to try again.
func (f *inFlight) tryTake(addr string) (bool, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.used < f.max && f.byAddr[addr] < f.perAddr {
		f.used++
		f.byAddr[addr]++
		return true, nil
	}
	return false, f.wake
}

// acquire takes a slot for addr, waiting up to f.wait for one.
func (f *inFlight) acquire(ctx context.Context, addr string) bool {
	ok, wake := f.tryTake(addr)
	if ok {
		return true
	}
	if f.wait <= 0 {
		return false
	}
	t := time.NewTimer(f.wait)
	defer t.Stop()
	for {
		select {
		case <-wake:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
		if ok, wake = f.tryTake(addr); ok {
			return true
		}
	}
}

func (f *inFlight) release(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.used--
	if f.byAddr[addr]--; f.byAddr[addr] <= 0 {
		delete(f.byAddr, addr)
	}
	close(f.wake)
	f.wake = make(chan struct{})
}

// slot is one request's place under the cap. A handler gives it up while
// it waits (a scripted delay) or writes outside net/http (a fault), so
// that waiting costs no one a turn.
type slot struct {
	f    *inFlight
	addr string
	held bool
}

const slotKey = "odmock.slot"

// slotOf is the request's slot; nil when the cap is off.
func slotOf(c echo.Context) *slot {
	s, _ := c.Get(slotKey).(*slot)
	return s
}

// release gives the slot up; it is safe to call again, and on nil.
func (s *slot) release() {
	if s != nil && s.held {
		s.held = false
		s.f.release(s.addr)
	}
}

// reacquire takes a slot again after a release; false means the server
// stayed full for the whole wait.
func (s *slot) reacquire(ctx context.Context) bool {
	if s == nil || s.held {
		return true
	}
	s.held = s.f.acquire(ctx, s.addr)
	return s.held
}
