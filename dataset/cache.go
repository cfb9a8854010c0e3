package dataset

import (
	"sync"
	"sync/atomic"
)

// DefaultCacheBytes is the default size of a seeded dataset's cache of
// encoded conversations.
const DefaultCacheBytes = 64 << 20

// convCache keeps recently used encoded conversations, up to a number of
// bytes, least recently used out first. It is split in shards, each with
// its own lock, so that concurrent queries rarely wait for each other.
// What it holds never changes an answer: a conversation is the same bytes
// whether made now or taken from the cache.
type convCache struct {
	shards       [cacheShards]cacheShard
	hits, misses atomic.Int64
	pinned       atomic.Int64 // bytes of a small dataset held whole beside it (lazyStore.pinned)
}

const cacheShards = 16

type cacheShard struct {
	mu    sync.Mutex
	m     map[uint32]*cacheEntry
	lru   cacheEntry // sentinel: lru.next is the most recently used
	bytes int64
	max   int64
}

type cacheEntry struct {
	key        uint32
	conv       *encodedConv
	cost       int64
	prev, next *cacheEntry
}

func newConvCache(maxBytes int64) *convCache {
	c := &convCache{}
	for i := range c.shards {
		s := &c.shards[i]
		s.m = map[uint32]*cacheEntry{}
		s.lru.next, s.lru.prev = &s.lru, &s.lru
		s.max = maxBytes / cacheShards
	}
	return c
}

// get is conversation key, from the cache or made by make.
func (c *convCache) get(key uint32, make func() *encodedConv) *encodedConv {
	s := &c.shards[key%cacheShards]
	if s.max <= 0 {
		c.misses.Add(1)
		return make()
	}
	s.mu.Lock()
	if e, ok := s.m[key]; ok {
		s.unlink(e)
		s.pushFront(e)
		s.mu.Unlock()
		c.hits.Add(1)
		return e.conv
	}
	s.mu.Unlock()
	c.misses.Add(1)
	v := make()
	cost := int64(len(v.buf)+16*len(v.msgs)) + 96
	if cost > s.max {
		return v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok { // made meanwhile by another query: the same bytes
		return e.conv
	}
	e := &cacheEntry{key: key, conv: v, cost: cost}
	s.m[key] = e
	s.pushFront(e)
	s.bytes += cost
	for s.bytes > s.max {
		old := s.lru.prev
		s.unlink(old)
		delete(s.m, old.key)
		s.bytes -= old.cost
	}
	return v
}

// peek is conversation key if the cache holds it, else nil.
func (c *convCache) peek(key uint32) *encodedConv {
	s := &c.shards[key%cacheShards]
	if s.max <= 0 {
		return nil
	}
	s.mu.Lock()
	e, ok := s.m[key]
	if ok {
		s.unlink(e)
		s.pushFront(e)
	}
	s.mu.Unlock()
	if !ok {
		return nil
	}
	c.hits.Add(1)
	return e.conv
}

func (s *cacheShard) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (s *cacheShard) pushFront(e *cacheEntry) {
	e.prev, e.next = &s.lru, s.lru.next
	s.lru.next.prev = e
	s.lru.next = e
}

// CacheStats are a seeded dataset's cache figures.
type CacheStats struct {
	Hits   int64 `json:"hits"`   // conversations taken from the cache
	Misses int64 `json:"misses"` // conversations made
	Bytes  int64 `json:"bytes"`  // what it holds
	Max    int64 `json:"max"`    // its bound
	// Conversations is how many the dataset generates, and Sized how
	// many of them have had their encoded size learned, by a query or
	// by Dataset.Presize.
	Conversations int64 `json:"conversations"`
	Sized         int64 `json:"sized"`
}

// max is the cache's bound, in bytes.
func (c *convCache) max() int64 { return c.shards[0].max * cacheShards }

func (c *convCache) stats() CacheStats {
	st := CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bytes: c.pinned.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Bytes += s.bytes
		st.Max += s.max
		s.mu.Unlock()
	}
	return st
}
