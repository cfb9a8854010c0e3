package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tests of issue 14: where the page speaks, odmock does what it says;
// where it is silent, the strictest plausible behaviour.

// TestChatbotUserDataIsThePagesObject: chatbot_user_data is {id, name,
// email}, nothing more, in the page's order.
func TestChatbotUserDataIsThePagesObject(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	got := s.get(apiPath + "?" + okRange)
	var doc struct {
		Data []map[string]struct {
			Chatbot json.RawMessage `json:"chatbot_user_data"`
		} `json:"data"`
	}
	if err := json.Unmarshal(got.body, &doc); err != nil || len(doc.Data) == 0 {
		t.Fatalf("GET ?%s: %v, %d users", okRange, err, len(doc.Data))
	}
	for _, entry := range doc.Data {
		for id, u := range entry {
			if keys := objectKeys(t, u.Chatbot); !slices.Equal(keys, []string{"id", "name", "email"}) {
				t.Errorf("user %s: chatbot_user_data keys = %v, want [id name email]", id, keys)
			}
		}
	}
}

// objectKeys lists a JSON object's keys in their order.
func objectKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	}
	return keys
}

// TestAppliedFiltersEchoed: each user's selected_scenario and browser are
// the filters that were applied, as the page's text says: the value sent
// after Laravel's trimming, null when not sent, the same for every user.
func TestAppliedFiltersEchoed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	null := (*string)(nil)
	str := func(v string) *string { return &v }
	tests := []struct {
		name            string
		query           string
		scenario, brows *string
	}{
		{"no filter", okRange, null, null},
		{"browser only", okRange + "&browser=chrome", null, str("chrome")},
		{"trimmed, case kept", okRange + "&browser=%20Chrome%20", null, str("Chrome")},
		{"empty is not sent", okRange + "&browser=&selected_scenario=customer", str("customer"), null},
		{"both", okRange + "&selected_scenario=SUPPORT&browser=e", str("SUPPORT"), str("e")},
		{"wildcards as sent", okRange + "&browser=c%25e", null, str("c%e")},
		{"other filters not echoed", okRange + "&country=US", null, null},
		{"user_id", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345&selected_scenario=customer_support", str("customer_support"), null},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.get(apiPath + "?" + tt.query)
			var doc struct {
				Data []map[string]struct {
					Scenario *string `json:"selected_scenario"`
					Browser  *string `json:"browser"`
				} `json:"data"`
			}
			if err := json.Unmarshal(got.body, &doc); err != nil || got.status != 200 {
				t.Fatalf("GET ?%s: status %d, %v", tt.query, got.status, err)
			}
			if len(doc.Data) == 0 {
				t.Fatalf("GET ?%s: no users, want some", tt.query)
			}
			for _, entry := range doc.Data {
				for id, u := range entry {
					if !reflect.DeepEqual(u.Scenario, tt.scenario) || !reflect.DeepEqual(u.Browser, tt.brows) {
						t.Fatalf("GET ?%s: user %s has selected_scenario %s, browser %s; want %s, %s", tt.query, id,
							show(u.Scenario), show(u.Browser), show(tt.scenario), show(tt.brows))
					}
				}
			}
		})
	}
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return `"` + *s + `"`
}

// TestLaravelRouting: a trailing slash reaches the same route, and a
// plain OPTIONS (no CORS preflight) gets Laravel's router's answer.
func TestLaravelRouting(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	want := s.get(apiPath + "?" + okRange + "&user_id=user_12345")
	if got := s.get(apiPath + "/?" + okRange + "&user_id=user_12345"); got.status != 200 || !bytes.Equal(got.body, want.body) {
		t.Errorf("GET %s/: status %d, body %.200s; want the answer without the slash", apiPath, got.status, got.body)
	}
	if got := s.do(http.MethodGet, apiPath+"/?"+okRange, nil); got.status != 401 {
		t.Errorf("GET %s/ without a token: status %d, want 401", apiPath, got.status)
	}
	for _, path := range []string{apiPath, apiPath + "/"} {
		got := s.do(http.MethodOptions, path, nil)
		if got.status != 200 || len(got.body) != 0 || got.header.Get("Allow") != "GET,HEAD" {
			t.Errorf("OPTIONS %s: status %d, Allow %q, body %q; want 200, GET,HEAD, empty", path, got.status, got.header.Get("Allow"), got.body)
		}
	}
}

// TestRateLimitedScenarioHeaders: the rate-limited scenario carries the
// headers of the real throttle's 429, X-RateLimit-Reset included.
func TestRateLimitedScenarioHeaders(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Users = 5
	cfg.ScenariosDir = "../scenarios"
	s := newTestServer(t, cfg)
	for _, prefer := range []string{"scenario=rate-limited", "code=429"} {
		before := time.Now().Unix()
		got := s.do(http.MethodGet, apiPath+"?"+okRange, http.Header{"Authorization": {authOK}, "Prefer": {prefer}})
		reset, err := strconv.ParseInt(got.header.Get("X-RateLimit-Reset"), 10, 64)
		if got.status != 429 || err != nil || reset < before+59 || reset > time.Now().Unix()+60 {
			t.Errorf("Prefer: %s: status %d, X-RateLimit-Reset %q; want 429 and 60 s from now", prefer, got.status, got.header.Get("X-RateLimit-Reset"))
		}
		for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"} {
			if got.header.Get(h) == "" {
				t.Errorf("Prefer: %s: no %s", prefer, h)
			}
		}
	}
}

// TestRisks: each API exchange names the risks it took, in the journal,
// the log line and the coverage of its session.
func TestRisks(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	cfg := smallConfig()
	cfg.Users = 5
	cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	s := newTestServer(t, cfg)
	jsonAccept := "application/json"
	tests := []struct {
		name   string
		query  string
		accept string
		want   []string
	}{
		{"asks for JSON", okRange, jsonAccept, []string{}},
		{"no Accept, as the page's examples", okRange, "", []string{RiskAcceptJSON}},
		{"Accept HTML first", okRange, "text/html, application/json", []string{RiskAcceptJSON}},
		{"vendor JSON", okRange, "application/vnd.api+json", []string{}},
		{"inverted range", "from=2024-01-31%2000:00:00&to=2024-01-01%2000:00:00", jsonAccept, []string{RiskInvertedRange}},
		{"31 days is not wide", "from=2024-01-01%2000:00:00&to=2024-02-01%2000:00:00", jsonAccept, []string{}},
		{"wide range, no Accept", "from=2024-01-01%2000:00:00&to=2024-02-01%2000:00:01", "", []string{RiskAcceptJSON, RiskWideRange}},
		{"invalid query: no range risk", "from=x", jsonAccept, []string{}},
	}
	for i, tt := range tests {
		session := fmt.Sprintf("risk-%d", i)
		h := http.Header{"Authorization": {authOK}, SessionHeader: {session}}
		if tt.accept != "" {
			h.Set("Accept", tt.accept)
		}
		s.do(http.MethodGet, apiPath+"?"+tt.query, h)
		s.srv.Settle()
		entries := s.srv.Journal().Entries(JournalFilter{Session: session})
		if len(entries) != 1 || !slices.Equal(entries[0].Risks, tt.want) {
			t.Errorf("%s: journal risks = %v, want %v", tt.name, entries, tt.want)
		}
		cov := s.srv.SessionCoverage(session)
		for _, r := range Risks() {
			if want := btoi(slices.Contains(tt.want, r)); cov.Risks[r] != want {
				t.Errorf("%s: coverage risks[%s] = %d, want %d", tt.name, r, cov.Risks[r], want)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "risks=accept-json,wide-range") {
		t.Errorf("log has no risks=accept-json,wide-range:\n%s", logs.String())
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestNonJSONClients: by default a client without Accept: application/json
// gets JSON (the page's examples send none); the redirect mode answers as
// the real server did, a 302 to the login page or back.
func TestNonJSONClients(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Users = 5
	s := newTestServer(t, cfg)
	redirect := smallConfig()
	redirect.Users = 5
	redirect.NonJSONClients = NonJSONRedirect
	r := newTestServer(t, redirect)
	host := strings.TrimPrefix(s.ts.URL, "http://")
	rhost := strings.TrimPrefix(r.ts.URL, "http://")
	tests := []struct {
		name     string
		srv      *testServer
		header   http.Header
		query    string
		status   int
		location string
	}{
		{"default: 401 JSON", s, http.Header{}, okRange, 401, ""},
		{"default: 422 JSON", s, http.Header{"Authorization": {authOK}}, "", 422, ""},
		{"Prefer asks to redirect: 401", s, http.Header{"Prefer": {"non-json=redirect"}}, okRange, 302, "http://" + host + "/login"},
		{"Prefer asks to redirect: 422 back", s, http.Header{"Prefer": {"non-json=redirect"}, "Authorization": {authOK}, "Referer": {"http://app.example/report"}}, "", 302, "http://app.example/report"},
		{"redirect mode: 401", r, http.Header{}, okRange, 302, "http://" + rhost + "/login"},
		{"redirect mode: 422 to the root without Referer", r, http.Header{"Authorization": {authOK}}, "", 302, "http://" + rhost},
		{"redirect mode, JSON asked: 401", r, http.Header{"Accept": {"application/json"}}, okRange, 401, ""},
		{"redirect mode, XHR: 422", r, http.Header{"Authorization": {authOK}, "X-Requested-With": {"XMLHttpRequest"}}, "", 422, ""},
		{"redirect mode, Prefer json: 401", r, http.Header{"Prefer": {"non-json=json"}}, okRange, 401, ""},
		{"redirect mode: 200 as ever", r, http.Header{"Authorization": {authOK}}, okRange, 200, ""},
	}
	for _, tt := range tests {
		got := tt.srv.do(http.MethodGet, apiPath+"?"+tt.query, tt.header)
		if got.status != tt.status || got.header.Get("Location") != tt.location {
			t.Errorf("%s: status %d, Location %q; want %d, %q", tt.name, got.status, got.header.Get("Location"), tt.status, tt.location)
		}
		if got.status == 302 && (!strings.HasPrefix(got.header.Get("Content-Type"), "text/html") || !bytes.Contains(got.body, []byte("Redirecting to"))) {
			t.Errorf("%s: 302 %q %s, want Laravel's redirect page", tt.name, got.header.Get("Content-Type"), got.body)
		}
	}
}
