package mock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
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
	cfg := smallConfig()
	cfg.ScenariosDir = "../scenarios"
	s := newTestServer(t, cfg)
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
	// Every shipped scenario has a case above.
	tested := map[string]bool{}
	for _, tt := range tests {
		tested[tt.scenario] = true
	}
	for _, name := range append(s.srv.Scenarios(), "slow") {
		if !tested[name] && name != "slow" {
			t.Errorf("shipped scenario %q has no test here", name)
		}
	}
	if !bytes.HasPrefix(page, []byte(`{"data":[{"user_12345":{"chatbot_user_data":{"id":"user_12345","name":"John Doe"`)) {
		t.Errorf("page-example.json is not the page's example: %.100s", page)
	}
}

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
		req, _ := http.NewRequest(http.MethodPut, s.ts.URL+AdminPrefix+"/scenario", strings.NewReader(body))
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
	list := s.do(http.MethodGet, AdminPrefix+"/scenarios", nil)
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
	req, _ := http.NewRequest(http.MethodPost, s.ts.URL+AdminPrefix+"/reset?session=job-0", nil)
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
	cfg := smallConfig()
	cfg.RateLimit = 3
	cfg.Tokens = []string{DefaultToken, "other"}
	s := newTestServer(t, cfg)
	path := apiPath + "?" + okRange
	for i, want := range []int{200, 200, 200, 429, 429} {
		got := s.get(path)
		if got.status != want {
			t.Errorf("call %d: status %d, want %d", i+1, got.status, want)
		}
		remaining := fmt.Sprint(max(2-i, 0))
		if got.header.Get("X-RateLimit-Limit") != "3" || got.header.Get("X-RateLimit-Remaining") != remaining {
			t.Errorf("call %d: X-RateLimit-Limit %q, Remaining %q; want 3, %s", i+1,
				got.header.Get("X-RateLimit-Limit"), got.header.Get("X-RateLimit-Remaining"), remaining)
		}
		if want == 429 && (got.header.Get("Retry-After") == "" || string(got.body) != `{"message":"Too Many Attempts."}`) {
			t.Errorf("call %d: 429 without Retry-After or Laravel's body: %s", i+1, got.body)
		}
	}
	if got := s.do(http.MethodGet, path, http.Header{"Authorization": {"Bearer other"}}); got.status != 200 {
		t.Errorf("another token has its own limit: status %d", got.status)
	}
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.TrimLeft(content, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLintProblems checks each kind of mistake in a scenario or fixture
// file, and its exact path:line: message.
func TestLintProblems(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	tests := []struct {
		name    string
		file    string
		content string
		want    []string
	}{
		{"syntax", "s.yaml", "rules:\n  - status: 401\n    name: a: b\n", []string{"s.yaml:3: mapping values are not allowed in this context"}},
		{"unknown key", "s.yaml", "rules:\n  - name: x\n    stauts: 401\n", []string{`s.yaml:3: a rule: unknown key "stauts" (known: name, match, times, after, call, sequence, repeat, respond, fixture, status, headers, body, body_file, delay, fault, outside_contract)`}},
		{"top-level typo", "s.yaml", "descripton: x\nrules: []\n", []string{`s.yaml:1: a scenario file: unknown key "descripton" (known: description, rules)`}},
		{"no rules", "s.yaml", "description: x\n", []string{"s.yaml:1: a scenario needs rules: a list of rules"}},
		{"status not HTTP", "s.yaml", "rules:\n  - status: 700\n", []string{"s.yaml:2: status 700 is not an HTTP status (100 to 599)"}},
		{"status not a number", "s.yaml", "rules:\n  - status: teapot\n", []string{`s.yaml:2: status "teapot" is not a number`}},
		{"outside contract", "s.yaml", "rules:\n  - status: 500\n", []string{"s.yaml:2: status 500 is not in the contract: add outside_contract: true"}},
		{"fault outside contract", "s.yaml", "rules:\n  - fault: reset\n", []string{"s.yaml:2: fault reset is outside the contract: add outside_contract: true"}},
		{"body breaks contract", "s.yaml", "rules:\n  - status: 401\n    body: {msg: nope}\n", []string{"s.yaml:3: status 401 answer breaks the contract:"}},
		{"200 body breaks contract", "s.yaml", "rules:\n  - status: 200\n    body:\n      data: [{u1: {user_id: 7}}]\n", []string{"s.yaml:3: status 200 answer breaks the contract:"}},
		{"unknown fixture", "s.yaml", "rules:\n  - fixture: nobody\n", []string{`s.yaml:2: unknown fixture "nobody" (have: edge-cases, page-example)`}},
		{"missing body file", "s.yaml", "rules:\n  - status: 200\n    body_file: bodies/none.json\n", []string{`s.yaml:3: body_file "bodies/none.json": cannot read it`}},
		{"bad delay", "s.yaml", "rules:\n  - delay: 3s-1s\n", []string{`s.yaml:2: delay "3s-1s": the range ends before it starts`}},
		{"bad regexp", "s.yaml", "rules:\n  - match: {headers: {X: {matches: \"(\"}}}\n    status: 429\n", []string{"s.yaml:2: headers X: bad regular expression: error parsing regexp: missing closing ): `(`"}},
		{"query not in contract", "s.yaml", "rules:\n  - match:\n      query: {page: 2}\n    status: 401\n", []string{`s.yaml:3: query parameter "page" is not in the contract: such a call is always a 422`}},
		{"status with respond", "s.yaml", "rules:\n  - respond: dataset\n    status: 401\n", []string{"s.yaml:2: respond: dataset and status do not go together: the engine chooses the status"}},
		{"body without status", "s.yaml", "rules:\n  - body: {data: []}\n", []string{"s.yaml:2: headers and body need a status: without one, the engine answers"}},
		{"times zero", "s.yaml", "rules:\n  - times: 0\n", []string{"s.yaml:2: times 0 is out of range (1 to 1073741824)"}},
		{"several problems", "s.yaml", "rules:\n  - status: 999\n  - fault: boom\n    outside_contract: yes\n", []string{
			"s.yaml:2: status 999 is not an HTTP status (100 to 599)",
			`s.yaml:3: fault "boom": want reset, empty or truncate`,
			"s.yaml:4: outside_contract must be true or false"}},
		{"fixture unknown attribute", "f.yaml", "users:\n  - id: u1\n    attributes: {shoe_size: 9}\n", []string{`f.yaml:3: attributes: unknown key "shoe_size"`}},
		{"fixture bad date", "f.yaml", "users:\n  - id: u1\n    messages:\n      - {date: yesterday, type: text}\n", []string{`f.yaml:4: date "yesterday": want 2006-01-02 15:04:05 (UTC) or RFC 3339`}},
		{"fixture bad type", "f.yaml", "users:\n  - id: u1\n    messages:\n      - {date: 2024-01-01 00:00:00, type: image}\n", []string{`f.yaml:4: type "image" is not an interaction type of the contract`}},
		{"fixture bad author", "f.yaml", "users:\n  - id: u1\n    messages:\n      - {date: 2024-01-01 00:00:00, type: text, author: robot}\n", []string{`f.yaml:4: author "robot": want user or bot`}},
		{"fixture duplicate user", "f.yaml", "users:\n  - id: u1\n  - id: u1\n", []string{`f.yaml:3: user "u1" is already defined at line 2`}},
		{"fixture data not object", "f.yaml", "users:\n  - id: u1\n    messages:\n      - {date: 2024-01-01 00:00:00, type: text, data: [1]}\n", []string{"f.yaml:4: data must be a mapping (a JSON object) or null"}},
		// Found by FuzzFixtureFile: an alias inside itself overflowed the stack.
		{"fixture alias loop", "f.yaml", "users:\n  - id: u\n    messages:\n      - {date: 2024-01-01 00:00:00, type: text, data: &a {x: *a}}\n",
			[]string{"f.yaml:4: data: nested more than 64 levels deep (an alias that refers to itself?)"}},
		{"scenario body alias loop", "s.yaml", "rules:\n  - status: 200\n    body: &b {data: [*b]}\n",
			[]string{"s.yaml:3: body: nested more than 64 levels deep (an alias that refers to itself?)"}},
		{"fixture no id", "f.yaml", "users:\n  - name: x\n", []string{"f.yaml:2: a user needs an id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := write(t, dir, tt.file, tt.content)
			rep := Lint(c, []string{p}, "")
			if len(rep.Problems) != len(tt.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(rep.Problems), len(tt.want), rep.Problems)
			}
			for i, w := range tt.want {
				got := strings.TrimPrefix(rep.Problems[i].String(), dir+string(filepath.Separator))
				if !strings.HasPrefix(got, w) {
					t.Errorf("problem %d = %q, want it to start with %q", i, got, w)
				}
			}
		})
	}
}

// TestShippedFilesLintClean keeps scenarios/ and fixtures/ valid.
func TestShippedFilesLintClean(t *testing.T) {
	t.Parallel()
	rep := Lint(testContract(t), []string{"../scenarios", "../fixtures"}, "../fixtures")
	if len(rep.Problems) > 0 || rep.Scenarios < 10 || rep.Fixtures < 2 {
		t.Errorf("lint of shipped files: %d scenarios, %d fixtures, problems:\n%v", rep.Scenarios, rep.Fixtures, rep.Problems)
	}
}

// TestServerRefusesBadFiles checks that the server will not start on a
// broken scenario, and says where.
func TestServerRefusesBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, "bad.yaml", "rules:\n  - status: 700\n")
	cfg := smallConfig()
	cfg.ScenariosDir = dir
	_, err := New(cfg)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "bad.yaml")+":2: status 700 is not an HTTP status") {
		t.Errorf("New with a bad scenario: %v", err)
	}
	cfg.ScenariosDir = ""
	cfg.Scenario = "nope"
	if _, err := New(cfg); !errors.Is(err, ErrUnknownScenario) {
		t.Errorf("New with an unknown --scenario: %v, want ErrUnknownScenario", err)
	}
}

// TestFixturesServed checks --fixtures alone and merged, through the same
// engine as generated data.
func TestFixturesServed(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Fixtures = "../fixtures/edge-cases.yaml"
	alone := newTestServer(t, cfg)
	got := alone.get(apiPath + "?" + okRange)
	if !strings.HasPrefix(string(got.body), `{"data":[{"anon-0001":`) || strings.Count(string(got.body), `"chatbot_user_data"`) != 2 {
		t.Errorf("fixtures alone: %.300s", got.body)
	}
	// Escaping as json_encode does it, and LIKE on fixture attributes.
	for _, want := range []string{`"user-\u00fcn\u00efc\u00f8d\u00e9"`, `https:\/\/example.com\/help\/a\/b?c=d&e=f`, `\ud83d\ude42`, `<tag> & more`} {
		if !strings.Contains(string(got.body), want) {
			t.Errorf("fixtures alone: body lacks %s", want)
		}
	}
	if got := alone.get(apiPath + "?" + okRange + "&email=_100%25"); !strings.Contains(string(got.body), "Zo\\u00eb") {
		t.Errorf("LIKE over a fixture: %.200s", got.body)
	}
	cfg.MergeFixtures = true
	merged := newTestServer(t, cfg)
	if n := merged.srv.Dataset().Users(); n != cfg.Users+2 {
		t.Errorf("merged: %d users, want %d", n, cfg.Users+2)
	}
}

// TestFixturesExportRoundTrip checks that an exported dataset, served as a
// fixture, answers byte for byte as the generated one.
func TestFixturesExportRoundTrip(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	users := dataset.Generate(3, 80, dataset.DefaultWindow())
	var buf bytes.Buffer
	if err := WriteFixture(&buf, users, " exported"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write(t, dir, "export.yaml", buf.String())
	back, err := LoadFixtures(c, os.DirFS(dir), "export.yaml")
	if err != nil {
		t.Fatalf("load exported fixture: %v", err)
	}
	a, _ := dataset.New(c, users)
	b, _ := dataset.New(c, back)
	for _, q := range determinismQueries() {
		var x, y bytes.Buffer
		a.Query(q).WriteTo(&x)
		b.Query(q).WriteTo(&y)
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Errorf("%s: exported fixture answers differently", queryString(q))
		}
	}
}

// TestHotReload edits scenario files under a running server: a valid edit
// applies within a second, a broken one keeps the last good state, and no
// request fails while files change.
func TestHotReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := write(t, dir, "live.yaml", "rules:\n  - status: 401\n")
	var logs lockedBuffer
	cfg := smallConfig()
	cfg.ScenariosDir = dir
	cfg.Scenario = "live"
	cfg.Watch = true
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = logs.logger()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	url := srv.URL() + apiPath + "?" + okRange

	// Load runs the whole time: every answer must be 401 or 429, never an
	// error or anything else.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var bad []string
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", authOK)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					bad = append(bad, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 401 && resp.StatusCode != 429 {
					mu.Lock()
					bad = append(bad, resp.Status)
					mu.Unlock()
				}
			}
		}()
	}
	waitStatus := func(want int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			req.Header.Set("Authorization", authOK)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == want {
					return
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("status %d never came within 5s of the edit", want)
	}
	waitStatus(401)
	os.WriteFile(file, []byte("rules:\n  - status: 429\n"), 0o644)
	waitStatus(429)
	// A broken edit: logged with path:line, the last good state serves on.
	os.WriteFile(file, []byte("rules:\n  - status: 4290\n"), 0o644)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), file+":2: status 4290 is not an HTTP status") {
		if time.Now().After(deadline) {
			t.Fatalf("no path:line error logged for the broken edit; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitStatus(429)
	// An unreadable file (here a link to nowhere: root reads any mode) is
	// refused, logged with its path.
	os.Remove(file)
	if err := os.Symlink(filepath.Join(dir, "nowhere"), file); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), file+": cannot read") {
		if time.Now().After(deadline) {
			t.Fatalf("no error logged for an unreadable file; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitStatus(429)
	// Deleting the active scenario's file is refused too.
	os.Remove(file)
	time.Sleep(400 * time.Millisecond)
	waitStatus(429)
	if !strings.Contains(logs.String(), "scenario live is active but its file is gone") {
		t.Errorf("deleting the active scenario was not logged:\n%s", logs.String())
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d requests failed during reloads, e.g. %s", len(bad), bad[0])
	}
}

// logger is a text logger writing to the buffer.
func (l *lockedBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, nil))
}

// TestDelayLongerThanWriteTimeout checks that a delay past the write
// timeout still gets its answer out: a HEAD's headers, a truncated body.
func TestDelayLongerThanWriteTimeout(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Limits.WriteIdleTimeout = 200 * time.Millisecond
	s := startServer(t, cfg)
	for _, tt := range []struct {
		method, prefer string
		wantErr        error
	}{
		{http.MethodHead, "delay=400ms", nil},
		{http.MethodGet, "delay=400ms, fault=truncate", io.ErrUnexpectedEOF},
	} {
		req, _ := http.NewRequest(tt.method, s.URL()+apiPath+"?"+okRange, nil)
		req.Header.Set("Authorization", authOK)
		req.Header.Set("Prefer", tt.prefer)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s with Prefer: %s: %v", tt.method, tt.prefer, err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !errors.Is(err, tt.wantErr) && err != tt.wantErr {
			t.Errorf("%s with Prefer: %s: status %d, read error %v; want 200, %v", tt.method, tt.prefer, resp.StatusCode, err, tt.wantErr)
		}
	}
}
