package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The state's semantics, the same for every backend: each test runs
// against memory and Redis (two connections, as two replicas have).

var discard = slog.New(slog.DiscardHandler)

func TestBackendCallCounters(t *testing.T) {
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			st := func(i int) *scenarioState {
				return newScenarioState(2, "", discard, reps[i%len(reps)])
			}
			a, other := st(0), st(1) // for Redis, two replicas of one state
			if !b.redis {
				other = a
			}
			k := ruleKey{scenario: "token-expires", rule: 0}
			var got []int
			for i := range 3 {
				got = append(got, []*scenarioState{a, other}[i%2].counters.next("s1", k))
			}
			if want := []int{1, 2, 3}; !slices.Equal(got, want) {
				t.Errorf("turns across replicas = %v, want %v", got, want)
			}
			if n := a.counters.next("s1", ruleKey{scenario: "token-expires", rule: 1}); n != 1 {
				t.Errorf("another rule's first turn = %d, want 1", n)
			}
			if n := a.counters.next("s2", k); n != 1 {
				t.Errorf("another session's first turn = %d, want 1", n)
			}
			if !other.counters.has("s1") || other.counters.has("nobody") {
				t.Errorf("has(s1), has(nobody) = %v, %v; want true, false", other.counters.has("s1"), other.counters.has("nobody"))
			}
			// Bound 2: s1 was used before s2, and has does not count as a use.
			other.counters.next("s3", k)
			if a.counters.has("s1") || !a.counters.has("s2") {
				t.Errorf("after s3: has(s1), has(s2) = %v, %v; want false (least recently used), true", a.counters.has("s1"), a.counters.has("s2"))
			}
			if kept, evicted := a.counters.kept(); kept != 2 || evicted != 1 {
				t.Errorf("kept = %d, %d evicted; want 2, 1", kept, evicted)
			}
			other.counters.reset("s2")
			if n := a.counters.next("s2", k); n != 1 {
				t.Errorf("after reset(s2): turn %d, want 1", n)
			}
			a.counters.start("s4")
			if !other.counters.has("s4") {
				t.Error("start(s4): s4 has no state")
			}
			other.counters.reset("")
			if kept, _ := a.counters.kept(); kept != 0 {
				t.Errorf("after reset(all): %d sessions kept, want 0", kept)
			}
		})
	}
}

// TestBackendCallCounterAtomic: concurrent callers on two replicas never
// get the same turn, and skip none.
func TestBackendCallCounterAtomic(t *testing.T) {
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			counters := []callCounts{newScenarioState(10, "", discard, reps[0]).counters}
			if b.redis {
				counters = append(counters, newScenarioState(10, "", discard, reps[1]).counters)
			}
			const workers, each = 8, 50
			var mu sync.Mutex
			var turns []int
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for range each {
						n := counters[w%len(counters)].next("s", ruleKey{scenario: "x"})
						mu.Lock()
						turns = append(turns, n)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			slices.Sort(turns)
			for i, n := range turns {
				if n != i+1 {
					t.Fatalf("turn %d given as %d: turns must be 1..%d, each once", i+1, n, workers*each)
				}
			}
		})
	}
}

func TestBackendScenarios(t *testing.T) {
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			a := newScenarioState(2, "slow", discard, reps[0]).active
			other := a
			if b.redis {
				other = newScenarioState(2, "slow", discard, reps[1]).active
			}
			if got := other.get("s1"); got != "slow" {
				t.Errorf("before any choice: %q, want the initial slow", got)
			}
			a.set("", "")
			if got := other.get("s1"); got != "" {
				t.Errorf("server's cleared: %q, want none", got)
			}
			a.set("", "empty")
			a.set("s1", "token-expires")
			if got := other.get("s1"); got != "token-expires" {
				t.Errorf("s1: %q, want its own token-expires", got)
			}
			if got := other.get("s2"); got != "empty" {
				t.Errorf("s2: %q, want the server's empty", got)
			}
			if want := map[string]bool{"empty": true, "token-expires": true}; !maps.Equal(other.inUse(), want) {
				t.Errorf("inUse = %v, want %v", other.inUse(), want)
			}
			other.set("s2", "slow")
			a.get("s1") // s1 used after s2
			a.set("s3", "slow")
			if other.has("s2") || !other.has("s1") {
				t.Errorf("bound 2: has(s2), has(s1) = %v, %v; want false, true", other.has("s2"), other.has("s1"))
			}
			if kept, evicted := other.kept(); kept != 2 || evicted != 1 {
				t.Errorf("kept %d, %d evicted; want 2, 1", kept, evicted)
			}
			other.set("s1", "")
			if got := a.get("s1"); got != "empty" {
				t.Errorf("s1 cleared: %q, want the server's empty", got)
			}
		})
	}
}

func TestBackendRateLimit(t *testing.T) {
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			now := time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			limiter := func(i int) *rateLimiter {
				l := newRateLimiter(3, 2, clock, discard)
				if s := reps[i%len(reps)]; s != nil {
					l.buckets = s.rateBuckets(l.buckets, 2, discard)
				}
				return l
			}
			ls := []*rateLimiter{limiter(0), limiter(1)}
			if !b.redis {
				ls[1] = ls[0]
			}
			var got []string
			for i := range 5 {
				d := ls[i%2].take("ip-a")
				got = append(got, fmt.Sprintf("%v/%d/%d", d.allowed, d.remaining, d.retryAfter))
				now = now.Add(10 * time.Second)
			}
			want := []string{"true/2/0", "true/1/0", "true/0/0", "false/0/30", "false/0/20"}
			if !slices.Equal(got, want) {
				t.Errorf("decisions = %v, want %v", got, want)
			}
			now = now.Add(20 * time.Second) // the window of the first hit is over
			if d := ls[1].take("ip-a"); !d.allowed || d.remaining != 2 || !d.resetAt.Equal(now.Add(time.Minute)) {
				t.Errorf("new window: %+v, want allowed, 2 left, reset a minute from now", d)
			}
			ls[0].take("ip-b")
			ls[1].take("ip-c")
			if kept, evicted := ls[0].buckets.kept(); kept != 2 || evicted != 1 {
				t.Errorf("keys kept %d, %d evicted; want 2, 1", kept, evicted)
			}
		})
	}
}

func TestBackendJournal(t *testing.T) {
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			journal := func(i int) *Journal {
				j := newJournal(4)
				if s := reps[i%len(reps)]; s != nil {
					j.store = s.journalStore(j.store, 4)
				}
				return j
			}
			js := []*Journal{journal(0), journal(1)}
			if !b.redis {
				js[1] = js[0]
			}
			for i := range 6 {
				js[i%2].Record(JournalEntry{Path: "/p", Query: fmt.Sprintf("n=%d", i+1), Session: []string{"a", "b"}[i%2], Status: 200,
					Time: time.Date(2024, 1, 15, 0, 0, i, 0, time.UTC)})
			}
			ids := func(es []JournalEntry) []uint64 {
				var out []uint64
				for _, e := range es {
					out = append(out, e.ID)
				}
				return out
			}
			for _, tt := range []struct {
				f    JournalFilter
				want []uint64
			}{
				{JournalFilter{}, []uint64{3, 4, 5, 6}},
				{JournalFilter{Session: "a"}, []uint64{3, 5}},
				{JournalFilter{Limit: 2}, []uint64{5, 6}},
				{JournalFilter{Before: 5, Limit: 1}, []uint64{4}},
			} {
				if got := ids(js[1].Entries(tt.f)); !slices.Equal(got, tt.want) {
					t.Errorf("Entries(%+v) = %v, want %v", tt.f, got, tt.want)
				}
			}
			e := js[0].Entries(JournalFilter{Limit: 1})[0]
			if e.Query != "n=6" || e.Params.Get("n") != "6" || e.Session != "b" || !e.Time.Equal(time.Date(2024, 1, 15, 0, 0, 5, 0, time.UTC)) {
				t.Errorf("newest entry = %+v, want n=6 of session b", e)
			}
			if total, kept := js[0].counts(); total != 6 || kept != 4 {
				t.Errorf("counts = %d, %d; want 6 recorded, 4 kept", total, kept)
			}
			if n := js[1].Clear("a"); n != 2 {
				t.Errorf("Clear(a) = %d, want 2", n)
			}
			js[0].Record(JournalEntry{Session: "c"})
			if got := ids(js[1].Entries(JournalFilter{})); !slices.Equal(got, []uint64{4, 6, 7}) {
				t.Errorf("after Clear(a) and one more: %v, want [4 6 7]", got)
			}
			if n := js[0].Clear(""); n != 3 || js[1].Total() != 7 {
				t.Errorf("Clear() = %d, total %d; want 3, 7 (IDs go on)", n, js[1].Total())
			}
		})
	}
}

func TestBackendCoverage(t *testing.T) {
	c := testContract(t)
	for _, b := range stateBackends {
		t.Run(b.name, func(t *testing.T) {
			reps := b.replicas(t, 2)
			cvs := []*coverage{newCoverage(c, 2, discard, reps[0]), newCoverage(c, 2, discard, reps[len(reps)-1])}
			if !b.redis {
				cvs[1] = cvs[0]
			}
			add := func(i int, session string, trusted bool, behaviours ...string) {
				cvs[i%2].store.add(session, trusted, behaviours, []string{RiskAcceptJSON})
			}
			add(0, "a", true, BehaviourData, "filter:type")
			add(1, "a", true, BehaviourEmpty)
			add(0, "g", false, BehaviourUnauthenticated)
			add(1, "g", true, BehaviourData) // joins the sessions, its counts with it
			add(0, "x", false, BehaviourUnauthenticated)
			got := cvs[1].page(0, 0)
			if got.Requests != 5 || got.Behaviours[BehaviourData] != 2 || got.Risks[RiskAcceptJSON] != 5 || got.SessionsKept != 3 {
				t.Errorf("totals: %d requests, %d data, %d accept-json, %d kept; want 5, 2, 5, 3", got.Requests, got.Behaviours[BehaviourData], got.Risks[RiskAcceptJSON], got.SessionsKept)
			}
			if g := got.Sessions["g"]; g.Requests != 2 || g.Behaviours[BehaviourUnauthenticated] != 1 {
				t.Errorf("g = %+v, want 2 requests, one unauthenticated", g)
			}
			sessions, guests := cvs[0].store.kept()
			if sessions.Kept != 2 || guests.Kept != 1 {
				t.Errorf("pools: %d sessions, %d guests; want 2, 1", sessions.Kept, guests.Kept)
			}
			if p := cvs[0].page(1, 1); len(p.Sessions) != 1 || p.Sessions["g"].Requests != 2 || p.Next != 2 {
				t.Errorf("page(1, 1) = %v sessions, next %d; want g alone, next 2", p.Sessions, p.Next)
			}
			cvs[0].reset("a", false)
			if got := cvs[1].page(0, 0); got.Requests != 3 || got.Behaviours["filter:type"] != 0 || got.SessionsKept != 2 {
				t.Errorf("after reset(a): %d requests, %d filter:type, %d kept; want 3, 0, 2", got.Requests, got.Behaviours["filter:type"], got.SessionsKept)
			}
			add(1, "b", true)
			add(0, "c", true) // bound 2: g, the least recently used, goes
			if got := cvs[1].page(0, 0); got.SessionsEvicted != 1 || got.Requests != 5 {
				t.Errorf("after the bound: %d evicted, %d requests; want 1, 5 (totals keep them)", got.SessionsEvicted, got.Requests)
			}
			if s := cvs[1].session("g"); s.Requests != 0 {
				t.Errorf("evicted g: %d requests, want 0", s.Requests)
			}
			cvs[1].reset("", true)
			if got := cvs[0].page(0, 0); got.Requests != 0 || got.SessionsKept != 0 {
				t.Errorf("after reset(all): %d requests, %d kept; want 0, 0", got.Requests, got.SessionsKept)
			}
		})
	}
}

// lostRedis is shared state whose Redis is out of reach (nothing listens
// on port 1), as a replica sees it once Redis is lost.
func lostRedis(t *testing.T) *sharedState {
	t.Helper()
	s := &sharedState{client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}),
		prefix: "lost:", log: discard, stop: make(chan struct{})}
	s.lose(errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	t.Cleanup(func() { s.client.Close() })
	return s
}

// TestSharedStateLost: with Redis lost, every kind of state answers from
// the replica's own memory, and health says degraded with 200. It needs
// no redis-server.
func TestSharedStateLost(t *testing.T) {
	lost := lostRedis(t)
	st := newScenarioState(10, "empty", discard, lost)
	if a, b := st.counters.next("s", ruleKey{}), st.counters.next("s", ruleKey{}); a != 1 || b != 2 {
		t.Errorf("turns = %d, %d; want 1, 2 from local counters", a, b)
	}
	if got := st.activeFor("s"); got != "empty" {
		t.Errorf("scenario = %q, want the initial empty", got)
	}
	l := newRateLimiter(1, 10, time.Now, discard)
	l.buckets = lost.rateBuckets(l.buckets, 10, discard)
	if a, b := l.take("k"), l.take("k"); !a.allowed || b.allowed {
		t.Errorf("rate limit 1: %v, %v; want allowed, refused", a.allowed, b.allowed)
	}
	j := newJournal(10)
	j.store = lost.journalStore(j.store, 10)
	j.Record(JournalEntry{Session: "s"})
	if es := j.Entries(JournalFilter{}); len(es) != 1 || es[0].ID != 1 {
		t.Errorf("journal = %+v, want one entry", es)
	}

	ts := newTestServer(t, smallConfig())
	ts.srv.shared = lost
	r := ts.get(HealthPath)
	var h Health
	if err := json.Unmarshal(r.body, &h); err != nil || r.status != 200 || h.Status != "degraded" || !strings.Contains(h.Reason, "connection refused") {
		t.Errorf("health = %d %s, want 200 degraded with the reason", r.status, r.body)
	}
}
