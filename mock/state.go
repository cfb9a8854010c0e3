package mock

import (
	"net/http"
	"sync"

	"github.com/odmock/odmock/contract"
)

// scenarioState is the scenarios' runtime: which scenario is in force (for
// the server, and per session) and how many calls each rule has matched,
// per session. It picks the rule that answers a call.
type scenarioState struct {
	counters callCounter
	active   activeScenarios
}

// activeFor is the scenario in force for a session: its own, else the
// server's.
func (st *scenarioState) activeFor(session string) string { return st.active.get(session) }

// switchTo makes name the scenario of session (of the server when session
// is ""), counting its calls from zero.
func (st *scenarioState) switchTo(session, name string) {
	st.active.set(session, name)
	st.counters.reset(session)
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
		n := st.counters.next(callKey{session: who.session, scenario: sc.Name, rule: i})
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
	for _, q := range m.query {
		p, ok := params.Get(q.name)
		if !q.m.test(p.Value, ok) {
			return false
		}
	}
	for _, h := range m.headers {
		values := r.Header.Values(h.name)
		v := ""
		if len(values) > 0 {
			v = values[0]
		}
		if !h.m.test(v, len(values) > 0) {
			return false
		}
	}
	switch {
	case m.token == "":
	case m.token == "valid":
		return who.authenticated
	case m.token == "invalid":
		return who.token != "" && !who.authenticated
	case m.token == "missing":
		return who.token == ""
	default:
		return who.token == m.token[1:]
	}
	return true
}

// callCounter counts, per session, the calls each rule has matched.
type callCounter struct {
	mu     sync.Mutex
	counts map[callKey]int
}

type callKey struct {
	session, scenario string
	rule              int
}

// maxCounters bounds the counters' memory: past it, every count restarts.
const maxCounters = 100_000

func (cc *callCounter) next(k callKey) int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.counts == nil || len(cc.counts) >= maxCounters {
		cc.counts = map[callKey]int{}
	}
	cc.counts[k]++
	return cc.counts[k]
}

// reset forgets the counts of one session, or of all when session is "".
func (cc *callCounter) reset(session string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for k := range cc.counts {
		if session == "" || k.session == session {
			delete(cc.counts, k)
		}
	}
}

// activeScenarios is the scenario in force: for the whole server, and
// per session (which wins).
type activeScenarios struct {
	mu        sync.RWMutex
	global    string
	bySession map[string]string
}

func (a *activeScenarios) get(session string) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if name, ok := a.bySession[session]; ok {
		return name
	}
	return a.global
}

// set makes name the active scenario of session, or of the server when
// session is "". An empty name clears it.
func (a *activeScenarios) set(session, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if session == "" {
		a.global = name
		return
	}
	if a.bySession == nil {
		a.bySession = map[string]string{}
	}
	if name == "" {
		delete(a.bySession, session)
		return
	}
	if len(a.bySession) >= maxCounters {
		a.bySession = map[string]string{}
	}
	a.bySession[session] = name
}

// inUse lists the scenarios some session or the server has active.
func (a *activeScenarios) inUse() map[string]bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	used := map[string]bool{}
	if a.global != "" {
		used[a.global] = true
	}
	for _, n := range a.bySession {
		used[n] = true
	}
	return used
}
