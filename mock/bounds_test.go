package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve sends one request straight to the handler (no socket): the tests
// of bounds send tens of thousands.
func serve(s *Server, method, target string, h http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.Host = "127.0.0.1"
	for k, v := range h {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func newBoundsServer(t *testing.T, mutate func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Users = 20
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestFailedAuthenticationCreatesNoState: distinct unknown tokens and
// distinct session names without a valid token used to add a coverage
// session each, forever (700 B apiece: 502,000 took RSS to 376 MB). Now an
// unknown token names no session, and session names without a valid token
// live in a small pool of their own that never evicts the others.
func TestFailedAuthenticationCreatesNoState(t *testing.T) {
	t.Parallel()
	s := newBoundsServer(t, func(c *Config) { c.MaxSessions = 50 })
	serve(s, http.MethodGet, apiPath+okQuery, http.Header{"Authorization": {"Bearer " + DefaultToken}, SessionHeader: {"mine"}})
	for i := range 4000 {
		h := http.Header{"Authorization": {fmt.Sprintf("Bearer unknown-%d", i)}}
		if i%2 == 1 {
			h = http.Header{SessionHeader: {fmt.Sprintf("stranger-%d", i)}}
		}
		if w := serve(s, http.MethodGet, apiPath+okQuery, h); w.Code != http.StatusUnauthorized {
			t.Fatalf("request %d: status %d, want 401", i, w.Code)
		}
	}
	cv := s.Coverage()
	if cv.Sessions["mine"].Requests != 1 || cv.Sessions[anonymousSession].Requests != 2000 {
		t.Errorf("after 4000 unauthenticated requests: mine %d, anonymous %d requests; want 1 (kept), 2000 (every unknown token)",
			cv.Sessions["mine"].Requests, cv.Sessions[anonymousSession].Requests)
	}
	if len(cv.Sessions) > 51 || cv.Requests != 4001 || cv.Behaviours[BehaviourUnauthenticated] != 4000 {
		t.Errorf("%d sessions kept, totals %d requests, %d unauthenticated; want at most 51, 4001, 4000", len(cv.Sessions), cv.Requests, cv.Behaviours[BehaviourUnauthenticated])
	}
	if st := s.State(); st.CoverageSessions.Kept != 1 || st.CoverageSessions.Evicted != 0 || st.CallCounters.Kept > 1 || st.GuestSessions.Kept != 50 {
		t.Errorf("state = %+v, want only mine kept, and 50 guests", st)
	}
}

// TestSessionStateIsLRUBounded: past MaxSessions, the least recently used
// session is forgotten, one at a time, and counted; the others keep their
// state.
func TestSessionStateIsLRUBounded(t *testing.T) {
	t.Parallel()
	s := newBoundsServer(t, func(c *Config) { c.MaxSessions = 3 })
	auth := "Bearer " + DefaultToken
	call := func(session string) {
		serve(s, http.MethodGet, apiPath+okQuery, http.Header{"Authorization": {auth}, SessionHeader: {session}})
	}
	call("a")
	call("b")
	call("c")
	call("a") // a is now the most recent; b the least
	call("d") // forgets b only
	cv := s.Coverage()
	for _, id := range []string{"a", "c", "d"} {
		if _, ok := cv.Sessions[id]; !ok {
			t.Errorf("session %s forgotten, want kept (sessions: %v)", id, keys(cv.Sessions))
		}
	}
	if _, ok := cv.Sessions["b"]; ok || cv.SessionsEvicted != 1 || cv.SessionsKept != 3 {
		t.Errorf("b kept=%v, evicted %d, kept %d; want b forgotten, 1, 3", ok, cv.SessionsEvicted, cv.SessionsKept)
	}
	if cv.Requests != 5 || cv.Sessions["a"].Requests != 2 {
		t.Errorf("totals %d, a %d; want 5 (forgotten sessions still count), 2", cv.Requests, cv.Sessions["a"].Requests)
	}
	w := serve(s, http.MethodGet, StatePath, nil)
	var st StateReport
	if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil || w.Code != 200 {
		t.Fatalf("GET %s: %d %v: %s", StatePath, w.Code, err, w.Body)
	}
	if st.CoverageSessions != (BoundedState{Kept: 3, Limit: 3, Evicted: 1}) {
		t.Errorf("GET %s: coverage sessions %+v, want 3 kept of 3, 1 evicted", StatePath, st.CoverageSessions)
	}
}

// TestExpiredTokenStaysExpired: call counters used to be wiped for every
// session at once when they reached 100,000 entries, so a session's
// expired token became valid again. A session in use keeps its counts
// however many others come and go.
func TestExpiredTokenStaysExpired(t *testing.T) {
	t.Parallel()
	s := newBoundsServer(t, nil)
	auth := http.Header{"Authorization": {"Bearer " + DefaultToken}, "Prefer": {"scenario=token-expires"}}
	mine := auth.Clone()
	mine.Set(SessionHeader, "mine")
	for range 2 {
		serve(s, http.MethodGet, apiPath+okQuery, mine) // still valid
	}
	if w := serve(s, http.MethodGet, apiPath+okQuery, mine); w.Code != http.StatusUnauthorized {
		t.Fatalf("third call: status %d, want 401 (expired)", w.Code)
	}
	for i := range 110_000 {
		h := auth.Clone()
		h.Set(SessionHeader, fmt.Sprintf("other-%d", i))
		serve(s, http.MethodHead, apiPath+"?user_id=none", h) // a cheap answer; the count is what matters
		if i%1000 == 999 {
			if w := serve(s, http.MethodGet, apiPath+okQuery, mine); w.Code != http.StatusUnauthorized {
				t.Fatalf("after %d other sessions: status %d, want 401: the expired token came back to life", i+1, w.Code)
			}
		}
	}
}

// TestAdminAnswersArePaged: one GET of the coverage used to answer every
// session (339 MB for 502,000), and the journal every entry.
func TestAdminAnswersArePaged(t *testing.T) {
	t.Parallel()
	s := newBoundsServer(t, func(c *Config) { c.JournalSize = 3000 })
	auth := "Bearer " + DefaultToken
	for i := range 2000 {
		serve(s, http.MethodGet, apiPath+okQuery, http.Header{"Authorization": {auth}, SessionHeader: {fmt.Sprintf("s%05d", i)}})
	}
	w := serve(s, http.MethodGet, CoveragePath, nil)
	var cv Coverage
	if err := json.Unmarshal(w.Body.Bytes(), &cv); err != nil {
		t.Fatalf("GET %s: %v", CoveragePath, err)
	}
	if len(cv.Sessions) != maxCoveragePage || cv.Next != maxCoveragePage || cv.SessionsKept != 2000 || cv.Requests != 2000 {
		t.Errorf("GET %s: %d sessions, next %d, kept %d, requests %d; want %d, %d, 2000, 2000",
			CoveragePath, len(cv.Sessions), cv.Next, cv.SessionsKept, cv.Requests, maxCoveragePage, maxCoveragePage)
	}
	seen := map[string]bool{}
	for offset := 0; ; {
		w := serve(s, http.MethodGet, fmt.Sprintf("%s?offset=%d&limit=300", CoveragePath, offset), nil)
		var page Coverage
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		for id := range page.Sessions {
			seen[id] = true
		}
		if page.Next == 0 {
			break
		}
		offset = page.Next
	}
	if len(seen) != 2000 {
		t.Errorf("paging through the coverage saw %d sessions, want 2000", len(seen))
	}

	w = serve(s, http.MethodGet, JournalPath, nil)
	var j journalAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Entries) != maxJournalPage || j.Before != j.Entries[0].ID || j.Entries[len(j.Entries)-1].ID != 2000 {
		t.Errorf("GET %s: %d entries, before %d; want the newest %d, ending at 2000", JournalPath, len(j.Entries), j.Before, maxJournalPage)
	}
	w = serve(s, http.MethodGet, fmt.Sprintf("%s?before=%d", JournalPath, j.Before), nil)
	var older journalAnswer
	if err := json.Unmarshal(w.Body.Bytes(), &older); err != nil {
		t.Fatal(err)
	}
	if len(older.Entries) != 1000 || older.Entries[len(older.Entries)-1].ID != j.Before-1 || older.Before != 0 {
		t.Errorf("GET ?before=%d: %d entries, last %d, before %d; want 1000 ending at %d, no page before",
			j.Before, len(older.Entries), older.Entries[len(older.Entries)-1].ID, older.Before, j.Before-1)
	}
	for _, bad := range []string{"limit=-1", "limit=1001", "before=x"} {
		if w := serve(s, http.MethodGet, JournalPath+"?"+bad, nil); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "want a whole number") {
			t.Errorf("GET ?%s: %d %s, want 400 naming the range", bad, w.Code, w.Body)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
