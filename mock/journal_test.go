package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
)

const janWeek = "from=2024-01-01%2000:00:00&to=2024-01-07%2023:59:59"

// lockedBuffer is a bytes.Buffer safe to write from a server and read
// from a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// journal reads GET /__odmock/journal with query q.
func (s *testServer) journal(q string) journalAnswer {
	s.t.Helper()
	r := s.do(http.MethodGet, JournalPath+q, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("GET %s%s: status = %d, want 200 (body %s)", JournalPath, q, r.status, r.body)
	}
	var a journalAnswer
	if err := json.Unmarshal(r.body, &a); err != nil {
		s.t.Fatalf("GET %s%s: %v in %s", JournalPath, q, err, r.body)
	}
	return a
}

// getAs sends GET path with the default token as a session.
func (s *testServer) getAs(session, path string) response {
	s.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + DefaultToken}}
	if session != "" {
		h.Set("X-Odmock-Session", session)
	}
	return s.do(http.MethodGet, path, h)
}

func TestJournalRecordsRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	s.getAs("app", apiPath+"?"+janWeek+"&user_id=user_12345")
	s.getAs("app", apiPath+"?to=2024-01-07")
	s.do(http.MethodGet, apiPath+"?"+janWeek, http.Header{"X-Odmock-Session": {"app"}})
	s.do(http.MethodGet, HealthPath, nil) // odmock's own paths are not journaled

	a := s.journal("?session=app")
	type row struct {
		Method, Path, Query, Session, Outcome string
		Status                                int
		Errors                                string
	}
	var got []row
	for _, e := range a.Entries {
		errs, _ := json.Marshal(e.Errors)
		got = append(got, row{e.Method, e.Path, e.Query, e.Session, string(e.Outcome), e.Status, string(errs)})
		if e.Time.IsZero() || time.Since(e.Time) > time.Hour || e.LatencyMS < 0 {
			t.Errorf("entry %d: time %v, latency_ms %v: want now and not negative", e.ID, e.Time, e.LatencyMS)
		}
	}
	want := []row{
		{"GET", apiPath, janWeek + "&user_id=user_12345", "app", "empty", 200, "{}"},
		{"GET", apiPath, "to=2024-01-07", "app", "invalid", 422,
			`{"from":["The from field is required."],"to":["The to does not match the format Y-m-d H:i:s."]}`},
		{"GET", apiPath, janWeek, "app", "unauthenticated", 401, "{}"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("journal entries:\n got: %+v\nwant: %+v", got, want)
	}
	if len(a.Entries) == 3 {
		if p := a.Entries[0].Params; p.Get("from") != "2024-01-01 00:00:00" || p.Get("user_id") != "user_12345" {
			t.Errorf("entry 1 params = %v, want from and user_id decoded", p)
		}
		if ids := []uint64{a.Entries[0].ID, a.Entries[1].ID, a.Entries[2].ID}; !slices.IsSorted(ids) || ids[0] == 0 {
			t.Errorf("ids = %v, want increasing from 1", ids)
		}
	}
	// Readable for a person or grep: & as &, not \u0026.
	if r := s.do(http.MethodGet, JournalPath, nil); !bytes.Contains(r.body, []byte(`"query":"`+janWeek+`&user_id=user_12345"`)) {
		t.Errorf("GET %s: the query is not written as sent: %.300s", JournalPath, r.body)
	}
	if a.Size != DefaultJournalSize || a.Total != 3 {
		t.Errorf("size, total = %d, %d, want %d, 3", a.Size, a.Total, DefaultJournalSize)
	}
}

func TestJournalIsBounded(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.JournalSize = 3
	s := newTestServer(t, cfg)
	for i := range 7 {
		s.getAs("", fmt.Sprintf("%s?%s&user_id=u%d", apiPath, janWeek, i))
	}
	a := s.journal("")
	var users []string
	for _, e := range a.Entries {
		users = append(users, e.Params.Get("user_id"))
	}
	if want := []string{"u4", "u5", "u6"}; !slices.Equal(users, want) {
		t.Errorf("journal of size 3 after 7 requests holds %v, want %v", users, want)
	}
	if a.Size != 3 || a.Total != 7 {
		t.Errorf("size, total = %d, %d, want 3, 7", a.Size, a.Total)
	}

	// Each entry is bounded too, whatever a client sends.
	long := strings.Repeat("x", 20<<10)
	s.getAs(strings.Repeat("s", 1000), apiPath+"?"+janWeek+"&browser="+long)
	e := s.journal("?limit=1").Entries[0]
	if len(e.Query) > maxJournalQuery || len(e.Session) > maxJournalSession {
		t.Errorf("entry keeps a %d-byte query and a %d-byte session, want at most %d and %d",
			len(e.Query), len(e.Session), maxJournalQuery, maxJournalSession)
	}
}

func TestJournalOff(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.JournalSize = 0
	s := newTestServer(t, cfg)
	s.getAs("", apiPath+"?"+janWeek)
	a := s.journal("")
	if len(a.Entries) != 0 || a.Size != 0 || a.Total != 1 {
		t.Errorf("journal of size 0: %d entries, size %d, total %d, want 0, 0, 1", len(a.Entries), a.Size, a.Total)
	}
	cfg.JournalSize = -1
	if _, err := New(cfg); err == nil {
		t.Error("New with JournalSize -1: no error")
	}
}

func TestJournalFilterLimitClear(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	for _, session := range []string{"a", "b", "a", "", "b", "a"} {
		s.getAs(session, apiPath+"?"+janWeek)
	}
	ids := func(q string) []uint64 {
		var out []uint64
		for _, e := range s.journal(q).Entries {
			out = append(out, e.ID)
		}
		return out
	}
	tests := []struct {
		query string
		want  []uint64
	}{
		{"", []uint64{1, 2, 3, 4, 5, 6}},
		{"?session=a", []uint64{1, 3, 6}},
		{"?session=b", []uint64{2, 5}},
		{"?session=none", nil},
		{"?limit=2", []uint64{5, 6}},
		{"?session=a&limit=2", []uint64{3, 6}},
		{"?limit=0", []uint64{1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		if got := ids(tt.query); !slices.Equal(got, tt.want) {
			t.Errorf("GET %s%s: ids %v, want %v", JournalPath, tt.query, got, tt.want)
		}
	}
	for _, bad := range []string{"?limit=x", "?limit=-1"} {
		if r := s.do(http.MethodGet, JournalPath+bad, nil); r.status != http.StatusBadRequest || !bytes.Contains(r.body, []byte("limit")) {
			t.Errorf("GET %s%s: status %d, body %s, want 400 about limit", JournalPath, bad, r.status, r.body)
		}
	}

	if r := s.do(http.MethodHead, JournalPath, nil); r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("Content-Length") == "0" {
		t.Errorf("HEAD %s: status %d, %d bytes, Content-Length %s, want 200, none, the GET's length", JournalPath, r.status, len(r.body), r.header.Get("Content-Length"))
	}
	r := s.do(http.MethodDelete, JournalPath+"?session=a", nil)
	if r.status != http.StatusOK || string(r.body) != `{"cleared":3}` {
		t.Errorf("DELETE ?session=a: status %d, body %s, want 200 {\"cleared\":3}", r.status, r.body)
	}
	if got, want := ids(""), []uint64{2, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("after clearing session a: ids %v, want %v", got, want)
	}
	s.getAs("a", apiPath+"?"+janWeek)
	if got, want := ids(""), []uint64{2, 4, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("after one more request: ids %v, want %v", got, want)
	}
	r = s.do(http.MethodDelete, JournalPath, nil)
	if r.status != http.StatusOK || string(r.body) != `{"cleared":4}` {
		t.Errorf("DELETE: status %d, body %s, want 200 {\"cleared\":4}", r.status, r.body)
	}
	if got := ids(""); len(got) != 0 {
		t.Errorf("after clearing all: ids %v, want none", got)
	}
}

// TestJournalAndLogKeepNoSecrets sends tokens every way a client might,
// and looks for them in the journal and the log.
func TestJournalAndLogKeepNoSecrets(t *testing.T) {
	t.Parallel()
	const token = "sk-live-9f8e7d6c5b4a"
	var logs lockedBuffer
	cfg := smallConfig()
	cfg.Tokens = []string{token}
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newTestServer(t, cfg)
	auth := http.Header{"Authorization": {"Bearer " + token}}
	for _, q := range []string{
		janWeek,
		janWeek + "&api_token=" + token,
		janWeek + "&access_token=other-secret-1",
		janWeek + "&user_id=" + token,
		janWeek + "&browser=Bearer%20" + token,
		janWeek + "&" + token,
		janWeek + "&API_KEY=other-secret-2",
		janWeek + "&password=other-secret-3",
	} {
		s.do(http.MethodGet, apiPath+"?"+q, auth)
		s.do(http.MethodGet, apiPath+"?"+q, nil)
	}
	r := s.do(http.MethodGet, JournalPath, nil)
	for where, text := range map[string]string{"journal": string(r.body), "log": logs.String()} {
		for _, secret := range []string{token, "other-secret"} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s holds %q:\n%.2000s", where, secret, text)
			}
		}
		if !strings.Contains(text, "api_token="+redacted) {
			t.Errorf("the %s does not show api_token=%s:\n%.2000s", where, redacted, text)
		}
	}
	s.srv.Settle()
	if n := len(s.srv.Journal().Entries(JournalFilter{})); n != 16 {
		t.Errorf("journal holds %d entries, want 16", n)
	}
}

func TestRedactQuery(t *testing.T) {
	t.Parallel()
	tokens := []string{"abc", "long-token-123"}
	tests := []struct{ in, want string }{
		{"", ""},
		{janWeek + "&browser=chrome", janWeek + "&browser=chrome"},
		{"api_token=x&from=1", "api_token=REDACTED&from=1"},
		{"Access%5FToken=x", "Access%5FToken=REDACTED"},
		{"user_id=abc", "user_id=REDACTED"},
		{"user_id=abcd", "user_id=abcd"},              // a short token only as a whole value
		{"email=my-long-token-123", "email=REDACTED"}, // a long one anywhere
		{"q=long%2Dtoken%2D123", "q=REDACTED"},        // encoded
		{"long-token-123&from=1", "REDACTED&from=1"},  // as a name
		{"secret", "secret"},                          // a name alone holds no value
		{"a=1&&b=2&password=&x", "a=1&&b=2&password=REDACTED&x"},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in, tokens); got != tt.want {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestJournalRing checks the ring's order across wrap-around and clears.
func TestJournalRing(t *testing.T) {
	t.Parallel()
	j := newJournal(4)
	rec := func(sessions ...string) {
		for _, s := range sessions {
			j.Record(JournalEntry{Session: s})
		}
	}
	ids := func(f JournalFilter) []uint64 {
		var out []uint64
		for _, e := range j.Entries(f) {
			out = append(out, e.ID)
		}
		return out
	}
	rec("a", "b", "a", "b", "a", "b") // ids 1-6; 3-6 kept
	if got, want := ids(JournalFilter{}), []uint64{3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("after wrap-around: %v, want %v", got, want)
	}
	if n := j.Clear("b"); n != 2 {
		t.Errorf("Clear(b) = %d, want 2", n)
	}
	rec("c", "c", "c") // ids 7-9; 3 is dropped
	if got, want := ids(JournalFilter{}), []uint64{5, 7, 8, 9}; !slices.Equal(got, want) {
		t.Errorf("after clear and refill: %v, want %v", got, want)
	}
	if got, want := ids(JournalFilter{Session: "c", Limit: 2}), []uint64{8, 9}; !slices.Equal(got, want) {
		t.Errorf("session c, limit 2: %v, want %v", got, want)
	}
	if j.Total() != 9 || j.Size() != 4 {
		t.Errorf("total, size = %d, %d, want 9, 4", j.Total(), j.Size())
	}
}

func TestRedactErrors(t *testing.T) {
	t.Parallel()
	errs := []contract.FieldErrors{
		{Field: "from", Messages: []string{"The from field is required."}, Kind: contract.KindRequired},
		{Field: "filters.abc", Messages: []string{"The filter 'abc' is not allowed."}, Kind: contract.KindFilter},
		{Field: "filters.x-long-token-123", Messages: []string{"The filter 'x-long-token-123' is not allowed."}, Kind: contract.KindFilter},
	}
	got := redactErrors(errs, []string{"abc", "long-token-123"})
	want := []contract.FieldErrors{
		errs[0],
		{Field: "filters.REDACTED", Messages: []string{"The filter 'REDACTED' is not allowed."}, Kind: contract.KindFilter},
		{Field: "filters.x-REDACTED", Messages: []string{"The filter 'x-REDACTED' is not allowed."}, Kind: contract.KindFilter},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("redactErrors:\n got: %v\nwant: %v", got, want)
	}
	if errs[1].Field != "filters.abc" {
		t.Errorf("redactErrors changed its argument: %v", errs[1])
	}
	if clean := errs[:1]; &redactErrors(clean, []string{"abc"})[0] != &clean[0] {
		t.Error("redactErrors copied errors with nothing to redact")
	}
}

// TestJournalConcurrent records, reads and clears from several goroutines,
// as requests do; run with -race.
func TestJournalConcurrent(t *testing.T) {
	t.Parallel()
	j := newJournal(16)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			session := fmt.Sprint("s", g)
			for i := range 200 {
				j.Record(JournalEntry{Session: session})
				if i%50 == 0 {
					j.Clear(session)
				}
				if es := j.Entries(JournalFilter{Limit: 8}); len(es) > 8 {
					t.Errorf("Entries with Limit 8: %d entries", len(es))
				}
			}
		})
	}
	wg.Wait()
	if j.Total() != 800 {
		t.Errorf("Total = %d, want 800", j.Total())
	}
	es := j.Entries(JournalFilter{})
	if len(es) > 16 || !slices.IsSortedFunc(es, func(a, b JournalEntry) int { return int(a.ID) - int(b.ID) }) {
		t.Errorf("after concurrent use: %d entries, ids in order: %v", len(es), es)
	}
}
