package mock

import (
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// rateLimiter throttles like Laravel's ThrottleRequests: a fixed number of
// requests per key per minute, the minute starting at the key's first hit.
// Its windows are kept in buckets: this replica's memory, or Redis.
type rateLimiter struct {
	limit   int
	now     func() time.Time
	buckets rateBuckets
}

// rateWindowLen is how long a window lasts from a key's first hit.
const rateWindowLen = time.Minute

func newRateLimiter(perMinute, maxKeys int, now func() time.Time, log *slog.Logger) *rateLimiter {
	return &rateLimiter{limit: perMinute, now: now, buckets: newMemBuckets(maxKeys, log)}
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
	count, reset := l.buckets.hit(key, now)
	if count > l.limit {
		secs := int(reset.Sub(now).Seconds() + 0.999)
		return rateDecision{remaining: 0, retryAfter: max(secs, 1), resetAt: reset}
	}
	return rateDecision{allowed: true, remaining: l.limit - count, resetAt: reset}
}

// memBuckets are the windows in this replica's memory. They keep at most
// maxKeys keys, forgetting the least recently used past it, and sweep
// expired windows once every rateSweepEvery: a new key costs the same
// with a million live ones as with ten.
type memBuckets struct {
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

func newMemBuckets(maxKeys int, log *slog.Logger) *memBuckets {
	b := &memBuckets{hits: newLRU[string, *rateWindow](maxKeys)}
	b.hits.onEvict = logEvictions(log, "rate limit keys", b.hits)
	return b
}

func (b *memBuckets) hit(key string, now time.Time) (int, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !now.Before(b.nextSweep) {
		b.sweep(now)
	}
	w, ok := b.hits.get(key)
	if !ok || !now.Before(w.reset) {
		w = &rateWindow{reset: now.Add(rateWindowLen)}
		b.hits.put(key, w)
	}
	w.count++
	return w.count, w.reset
}

// sweep forgets expired windows; b.mu is held.
func (b *memBuckets) sweep(now time.Time) {
	b.nextSweep = now.Add(rateSweepEvery)
	var expired []string
	b.hits.each(func(k string, w *rateWindow) bool {
		if !now.Before(w.reset) {
			expired = append(expired, k)
		}
		return true
	})
	for _, k := range expired {
		b.hits.remove(k)
	}
}

// kept is how many keys are kept, and how many were forgotten for room.
func (b *memBuckets) kept() (int, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hits.len(), b.hits.evicted.Load()
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
