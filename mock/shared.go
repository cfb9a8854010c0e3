package mock

import "time"

// The state clients grow, one small interface per kind: call counters,
// the scenario in force, rate-limit buckets, the journal and coverage.
// Each has an in-memory implementation (this replica alone, the default)
// and a Redis one (Config.State: every replica shares it, see redis.go).
// Both keep the same bounds and give the same answers; the tests run
// against both (state_backends_test.go).

// callCounts counts, per session, the calls each rule has matched, and
// keeps at most a bound of sessions, forgetting the least recently used.
type callCounts interface {
	// next counts a call of rule k in session and returns its turn, from
	// 1: no two callers ever get the same turn.
	next(session string, k ruleKey) int
	has(session string) bool // without marking it used
	// reset forgets the counts of one session, or of all when session
	// is "".
	reset(session string)
	// start gives session fresh, empty counts: it has state from now on.
	start(session string)
	kept() (kept int, evicted uint64)
}

// scenarioChoices is the scenario in force: for the whole server, and per
// session (which wins), at most a bound of sessions' choices kept.
type scenarioChoices interface {
	// get is the scenario of session, else the server's; it marks the
	// session used.
	get(session string) string
	has(session string) bool // without marking it used
	// set makes name the scenario of session, or of the server when
	// session is "". An empty name clears it.
	set(session, name string)
	inUse() map[string]bool
	kept() (kept int, evicted uint64)
}

// rateBuckets hold the rate limit's fixed windows: a minute from a key's
// first hit, at most a bound of keys.
type rateBuckets interface {
	// hit counts a request of key at now and returns the count in its
	// window and when the window ends.
	hit(key string, now time.Time) (count int, reset time.Time)
	kept() (kept int, evicted uint64)
}

// journalStore keeps the latest requests, numbered from 1 in the order
// they were recorded.
type journalStore interface {
	record(e JournalEntry) JournalEntry     // the entry with its ID
	entries(f JournalFilter) []JournalEntry // oldest first; Params not set
	clear(session string) int
	counts() (total uint64, kept int)
}

// coverageStore counts behaviours and risks per session and in all, the
// sessions in two bounded pools (see coverage).
type coverageStore interface {
	// add counts one request of session; trusted says whether it may join
	// the sessions or only the guests.
	add(session string, trusted bool, behaviours, risks []string)
	// snapshot copies the totals and the sessions from offset on, at most
	// limit (all when 0), in name order.
	snapshot(offset, limit int) coverageSnapshot
	session(id string) sessionCounts
	reset(id string, all bool)
	kept() (sessions, guests BoundedState)
}

// coverageSnapshot is a copy of coverage, taken at once.
type coverageSnapshot struct {
	total   sessionCounts
	ids     []string
	page    []sessionCounts // of ids
	kept    int
	evicted uint64
	next    int
}
