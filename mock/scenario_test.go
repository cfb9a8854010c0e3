package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// call is one request of a scenario test and what it must get.
type call struct {
	status int
	body   string            // exact body; "" skips, "data" means a non-empty dataset answer
	header map[string]string // headers that must be present
}

func (s *testServer) checkCalls(t *testing.T, path string, h http.Header, calls []call) {
	t.Helper()
	for i, want := range calls {
		got := s.do(http.MethodGet, path, h)
		if got.status != want.status {
			t.Errorf("call %d: status = %d, want %d (body %.200s)", i+1, got.status, want.status, got.body)
		}
		switch want.body {
		case "":
		case "data":
			if !bytes.HasPrefix(got.body, []byte(`{"data":[{`)) {
				t.Errorf("call %d: body %.100s, want dataset answer", i+1, got.body)
			}
		default:
			if string(got.body) != want.body {
				t.Errorf("call %d: body = %s, want %s", i+1, got.body, want.body)
			}
		}
		for k, v := range want.header {
			if got.header.Get(k) != v {
				t.Errorf("call %d: header %s = %q, want %q", i+1, k, got.header.Get(k), v)
			}
		}
	}
}

func withHeaders(kv ...string) http.Header {
	h := http.Header{"Authorization": {authOK}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// TestShippedScenarios checks every scenario in scenarios/, over real HTTP,
// selected per request with Prefer.
func TestShippedScenarios(t *testing.T) {
	t.Parallel()
	page, err := os.ReadFile("../scenarios/bodies/page-example.json")
	if err != nil {
		t.Fatal(err)
	}
	gatewayPage, err := os.ReadFile("../scenarios/bodies/gateway-timeout.html")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, smallConfig()) // the shipped scenarios, built in
	pageQuery := "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345&selected_scenario=customer_support"
	tests := []struct {
		scenario string
		query    string
		calls    []call
	}{
		{"unauthorized", okRange, []call{{status: 401, body: body401}, {status: 401, body: body401}}},
		{"token-expires", okRange, []call{{status: 200, body: "data"}, {status: 200, body: "data"}, {status: 401, body: body401}, {status: 401, body: body401}}},
		{"missing-dates", okRange, []call{{status: 422, body: bothMiss}}},
		{"invalid-filter", okRange, []call{{status: 422, body: filterBad}}},
		{"rate-limited", okRange, []call{{status: 429, body: `{"message":"Too Many Attempts."}`,
			header: map[string]string{"Retry-After": "60", "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0"}}}},
		{"empty", okRange, []call{{status: 200, body: `{"data":[]}`}}},
		{"flaky", okRange, []call{{status: 200, body: "data"}, {status: 503, body: `{"message":"Service Unavailable"}`, header: map[string]string{OutsideContractHeader: "true"}},
			{status: 200, body: "data"}, {status: 503}}},
		{"server-error", okRange, []call{{status: 500, body: `{"message":"Server Error"}`, header: map[string]string{OutsideContractHeader: "true"}}}},
		{"forbidden", okRange, []call{{status: 403, body: `{"message":"This action is unauthorized."}`, header: map[string]string{OutsideContractHeader: "true"}}}},
		{"gateway-timeout", okRange, []call{{status: 504, body: string(gatewayPage), header: map[string]string{"Content-Type": "text/html", OutsideContractHeader: "true"}}}},
		{"page-example", pageQuery, []call{{status: 200, body: string(page)}}},
		{"page-example", okRange, []call{{status: 200, body: "data"}}}, // other requests: the engine
	}
	for i, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			t.Parallel()
			h := withHeaders("Prefer", "scenario="+tt.scenario, SessionHeader, fmt.Sprintf("shipped-%d", i))
			s.checkCalls(t, apiPath+"?"+tt.query, h, tt.calls)
		})
	}
	// Every shipped scenario has a case above (slow: TestSlowScenario).
	tested := map[string]bool{"slow": true}
	for _, tt := range tests {
		tested[tt.scenario] = true
	}
	for _, name := range shippedScenarios {
		if !tested[name] {
			t.Errorf("shipped scenario %q has no test here", name)
		}
	}
	if !bytes.Equal(page, []byte(pageExampleBody)) {
		t.Errorf("page-example.json is not the page's example:\n got %s\nwant %s", page, pageExampleBody)
	}
}

// pageExampleBody is the public page's example response, compacted, with
// the e-mail of the page's source (john@example.com; the rendered page
// shows an obfuscated address).
const pageExampleBody = `{"data":[{"user_12345":{"chatbot_user_data":{"id":"user_12345","name":"John Doe","email":"john@example.com"},` +
	`"from":"2024-01-15T00:00:00.000000Z","to":"2024-01-15T23:59:59.000000Z","user_id":"user_12345",` +
	`"selected_scenario":"customer_support","browser":"chrome 105.0.0","interactions":[` +
	`{"type":"button","date":"2024-01-15T10:30:00.000000Z","text":"Help with my order","data":{"name":"Order Help","callback_id":"order_help_001"}},` +
	`{"type":"text","date":"2024-01-15T10:35:15.000000Z","text":"I need help with my order","data":null}]}}]}`

// TestSlowScenario checks the delay: the answer takes at least 2s.
func TestSlowScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 2s")
	}
	t.Parallel()
	s := newTestServer(t, smallConfig()) // the shipped copy inside the binary
	start := time.Now()
	got := s.do(http.MethodGet, apiPath+"?"+okRange, withHeaders("Prefer", "scenario=slow"))
	if took := time.Since(start); got.status != 200 || took < 2*time.Second {
		t.Errorf("slow: status %d after %s, want 200 after at least 2s", got.status, took)
	}
}

// TestScenarioSelection checks the three ways to choose a scenario, and
// which wins: Prefer, then the session's, then the server's.
func TestScenarioSelection(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Scenario = "empty"
	s := newTestServer(t, cfg)
	path := apiPath + "?" + okRange
	status := func(h http.Header) int { return s.do(http.MethodGet, path, h).status }
	emptyBodyOf := func(h http.Header) string { return string(s.do(http.MethodGet, path, h).body) }

	if got := emptyBodyOf(withHeaders()); got != `{"data":[]}` {
		t.Errorf("--scenario empty: body %.80s, want {\"data\":[]}", got)
	}
	if got := status(withHeaders("Prefer", "scenario=unauthorized")); got != 401 {
		t.Errorf("Prefer over --scenario: status %d, want 401", got)
	}
	// Admin: the session's scenario, then the server's.
	admin := func(body string) response {
		req, _ := http.NewRequest(http.MethodPut, s.ts.URL+adminPrefix+"/scenario", strings.NewReader(body))
		resp, err := s.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return response{status: resp.StatusCode, body: b}
	}
	if r := admin(`{"name":"server-error","session":"ci-job-1"}`); r.status != 200 {
		t.Fatalf("PUT scenario for a session: %d %s", r.status, r.body)
	}
	if got := status(withHeaders(SessionHeader, "ci-job-1")); got != 500 {
		t.Errorf("session's scenario: status %d, want 500", got)
	}
	if got := emptyBodyOf(withHeaders(SessionHeader, "ci-job-2")); got != `{"data":[]}` {
		t.Errorf("another session keeps the server's scenario: %.80s", got)
	}
	if r := admin(`{"name":""}`); r.status != 200 {
		t.Fatalf("clear the server's scenario: %d %s", r.status, r.body)
	}
	if got := s.do(http.MethodGet, path, withHeaders()).body; !bytes.HasPrefix(got, []byte(`{"data":[{`)) {
		t.Errorf("no scenario: body %.80s, want the dataset", got)
	}
	if r := admin(`{"name":"nope"}`); r.status != 404 || !strings.Contains(string(r.body), `unknown scenario \"nope\"`) {
		t.Errorf("unknown scenario: %d %s, want 404 naming it", r.status, r.body)
	}
	if r := admin(`{"nam":"empty"}`); r.status != 400 {
		t.Errorf("typo in admin body: %d %s, want 400", r.status, r.body)
	}
	// The list names every scenario and the server's active one.
	list := s.do(http.MethodGet, adminPrefix+"/scenarios", nil)
	for _, want := range []string{`"active":""`, `"name":"token-expires"`, `"rules":["still valid","expired"]`} {
		if !strings.Contains(string(list.body), want) {
			t.Errorf("GET /__odmock/scenarios lacks %s: %s", want, list.body)
		}
	}
}

// TestCallCountsPerSession runs token-expires from many sessions at once:
// each sees its own two 200s, then 401. Run with -race.
func TestCallCountsPerSession(t *testing.T) {
	t.Parallel()
	const sessions = 16
	cfg := smallConfig()
	for i := range sessions {
		cfg.Tokens = append(cfg.Tokens, fmt.Sprintf("tok-%d", i))
	}
	s := newTestServer(t, cfg)
	path := apiPath + "?" + okRange + "&user_id=user_12345"
	var wg sync.WaitGroup
	errs := make(chan string, sessions)
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := withHeaders("Prefer", "scenario=token-expires")
			if i%2 == 0 {
				h.Set(SessionHeader, fmt.Sprintf("job-%d", i))
			} else { // no session header: counted per token
				h.Set("Authorization", fmt.Sprintf("Bearer tok-%d", i))
			}
			var got []int
			for range 4 {
				got = append(got, s.do(http.MethodGet, path, h).status)
			}
			if fmt.Sprint(got) != "[200 200 401 401]" {
				errs <- fmt.Sprintf("session %d: statuses %v, want [200 200 401 401]", i, got)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Reset starts a session's count again.
	h := withHeaders("Prefer", "scenario=token-expires", SessionHeader, "job-0")
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+adminPrefix+"/reset?session=job-0", nil)
	req.Header.Set("Content-Type", "application/json") // no web page can send it
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := s.do(http.MethodGet, path, h).status; got != 200 {
		t.Errorf("after reset: status %d, want 200", got)
	}
}

// TestCallOrderRules checks times, after, call and sequence with repeat.
func TestCallOrderRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "order.yaml", `
rules:
  - name: third call only
    call: 3
    status: 429
  - name: after four
    after: 4
    sequence:
      - status: 401
      - status: 200
        body: {data: []}
    repeat: false
`)
	cfg := smallConfig()
	cfg.ScenariosDir = dir
	s := newTestServer(t, cfg)
	h := withHeaders("Prefer", "scenario=order")
	var got []int
	for range 9 {
		got = append(got, s.do(http.MethodGet, apiPath+"?"+okRange, h).status)
	}
	// The first rule takes call 3, so "after four" counts calls 1, 2, 4, 5
	// (letting them through), answers calls 6 and 7 with its sequence, and
	// past the sequence's end lets the engine answer.
	if want := "[200 200 429 200 200 401 200 200 200]"; fmt.Sprint(got) != want {
		t.Errorf("statuses %v, want %s", got, want)
	}
}

// TestMatchConditions checks query, header and token conditions.
func TestMatchConditions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "cond.yaml", `
rules:
  - match: {query: {user_id: user_12345}}
    status: 200
    body: {data: []}
  - match: {headers: {X-Client: {matches: "^mobile-"}}}
    status: 429
  - match: {query: {browser: {contains: fire}}, token: valid}
    status: 401
  - match: {token: missing}
    status: 422
  - match: {query: {country: {present: true}}}
    status: 500
    outside_contract: true
`)
	cfg := smallConfig()
	cfg.ScenariosDir = dir
	cfg.Scenario = "cond"
	s := newTestServer(t, cfg)
	tests := []struct {
		query string
		h     http.Header
		want  int
	}{
		{okRange + "&user_id=user_12345", withHeaders(), 200},
		{okRange, withHeaders("X-Client", "mobile-ios"), 429},
		{okRange, withHeaders("X-Client", "web"), 200},
		{okRange + "&browser=firefox", withHeaders(), 401},
		{okRange + "&browser=firefox", http.Header{"Authorization": {"Bearer bad"}}, 401}, // engine's 401
		{okRange, http.Header{}, 422},
		{okRange + "&country=", withHeaders(), 500},
	}
	for _, tt := range tests {
		if got := s.do(http.MethodGet, apiPath+"?"+tt.query, tt.h).status; got != tt.want {
			t.Errorf("GET ?%s %v: status %d, want %d", tt.query, tt.h, got, tt.want)
		}
	}
}

// TestPreferHeader checks Prefer's code, delay and errors.
func TestPreferHeader(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	path := apiPath + "?" + okRange
	tests := []struct {
		prefer string
		status int
		body   string
	}{
		{"code=401", 401, body401},
		{"code=422", 422, bothMiss},
		{"code=429", 429, `{"message":"Too Many Attempts."}`},
		{"return=minimal", 200, ""}, // not odmock's: ignored, as RFC 7240 asks
		{`scenario="empty"`, 200, `{"data":[]}`},
		{"code=500", 400, `{"message":"odmock: Prefer: code=500: want 401, 422 or 429"}`},
		{"delay=soon", 400, `{"message":"odmock: Prefer: delay=soon: want a duration up to 5m, like 800ms"}`},
		{"fault=explode", 400, `{"message":"odmock: Prefer: fault=explode: want reset, empty or truncate"}`},
	}
	for _, tt := range tests {
		got := s.do(http.MethodGet, path, withHeaders("Prefer", tt.prefer))
		if got.status != tt.status || tt.body != "" && string(got.body) != tt.body {
			t.Errorf("Prefer: %s: %d %s, want %d %s", tt.prefer, got.status, got.body, tt.status, tt.body)
		}
	}
	start := time.Now()
	got := s.do(http.MethodGet, path, withHeaders("Prefer", "delay=120ms, code=401"))
	if took := time.Since(start); got.status != 401 || took < 120*time.Millisecond {
		t.Errorf("Prefer: delay=120ms, code=401: %d after %s", got.status, took)
	}
	if pa := got.header.Get("Preference-Applied"); pa != "delay=120ms, code=401" {
		t.Errorf("Preference-Applied = %q", pa)
	}
}

// TestFaults checks each fault as a client sees it.
func TestFaults(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	path := s.ts.URL + apiPath + "?" + okRange + "&user_id=user_12345"
	get := func(fault string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", authOK)
		req.Header.Set("Prefer", "fault="+fault)
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	if _, _, err := get(faultReset); err == nil || !(strings.Contains(err.Error(), "reset") || errors.Is(err, io.EOF)) {
		t.Errorf("fault=reset: err = %v, want a connection reset", err)
	}
	if _, _, err := get(faultEmpty); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("fault=empty: err = %v, want EOF before any answer", err)
	}
	resp, body, err := get(faultTruncate)
	if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || int64(len(body)) >= resp.ContentLength {
		t.Errorf("fault=truncate: %v, %d bytes of %d; want 200 then an unexpected EOF", err, len(body), resp.ContentLength)
	}
	if resp != nil && resp.Header.Get(OutsideContractHeader) != "true" {
		t.Errorf("fault=truncate: no %s header", OutsideContractHeader)
	}
	// The server is fine afterwards.
	if got := s.get(apiPath + "?" + okRange).status; got != 200 {
		t.Errorf("after faults: status %d", got)
	}
}

// TestRateLimit checks --rate-limit as Laravel throttles: per token, with
// its headers on every answer and Retry-After past the limit.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	path := apiPath + "?" + okRange
	other := http.Header{"Authorization": {"Bearer other"}}
	tests := []struct {
		name string
		by   string
		// calls alternate between the default token and others; want are
		// their statuses.
		calls []http.Header
		want  []int
	}{
		// The real throttle runs before authentication: one budget per
		// address, whatever the token, and failures count.
		{"by address: tokens share", "", []http.Header{nil, other, nil, other}, []int{200, 200, 200, 429}},
		{"by address: failures count", RateLimitByAddress, []http.Header{{}, {"Authorization": {authOK}}, {"Authorization": {authOK}}, nil},
			[]int{401, 200, 200, 429}},
		{"by token: each its own", RateLimitByToken, []http.Header{nil, nil, nil, nil, other}, []int{200, 200, 200, 429, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := smallConfig()
			cfg.Users = 5
			cfg.RateLimit = 3
			cfg.RateLimitBy = tt.by
			cfg.Tokens = []string{DefaultToken, "other"}
			s := newTestServer(t, cfg)
			for i, h := range tt.calls {
				var got response
				if h == nil {
					got = s.get(path)
				} else {
					got = s.do(http.MethodGet, path, h)
				}
				if got.status != tt.want[i] {
					t.Errorf("call %d: status %d, want %d", i+1, got.status, tt.want[i])
				}
				if got.header.Get("X-RateLimit-Limit") != "3" || got.header.Get("X-RateLimit-Remaining") == "" {
					t.Errorf("call %d (%d): X-RateLimit-Limit %q, Remaining %q; want both on every answer", i+1, got.status,
						got.header.Get("X-RateLimit-Limit"), got.header.Get("X-RateLimit-Remaining"))
				}
				if got.status == 429 && (got.header.Get("Retry-After") == "" || got.header.Get("X-RateLimit-Reset") == "" ||
					string(got.body) != `{"message":"Too Many Attempts."}`) {
					t.Errorf("call %d: 429 without Retry-After, X-RateLimit-Reset or Laravel's body: %v %s", i+1, got.header, got.body)
				}
			}
		})
	}
	t.Run("422 carries the headers", func(t *testing.T) {
		t.Parallel()
		cfg := smallConfig()
		cfg.Users = 5
		cfg.RateLimit = 60
		s := newTestServer(t, cfg)
		got := s.get(apiPath)
		if got.status != 422 || got.header.Get("X-RateLimit-Remaining") != "59" {
			t.Errorf("422: status %d, X-RateLimit-Remaining %q; want 422, 59", got.status, got.header.Get("X-RateLimit-Remaining"))
		}
	})
}
