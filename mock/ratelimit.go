package mock

import (
	"strconv"
	"sync"
	"time"
)

// rateLimiter throttles like Laravel's ThrottleRequests: a fixed number of
// requests per key per minute, the minute starting at the key's first hit.
type rateLimiter struct {
	limit int
	now   func() time.Time

	mu   sync.Mutex
	hits map[string]*rateWindow
}

type rateWindow struct {
	count int
	reset time.Time
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: perMinute, now: now, hits: map[string]*rateWindow{}}
}

// rateDecision is what the limiter says about one request.
type rateDecision struct {
	allowed    bool
	remaining  int
	retryAfter int // seconds, when not allowed
	resetAt    time.Time
}

// take counts a request for key.
func (l *rateLimiter) take(key string) rateDecision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.hits[key]
	if w == nil || !now.Before(w.reset) {
		if len(l.hits) > 100_000 { // forget expired keys before growing
			for k, old := range l.hits {
				if !now.Before(old.reset) {
					delete(l.hits, k)
				}
			}
		}
		w = &rateWindow{reset: now.Add(time.Minute)}
		l.hits[key] = w
	}
	w.count++
	if w.count > l.limit {
		secs := int(w.reset.Sub(now).Seconds() + 0.999)
		return rateDecision{remaining: 0, retryAfter: max(secs, 1), resetAt: w.reset}
	}
	return rateDecision{allowed: true, remaining: l.limit - w.count, resetAt: w.reset}
}

// headers are Laravel's rate-limit headers for the decision.
func (d rateDecision) headers(limit int) [][2]string {
	h := [][2]string{{"X-RateLimit-Limit", strconv.Itoa(limit)}, {"X-RateLimit-Remaining", strconv.Itoa(d.remaining)}}
	if !d.allowed {
		h = append(h, [2]string{"Retry-After", strconv.Itoa(d.retryAfter)},
			[2]string{"X-RateLimit-Reset", strconv.FormatInt(d.resetAt.Unix(), 10)})
	}
	return h
}
