package mock

import (
	"log/slog"
	"maps"
	"slices"
	"sync"

	"github.com/odmock/odmock/contract"
)

// The behaviours a client can exercise, besides one "filter:NAME" per
// filter of the contract and one "invalid:KIND" per kind of validation
// error (KindRequired, KindFormat, KindType, KindFilter). The names are
// stable: CI scripts gate on them.
const (
	BehaviourData            = string(OutcomeData)            // a 200 with users
	BehaviourEmpty           = string(OutcomeEmpty)           // a 200 with {"data":[]}
	BehaviourUserID          = "user_id"                      // a valid query with user_id
	BehaviourUnauthenticated = string(OutcomeUnauthenticated) // a 401
	BehaviourRateLimited     = string(OutcomeRateLimited)     // a 429
)

// Behaviours lists every behaviour of the contract c in a fixed order:
// answers, then filters in the contract's order, then errors.
func Behaviours(c *contract.Contract) []string {
	out := []string{BehaviourData, BehaviourEmpty, BehaviourUserID}
	for _, a := range c.Attributes() {
		out = append(out, "filter:"+a)
	}
	out = append(out, BehaviourUnauthenticated)
	for _, k := range []string{contract.KindRequired, contract.KindFormat, contract.KindType, contract.KindFilter} {
		out = append(out, "invalid:"+k)
	}
	return append(out, BehaviourRateLimited)
}

// CoverageCounts is what the clients of one session (or of all) exercised.
type CoverageCounts struct {
	// Requests is the number of requests to the contract's path.
	Requests int `json:"requests"`
	// Behaviours counts the requests that exercised each behaviour; every
	// behaviour is listed, exercised or not.
	Behaviours map[string]int `json:"behaviours"`
	// Missing lists the behaviours never exercised, in Behaviours' order.
	Missing []string `json:"missing"`
	// Risks counts the requests that took each risk (see Risks); every
	// risk is listed, taken or not.
	Risks map[string]int `json:"risks"`
}

// Coverage is the coverage of all sessions together, and of each.
type Coverage struct {
	CoverageCounts
	// Sessions is keyed by session ID: the X-Odmock-Session header, else
	// what identifies the client's valid token; "anonymous" is requests
	// with neither, and those without a valid token in a session that had
	// no state yet. Over HTTP it holds one page of the sessions (see
	// CoveragePage); from Server.Coverage, every session kept.
	Sessions map[string]CoverageCounts `json:"sessions"`
	// SessionsKept is how many sessions are kept; SessionsEvicted how many
	// were forgotten, least recently used first, to stay within
	// Config.MaxSessions. The totals above still count their requests.
	SessionsKept    int    `json:"sessions_kept"`
	SessionsEvicted uint64 `json:"sessions_evicted"`
	// Next, when set, is the offset of the next page of sessions.
	Next int `json:"next,omitempty"`
}

// coverage counts behaviours per session. It is an Observer. Its store
// keeps at most max sessions, forgetting the least recently used; the
// totals count every request, forgotten sessions' too.
type coverage struct {
	names []string
	api   string
	known func(string) bool // whether a session has state elsewhere
	store coverageStore
}

// maxGuestSessions bounds the guests pool.
const maxGuestSessions = 1000

type sessionCounts struct {
	requests int
	counts   map[string]int
	risks    map[string]int
}

func newSessionCounts() *sessionCounts {
	return &sessionCounts{counts: map[string]int{}, risks: map[string]int{}}
}

func newCoverage(c *contract.Contract, maxSessions int, log *slog.Logger, shared *sharedState) *coverage {
	var store coverageStore = newMemCoverage(maxSessions, log)
	if shared != nil {
		store = shared.coverageStore(store, maxSessions, log)
	}
	return &coverage{names: Behaviours(c), api: c.Path(), known: func(string) bool { return false }, store: store}
}

// exercised names the behaviours one exchange exercised.
func exercised(ex *exchange) []string {
	var out []string
	switch ex.Outcome {
	case OutcomeData, OutcomeEmpty:
		out = append(out, string(ex.Outcome))
		if q := ex.Valid; q != nil {
			if q.UserID != "" {
				out = append(out, BehaviourUserID)
			}
			for _, f := range q.Filters {
				if b := "filter:" + f.Attribute; !slices.Contains(out, b) {
					out = append(out, b)
				}
			}
		}
	case OutcomeUnauthenticated, OutcomeRateLimited:
		out = append(out, string(ex.Outcome))
	case OutcomeInvalid:
		for _, fe := range ex.Errors {
			if b := "invalid:" + fe.Kind; !slices.Contains(out, b) {
				out = append(out, b)
			}
		}
	}
	return out
}

// observe counts an exchange on the contract's path.
func (cv *coverage) observe(ex *exchange) {
	if ex.Path != cv.api && ex.Path != cv.api+"/" {
		return
	}
	var behaviours []string
	for _, b := range exercised(ex) {
		if slices.Contains(cv.names, b) {
			behaviours = append(behaviours, b)
		}
	}
	cv.store.add(ex.Session, ex.who.authenticated || cv.known(ex.Session), behaviours, ex.Risks)
}

// counts is one session's counts (or the totals) as answered.
func (cv *coverage) counts(sc *sessionCounts) CoverageCounts {
	cc := CoverageCounts{Requests: sc.requests, Behaviours: make(map[string]int, len(cv.names)), Missing: []string{},
		Risks: make(map[string]int, len(Risks()))}
	for b, n := range sc.counts {
		cc.Behaviours[b] = n
	}
	for _, r := range Risks() {
		cc.Risks[r] = sc.risks[r]
	}
	for _, b := range cv.names {
		if cc.Behaviours[b] == 0 {
			cc.Behaviours[b] = 0
			cc.Missing = append(cc.Missing, b)
		}
	}
	return cc
}

// maxCoveragePage caps the sessions of one coverage answer over HTTP.
const maxCoveragePage = 500

// page is the totals and the sessions from offset on, at most limit (all
// when limit is 0), in name order.
func (cv *coverage) page(offset, limit int) Coverage {
	snap := cv.store.snapshot(offset, limit)
	c := Coverage{CoverageCounts: cv.counts(&snap.total), Sessions: make(map[string]CoverageCounts, len(snap.ids)),
		SessionsKept: snap.kept, SessionsEvicted: snap.evicted, Next: snap.next}
	for i, id := range snap.ids {
		c.Sessions[id] = cv.counts(&snap.page[i])
	}
	return c
}

func (cv *coverage) session(id string) CoverageCounts {
	c := cv.store.session(id)
	return cv.counts(&c)
}

func (cv *coverage) reset(id string, all bool) { cv.store.reset(id, all) }

// memCoverage is coverage in this replica's memory.
type memCoverage struct {
	mu       sync.Mutex
	total    sessionCounts
	sessions *lru[string, *sessionCounts]
	// guests are sessions that only requests without a valid token have
	// named so far, kept apart in a smaller pool: a flood of them churns
	// this pool and never evicts a session that authenticated. A session
	// moves to sessions on its first authenticated request.
	guests *lru[string, *sessionCounts]
}

func newMemCoverage(maxSessions int, log *slog.Logger) *memCoverage {
	cv := &memCoverage{total: *newSessionCounts(), sessions: newLRU[string, *sessionCounts](maxSessions),
		guests: newLRU[string, *sessionCounts](min(maxSessions, maxGuestSessions))}
	cv.sessions.onEvict = logEvictions(log, "coverage sessions", cv.sessions)
	cv.guests.onEvict = logEvictions(log, "coverage sessions without a valid token", cv.guests)
	return cv
}

func (cv *memCoverage) add(session string, trusted bool, behaviours, risks []string) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	sc := cv.sessionFor(session, trusted)
	for _, c := range []*sessionCounts{sc, &cv.total} {
		c.requests++
		for _, b := range behaviours {
			c.counts[b]++
		}
		for _, r := range risks {
			c.risks[r]++
		}
	}
}

// sessionFor finds or makes the counts of session; trusted says whether
// it may live among the sessions (a valid token, or state elsewhere) or
// only among the guests. cv.mu is held.
func (cv *memCoverage) sessionFor(session string, trusted bool) *sessionCounts {
	if sc, ok := cv.sessions.get(session); ok {
		return sc
	}
	sc, guest := cv.guests.get(session)
	if !trusted {
		if !guest {
			sc = newSessionCounts()
			cv.guests.put(session, sc)
		}
		return sc
	}
	if guest {
		cv.guests.remove(session)
	} else {
		sc = newSessionCounts()
	}
	cv.sessions.put(session, sc)
	return sc
}

// lookup finds a session's counts among the sessions or the guests.
func (cv *memCoverage) lookup(id string) (*sessionCounts, bool) {
	if sc, ok := cv.sessions.peek(id); ok {
		return sc, true
	}
	return cv.guests.peek(id)
}

// snapshot copies the counts under the lock; the answer is built from the
// copy, outside it.
func (cv *memCoverage) snapshot(offset, limit int) coverageSnapshot {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	snap := coverageSnapshot{total: copyCounts(&cv.total), kept: cv.sessions.len() + cv.guests.len(),
		evicted: cv.sessions.evicted.Load() + cv.guests.evicted.Load()}
	ids := make([]string, 0, snap.kept)
	collect := func(id string, _ *sessionCounts) bool {
		ids = append(ids, id)
		return true
	}
	cv.sessions.each(collect)
	cv.guests.each(collect)
	snap.ids, snap.next = pageOf(ids, offset, limit)
	snap.page = make([]sessionCounts, len(snap.ids))
	for i, id := range snap.ids {
		sc, _ := cv.lookup(id)
		snap.page[i] = copyCounts(sc)
	}
	return snap
}

// pageOf sorts ids and returns those from offset on, at most limit (all
// when 0), and the offset of the next page (0 for none).
func pageOf(ids []string, offset, limit int) ([]string, int) {
	slices.Sort(ids)
	offset = min(offset, len(ids))
	ids = ids[offset:]
	if limit > 0 && len(ids) > limit {
		return ids[:limit], offset + limit
	}
	return ids, 0
}

func copyCounts(sc *sessionCounts) sessionCounts {
	return sessionCounts{requests: sc.requests, counts: maps.Clone(sc.counts), risks: maps.Clone(sc.risks)}
}

func (cv *memCoverage) session(id string) sessionCounts {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if sc, ok := cv.lookup(id); ok {
		return copyCounts(sc)
	}
	return sessionCounts{}
}

func (cv *memCoverage) reset(id string, all bool) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if all {
		cv.sessions.clear()
		cv.guests.clear()
		cv.total = *newSessionCounts()
		return
	}
	if sc, ok := cv.lookup(id); ok {
		cv.total.requests -= sc.requests
		for b, n := range sc.counts {
			cv.total.counts[b] -= n
		}
		for r, n := range sc.risks {
			cv.total.risks[r] -= n
		}
		cv.sessions.remove(id)
		cv.guests.remove(id)
	}
}

func (cv *memCoverage) kept() (sessions, guests BoundedState) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	return BoundedState{Kept: cv.sessions.len(), Evicted: cv.sessions.evicted.Load()},
		BoundedState{Kept: cv.guests.len(), Evicted: cv.guests.evicted.Load()}
}

// Coverage is what clients have exercised so far, in all and per session.
func (s *Server) Coverage() Coverage {
	s.Settle()
	return s.watch.coverage.page(0, 0)
}

// SessionCoverage is what the clients of one session have exercised.
func (s *Server) SessionCoverage(id string) CoverageCounts {
	s.Settle()
	return s.watch.coverage.session(id)
}
