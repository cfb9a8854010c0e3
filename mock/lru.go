package mock

import (
	"log/slog"
	"sync/atomic"
)

// DefaultMaxSessions is how many sessions' state a server keeps by
// default (Config.MaxSessions): per kind of state (coverage, scenario in
// force, call counters), about 1 KiB a session at most, so some 10 MiB in
// all.
const DefaultMaxSessions = 10_000

// lru is a map bounded to max entries: adding one past it forgets the
// least recently used entry, one at a time, and counts it. It is not safe
// for concurrent use: its owner holds a lock around it.
type lru[K comparable, V any] struct {
	max     int
	entries map[K]*lruEntry[K, V]
	head    lruEntry[K, V] // sentinel: head.next is the most recent
	evicted atomic.Uint64  // read without the owner's lock
	// onEvict, when set, is told of every entry forgotten for room.
	onEvict func(K, V)
}

type lruEntry[K comparable, V any] struct {
	key        K
	value      V
	prev, next *lruEntry[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	l := &lru[K, V]{max: max, entries: map[K]*lruEntry[K, V]{}}
	l.head.prev, l.head.next = &l.head, &l.head
	return l
}

// get returns the value of k and marks it used.
func (l *lru[K, V]) get(k K) (V, bool) {
	e, ok := l.entries[k]
	if !ok {
		var zero V
		return zero, false
	}
	l.toFront(e)
	return e.value, true
}

// peek returns the value of k without marking it used.
func (l *lru[K, V]) peek(k K) (V, bool) {
	e, ok := l.entries[k]
	if !ok {
		var zero V
		return zero, false
	}
	return e.value, true
}

// put sets k to v and marks it used, forgetting the least recently used
// entry when the map is full.
func (l *lru[K, V]) put(k K, v V) {
	if e, ok := l.entries[k]; ok {
		e.value = v
		l.toFront(e)
		return
	}
	if len(l.entries) >= l.max {
		old := l.head.prev
		l.unlink(old)
		delete(l.entries, old.key)
		l.evicted.Add(1)
		if l.onEvict != nil {
			l.onEvict(old.key, old.value)
		}
	}
	e := &lruEntry[K, V]{key: k, value: v}
	l.entries[k] = e
	l.link(e)
}

// remove forgets k; it is not an eviction.
func (l *lru[K, V]) remove(k K) {
	if e, ok := l.entries[k]; ok {
		l.unlink(e)
		delete(l.entries, k)
	}
}

// clear forgets every entry.
func (l *lru[K, V]) clear() {
	clear(l.entries)
	l.head.prev, l.head.next = &l.head, &l.head
}

func (l *lru[K, V]) len() int { return len(l.entries) }

// each calls f for every entry, most recent first, until f returns false.
func (l *lru[K, V]) each(f func(K, V) bool) {
	for e := l.head.next; e != &l.head; e = e.next {
		if !f(e.key, e.value) {
			return
		}
	}
}

func (l *lru[K, V]) toFront(e *lruEntry[K, V]) {
	if l.head.next == e {
		return
	}
	l.unlink(e)
	l.link(e)
}

func (l *lru[K, V]) link(e *lruEntry[K, V]) {
	e.prev, e.next = &l.head, l.head.next
	l.head.next.prev = e
	l.head.next = e
}

func (l *lru[K, V]) unlink(e *lruEntry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// logEvictions returns an onEvict hook that logs the 1st, 2nd, 4th, 8th...
// eviction of l's entries: a flood of new sessions says so in the log a
// few dozen times, not a million.
func logEvictions[K comparable, V any](log *slog.Logger, what string, l *lru[K, V]) func(K, V) {
	return func(K, V) {
		if n := l.evicted.Load(); n&(n-1) == 0 {
			log.Warn("state bound reached: least recently used entries forgotten",
				"state", what, "limit", l.max, "evicted", n)
		}
	}
}
