package mock

import (
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
	// what identifies the client's token; "" is requests with neither.
	Sessions map[string]CoverageCounts `json:"sessions"`
}

// coverage counts behaviours per session. It is an Observer.
type coverage struct {
	names []string
	api   string

	mu       sync.Mutex
	sessions map[string]*sessionCounts
}

type sessionCounts struct {
	requests int
	counts   map[string]int
	risks    map[string]int
}

func newCoverage(c *contract.Contract) *coverage {
	return &coverage{names: Behaviours(c), api: c.Path(), sessions: map[string]*sessionCounts{}}
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
	cv.mu.Lock()
	defer cv.mu.Unlock()
	sc := cv.sessions[ex.Session]
	if sc == nil {
		sc = &sessionCounts{counts: map[string]int{}, risks: map[string]int{}}
		cv.sessions[ex.Session] = sc
	}
	sc.requests++
	for _, b := range exercised(ex) {
		if slices.Contains(cv.names, b) {
			sc.counts[b]++
		}
	}
	for _, r := range ex.Risks {
		sc.risks[r]++
	}
}

// counts sums the given sessions; cv.mu must be held.
func (cv *coverage) counts(scs ...*sessionCounts) CoverageCounts {
	cc := CoverageCounts{Behaviours: make(map[string]int, len(cv.names)), Missing: []string{}, Risks: map[string]int{}}
	for _, r := range Risks() {
		cc.Risks[r] = 0
	}
	for _, sc := range scs {
		if sc == nil {
			continue
		}
		cc.Requests += sc.requests
		for b, n := range sc.counts {
			cc.Behaviours[b] += n
		}
		for r, n := range sc.risks {
			cc.Risks[r] += n
		}
	}
	for _, b := range cv.names {
		if cc.Behaviours[b] == 0 {
			cc.Behaviours[b] = 0
			cc.Missing = append(cc.Missing, b)
		}
	}
	return cc
}

func (cv *coverage) all() Coverage {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	c := Coverage{Sessions: make(map[string]CoverageCounts, len(cv.sessions))}
	scs := make([]*sessionCounts, 0, len(cv.sessions))
	for id, sc := range cv.sessions {
		c.Sessions[id] = cv.counts(sc)
		scs = append(scs, sc)
	}
	c.CoverageCounts = cv.counts(scs...)
	return c
}

func (cv *coverage) session(id string) CoverageCounts {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	return cv.counts(cv.sessions[id])
}

func (cv *coverage) reset(id string, all bool) {
	cv.mu.Lock()
	defer cv.mu.Unlock()
	if all {
		clear(cv.sessions)
	} else {
		delete(cv.sessions, id)
	}
}

// Coverage is what clients have exercised so far, in all and per session.
func (s *Server) Coverage() Coverage {
	s.Settle()
	return s.watch.coverage.all()
}

// SessionCoverage is what the clients of one session have exercised.
func (s *Server) SessionCoverage(id string) CoverageCounts {
	s.Settle()
	return s.watch.coverage.session(id)
}
