package mock

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// StatePath reports the state clients grow and its bounds: how much is
// kept, the limit, and how much was forgotten to stay within it.
const StatePath = adminPrefix + "/state"

// BoundedState is one kind of state a client can grow.
type BoundedState struct {
	Kept    int    `json:"kept"`
	Limit   int    `json:"limit"`
	Evicted uint64 `json:"evicted"` // least recently used entries forgotten for room
}

// StateReport is the body of GET /__odmock/state.
type StateReport struct {
	CoverageSessions BoundedState `json:"coverage_sessions"`
	// GuestSessions are coverage sessions only requests without a valid
	// token have named: a pool apart, so they never evict the others.
	GuestSessions    BoundedState  `json:"guest_sessions"`
	SessionScenarios BoundedState  `json:"session_scenarios"`
	CallCounters     BoundedState  `json:"call_counters"`
	RateLimitKeys    *BoundedState `json:"rate_limit_keys"` // null without a rate limit
	Journal          BoundedState  `json:"journal"`         // evicted: entries no longer kept (the ring turned, or a clear)
}

// State reports the state clients have grown and its bounds.
func (s *Server) State() StateReport {
	limit := s.cfg.maxSessions()
	bound := func(kept int, evicted uint64) BoundedState {
		return BoundedState{Kept: kept, Limit: limit, Evicted: evicted}
	}
	sessions, guests := s.watch.coverage.store.kept()
	sessions.Limit, guests.Limit = limit, min(limit, maxGuestSessions)
	r := StateReport{
		CoverageSessions: sessions,
		GuestSessions:    guests,
		SessionScenarios: bound(s.scenarios.active.kept()),
		CallCounters:     bound(s.scenarios.counters.kept()),
	}
	if l := s.gate.limiter; l != nil {
		r.RateLimitKeys = new(bound(l.buckets.kept()))
	}
	j := s.watch.journal
	total, kept := j.counts()
	r.Journal = BoundedState{Kept: kept, Limit: j.Size(), Evicted: total - uint64(kept)}
	return r
}

func (s *Server) handleState(c echo.Context) error {
	return send(c, jsonReply(http.StatusOK, s.State()))
}
