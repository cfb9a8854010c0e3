package mock

import (
	"log/slog"
	"net/http"
	"sync"

	"github.com/odmock/odmock/contract"
)

// scenarioState is the scenarios' runtime: which scenario is in force (for
// the server, and per session) and how many calls each rule has matched,
// per session. It picks the rule that answers a call.
type scenarioState struct {
	counters callCounts
	active   scenarioChoices
}

// newScenarioState keeps the state of at most maxSessions sessions, per
// kind, logging evictions to log; the server's scenario is initial until
// one is chosen. With shared set, the state lives there (and in this
// replica's memory while it is out of reach).
func newScenarioState(maxSessions int, initial string, log *slog.Logger, shared *sharedState) *scenarioState {
	counters := newCallCounter(maxSessions, log)
	active := newActiveScenarios(maxSessions, initial, log)
	if shared != nil {
		return &scenarioState{counters: shared.callCounts(counters, maxSessions, log),
			active: shared.scenarioChoices(active, maxSessions, initial, log)}
	}
	return &scenarioState{counters: counters, active: active}
}

// known reports whether session has state: a scenario of its own or
// call counts.
func (st *scenarioState) known(session string) bool {
	return st.active.has(session) || st.counters.has(session)
}

// activeFor is the scenario in force for a session: its own, else the
// server's.
func (st *scenarioState) activeFor(session string) string { return st.active.get(session) }

// switchTo makes name the scenario of session (of the server when session
// is ""), counting its calls from zero.
func (st *scenarioState) switchTo(session, name string) {
	st.active.set(session, name)
	if session == "" {
		st.counters.reset("")
		return
	}
	// Named by the admin API, the session has state from now on: its
	// requests count in it, authenticated or not.
	st.counters.start(session)
}

// reset forgets the call counts of one session, or of all when session is
// "".
func (st *scenarioState) reset(session string) { st.counters.reset(session) }

// inUse lists the scenarios some session or the server has active.
func (st *scenarioState) inUse() map[string]bool { return st.active.inUse() }

// pick finds the rule of sc that answers this call, and its answer.
func (st *scenarioState) pick(sc *scenario, who caller, r *http.Request) (*scenarioRule, *ruleAnswer) {
	var params contract.Params
	for i, rule := range sc.Rules {
		if len(rule.match.query) > 0 && params == nil {
			params = contract.ParseQuery(r.URL.RawQuery)
		}
		if !rule.match.matches(who, r, params) {
			continue
		}
		n := st.counters.next(who.stateSession(st.known), ruleKey{scenario: sc.Name, rule: i})
		if rule.times > 0 && n > rule.times || rule.after > 0 && n <= rule.after || rule.call > 0 && n != rule.call {
			continue
		}
		k := n - rule.after - 1 // this rule's answers so far
		if rule.repeat {
			k %= len(rule.answers)
		} else if k >= len(rule.answers) {
			continue
		}
		return rule, rule.answers[k]
	}
	return nil, nil
}

// matches reports whether a call meets every condition of the rule.
func (m *ruleMatch) matches(who caller, r *http.Request, params contract.Params) bool {
	return m.miss(who, r, params) < 0
}

// miss is the first condition of the rule the call fails, numbered in
// the order they are tested (the query's, the headers', then the
// token); -1 when it meets them all. describeMiss says it in words.
func (m *ruleMatch) miss(who caller, r *http.Request, params contract.Params) int {
	for i, q := range m.query {
		p, ok := params.Get(q.name)
		if !q.m.test(p.Value, ok) {
			return i
		}
	}
	for i, h := range m.headers {
		values := r.Header.Values(h.name)
		v := ""
		if len(values) > 0 {
			v = values[0]
		}
		if !h.m.test(v, len(values) > 0) {
			return len(m.query) + i
		}
	}
	ok := true
	switch {
	case m.token == "":
	case m.token == "valid":
		ok = who.authenticated
	case m.token == "invalid":
		ok = who.token != "" && !who.authenticated
	case m.token == "missing":
		ok = who.token == ""
	default:
		ok = who.token == m.token[1:]
	}
	if !ok {
		return len(m.query) + len(m.headers)
	}
	return -1
}

// anonymousSession is the session of requests that name none and carry
// no valid token, and of requests that failed authentication in a session
// with no state yet: such requests never create state of their own.
const anonymousSession = "anonymous"

// stateSession is the session whose state a request may touch: its own
// when it authenticated or its session already has state (known), else
// the shared anonymous one. A client without a valid token cannot make
// the server keep anything new, however many names it sends.
func (who caller) stateSession(known func(string) bool) string {
	if who.authenticated || known(who.session) {
		return who.session
	}
	return anonymousSession
}

// callCounter counts, per session, the calls each rule has matched. It
// keeps at most max sessions, forgetting the least recently used.
type callCounter struct {
	mu       sync.Mutex
	sessions *lru[string, map[ruleKey]int]
}

func newCallCounter(maxSessions int, log *slog.Logger) *callCounter {
	cc := &callCounter{sessions: newLRU[string, map[ruleKey]int](maxSessions)}
	cc.sessions.onEvict = logEvictions(log, "call counters", cc.sessions)
	return cc
}

func (cc *callCounter) kept() (int, uint64) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.sessions.len(), cc.sessions.evicted.Load()
}

type ruleKey struct {
	scenario string
	rule     int
}

func (cc *callCounter) next(session string, k ruleKey) int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	counts, ok := cc.sessions.get(session)
	if !ok {
		counts = map[ruleKey]int{}
		cc.sessions.put(session, counts)
	}
	counts[k]++
	return counts[k]
}

// has reports whether session has counts.
func (cc *callCounter) has(session string) bool {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	_, ok := cc.sessions.peek(session)
	return ok
}

// reset forgets the counts of one session, or of all when session is "".
func (cc *callCounter) reset(session string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if session == "" {
		cc.sessions.clear()
		return
	}
	cc.sessions.remove(session)
}

// start gives session fresh, empty counts: it has state from now on.
func (cc *callCounter) start(session string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.sessions.put(session, map[ruleKey]int{})
}

// activeScenarios is the scenario in force: for the whole server, and
// per session (which wins). It keeps at most max sessions' choices,
// forgetting the least recently used.
type activeScenarios struct {
	mu        sync.Mutex
	global    string
	bySession *lru[string, string]
}

func newActiveScenarios(maxSessions int, global string, log *slog.Logger) *activeScenarios {
	a := &activeScenarios{global: global, bySession: newLRU[string, string](maxSessions)}
	a.bySession.onEvict = logEvictions(log, "session scenarios", a.bySession)
	return a
}

func (a *activeScenarios) kept() (int, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.bySession.len(), a.bySession.evicted.Load()
}

func (a *activeScenarios) get(session string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if name, ok := a.bySession.get(session); ok {
		return name
	}
	return a.global
}

func (a *activeScenarios) has(session string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.bySession.peek(session)
	return ok
}

// set makes name the active scenario of session, or of the server when
// session is "". An empty name clears it.
func (a *activeScenarios) set(session, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case session == "":
		a.global = name
	case name == "":
		a.bySession.remove(session)
	default:
		a.bySession.put(session, name)
	}
}

// inUse lists the scenarios some session or the server has active.
func (a *activeScenarios) inUse() map[string]bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	used := map[string]bool{}
	if a.global != "" {
		used[a.global] = true
	}
	a.bySession.each(func(_, n string) bool {
		used[n] = true
		return true
	})
	return used
}
