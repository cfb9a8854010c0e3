package mock

import (
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// rateLimiter throttles like Laravel's ThrottleRequests: a fixed number of
// requests per key per minute, the minute starting at the key's first hit.
//
// It keeps at most maxKeys keys, forgetting the least recently used past
// it, and sweeps expired windows once every rateSweepEvery: a new key
// costs the same with a million live ones as with ten.
type rateLimiter struct {
	limit int
	now   func() time.Time

	mu        sync.Mutex
	hits      *lru[string, *rateWindow]
	nextSweep time.Time
}

// rateSweepEvery is how often expired windows are forgotten.
const rateSweepEvery = 10 * time.Second

type rateWindow struct {
	count int
	reset time.Time
}

func newRateLimiter(perMinute, maxKeys int, now func() time.Time, log *slog.Logger) *rateLimiter {
	l := &rateLimiter{limit: perMinute, now: now, hits: newLRU[string, *rateWindow](maxKeys)}
	l.hits.onEvict = logEvictions(log, "rate limit keys", l.hits)
	return l
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
	if !now.Before(l.nextSweep) {
		l.sweep(now)
	}
	w, ok := l.hits.get(key)
	if !ok || !now.Before(w.reset) {
		w = &rateWindow{reset: now.Add(time.Minute)}
		l.hits.put(key, w)
	}
	w.count++
	if w.count > l.limit {
		secs := int(w.reset.Sub(now).Seconds() + 0.999)
		return rateDecision{remaining: 0, retryAfter: max(secs, 1), resetAt: w.reset}
	}
	return rateDecision{allowed: true, remaining: l.limit - w.count, resetAt: w.reset}
}

// sweep forgets expired windows; l.mu is held.
func (l *rateLimiter) sweep(now time.Time) {
	l.nextSweep = now.Add(rateSweepEvery)
	var expired []string
	l.hits.each(func(k string, w *rateWindow) bool {
		if !now.Before(w.reset) {
			expired = append(expired, k)
		}
		return true
	})
	for _, k := range expired {
		l.hits.remove(k)
	}
}

// keys is how many keys are kept, and how many were forgotten for room.
func (l *rateLimiter) keys() (kept int, evicted uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hits.len(), l.hits.evicted.Load()
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
