package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"testing"
)

// TestCoverageOfScriptedClient plays a client's test run through a real
// transport and reads back what it exercised, per session and in all.
func TestCoverageOfScriptedClient(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	send := func(session, auth, query string) {
		h := http.Header{}
		if session != "" {
			h.Set("X-Odmock-Session", session)
		}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		s.do(http.MethodGet, apiPath+"?"+query, h)
	}
	// Session "frontend" walks the happy paths and two errors.
	send("frontend", authOK, okRange)
	send("frontend", authOK, okRange+"&browser=chrome&country=US")
	send("frontend", authOK, okRange+"&user_id=user_12345")
	send("frontend", authOK, "from=2023-01-01%2000:00:00&to=2023-01-01%2000:00:01")
	send("frontend", "", okRange)
	send("frontend", authOK, "")
	// The default session makes the other 422s.
	send("", authOK, "from=2024-01-01&to=2024-01-02%2000:00:00")
	send("", authOK, okRange+"&nope=1")
	send("", authOK, okRange+"&browser[]=chrome")
	// 429s come from the rate limiter and scenarios, which set the outcome.
	s.srv.watch.coverage.observe(&exchange{Path: apiPath, Session: "frontend", Outcome: OutcomeRateLimited})
	s.get("/__odmock/health") // not the API: not counted

	all := s.srv.Coverage()
	fe := all.Sessions["frontend"]
	wantFE := map[string]int{"data": 3, "empty": 1, "user_id": 1, "filter:browser": 1, "filter:country": 1,
		"unauthenticated": 1, "invalid:required": 1, "rate-limited": 1}
	for _, b := range Behaviours(testContract(t)) {
		if got := fe.Behaviours[b]; got != wantFE[b] {
			t.Errorf("session frontend: %s = %d, want %d", b, got, wantFE[b])
		}
	}
	if fe.Requests != 7 {
		t.Errorf("session frontend: requests = %d, want 7", fe.Requests)
	}
	if !slices.Contains(fe.Missing, "invalid:filter") || slices.Contains(fe.Missing, "rate-limited") {
		t.Errorf("session frontend: missing = %v, want invalid:filter and not rate-limited", fe.Missing)
	}
	// Without X-Odmock-Session, the session is the token's.
	def := all.Sessions[tokenSession(DefaultToken)]
	for b, want := range map[string]int{"invalid:format": 1, "invalid:filter": 1, "invalid:type": 1, "data": 0} {
		if got := def.Behaviours[b]; got != want {
			t.Errorf("default session: %s = %d, want %d", b, got, want)
		}
	}
	if all.Requests != 10 || all.Behaviours["data"] != 3 || all.Behaviours["invalid:filter"] != 1 {
		t.Errorf("all sessions: %d requests, data %d, invalid:filter %d; want 10, 3, 1", all.Requests, all.Behaviours["data"], all.Behaviours["invalid:filter"])
	}
	// Together the two sessions exercised everything but a few filters.
	for _, m := range all.Missing {
		if m[:7] != "filter:" {
			t.Errorf("all sessions: %s missing, want only filters missing (%v)", m, all.Missing)
		}
	}
}

func TestCoverageEndpoint(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	s.do(http.MethodGet, apiPath+"?"+okRange, http.Header{"Authorization": {authOK}, "X-Odmock-Session": {"a"}})
	// A request without a valid token creates no session: b exists once
	// a request with one (here a 422) has named it.
	s.do(http.MethodGet, apiPath+"?"+okRange+"&nope=1", http.Header{"Authorization": {authOK}, "X-Odmock-Session": {"b"}})
	s.do(http.MethodGet, apiPath+"?"+okRange, http.Header{"X-Odmock-Session": {"b"}})

	r := s.get(CoveragePath)
	var all Coverage
	if err := json.Unmarshal(r.body, &all); err != nil || r.status != 200 {
		t.Fatalf("GET %s: status %d, %v: %s", CoveragePath, r.status, err, r.body)
	}
	if !reflect.DeepEqual(all, s.srv.Coverage()) {
		t.Errorf("GET %s = %+v, want Server.Coverage() %+v", CoveragePath, all, s.srv.Coverage())
	}
	if len(all.Behaviours) != len(Behaviours(testContract(t))) || all.Sessions["a"].Behaviours["data"] != 1 || all.Sessions["b"].Behaviours["unauthenticated"] != 1 {
		t.Errorf("GET %s = %s", CoveragePath, r.body)
	}

	r = s.get(CoveragePath + "?session=b")
	var one struct {
		Session string `json:"session"`
		CoverageCounts
	}
	if err := json.Unmarshal(r.body, &one); err != nil || one.Session != "b" || one.Requests != 2 || one.Behaviours["unauthenticated"] != 1 || one.Behaviours["data"] != 0 {
		t.Errorf("GET ?session=b = %s (%v), want session b's 422 and 401", r.body, err)
	}

	r = s.do(http.MethodDelete, CoveragePath+"?session=a", nil)
	if r.status != http.StatusNoContent {
		t.Errorf("DELETE ?session=a: status %d, want 204", r.status)
	}
	if cv := s.srv.Coverage(); cv.Sessions["a"].Requests != 0 || cv.Sessions["b"].Requests != 2 || cv.Requests != 2 {
		t.Errorf("after DELETE ?session=a: %+v, want a gone and b kept", cv.Sessions)
	}
	s.do(http.MethodDelete, CoveragePath, nil)
	if cv := s.srv.Coverage(); cv.Requests != 0 || len(cv.Sessions) != 0 || len(cv.Missing) != len(Behaviours(testContract(t))) {
		t.Errorf("after DELETE: %+v, want nothing counted", cv)
	}
}

func ExampleServer_Coverage() {
	srv, err := New(DefaultConfig())
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	// A client's test run: one good request, one without a token.
	for _, token := range []string{DefaultToken, ""} {
		req, _ := http.NewRequest(http.MethodGet, ts.URL+"/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59", nil)
		req.Header.Set("X-Odmock-Session", "frontend")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}

	cov := srv.SessionCoverage("frontend")
	fmt.Println("requests:", cov.Requests)
	fmt.Println("data:", cov.Behaviours["data"], "unauthenticated:", cov.Behaviours["unauthenticated"])
	fmt.Println("never exercised:", cov.Missing[:3])
	// Output:
	// requests: 2
	// data: 1 unauthenticated: 1
	// never exercised: [empty user_id filter:selected_scenario]
}
