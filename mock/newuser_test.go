package mock

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Regression tests for what a new user hit in the first hour (issue 12).

// TestScriptedAnswersCountedByWhatTheyAre checks that a scripted 422 (from
// Prefer: code=422 or a shipped scenario) counts toward its invalid:KIND
// behaviours and is journaled with its errors, as the engine's are.
func TestScriptedAnswersCountedByWhatTheyAre(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		session, prefer string
		want            []string
		errors          string
	}{
		{"code", "code=422", []string{"invalid:required"}, `{"from":["The from field is required."],"to":["The to field is required."]}`},
		{"missing", "scenario=missing-dates", []string{"invalid:required"}, `"to":["The to field is required."]`},
		{"filter", "scenario=invalid-filter", []string{"invalid:filter"}, `"filters.invalid_param"`},
		{"rate", "scenario=rate-limited", []string{"rate-limited"}, ""},
		{"unauth", "code=401", []string{"unauthenticated"}, ""},
		{"empty", "scenario=empty", []string{"empty"}, ""},
	}
	for _, tt := range tests {
		s.do(http.MethodGet, apiPath+"?"+okRange, withHeaders(SessionHeader, tt.session, "Prefer", tt.prefer))
	}
	cov := s.srv.Coverage()
	for _, tt := range tests {
		got := cov.Sessions[tt.session].Behaviours
		for _, b := range tt.want {
			if got[b] != 1 {
				t.Errorf("Prefer: %s: %s = %d, want 1", tt.prefer, b, got[b])
			}
		}
		if tt.errors == "" {
			continue
		}
		body := s.get(JournalPath + "?session=" + tt.session).body
		var j struct {
			Entries []struct {
				Outcome string          `json:"outcome"`
				Errors  json.RawMessage `json:"errors"`
			} `json:"entries"`
		}
		if err := json.Unmarshal(body, &j); err != nil || len(j.Entries) != 1 {
			t.Fatalf("journal of %s: %v %s", tt.session, err, body)
		}
		if e := j.Entries[0]; e.Outcome != "invalid" || !strings.Contains(string(e.Errors), tt.errors) {
			t.Errorf("Prefer: %s: journal outcome %q errors %s, want invalid and %s", tt.prefer, e.Outcome, e.Errors, tt.errors)
		}
	}
}

// TestTokenMatchMustBeExplicit checks that a token match is valid,
// invalid, missing or an explicit literal: a typo is an error, not a
// literal token no client sends.
func TestTokenMatchMustBeExplicit(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	dir := t.TempDir()
	for _, tt := range []struct{ token, want string }{
		{"vaild", `s.yaml:2: token "vaild": want valid, invalid, missing, or {equals: TOKEN} for one token`},
		{"odmock-dev-token", `s.yaml:2: token "odmock-dev-token": want valid, invalid, missing, or {equals: TOKEN} for one token`},
		{`""`, `s.yaml:2: token "": want valid, invalid, missing, or {equals: TOKEN} for one token`},
		{"{contains: x}", `s.yaml:2: token: unknown key "contains" (known: equals)`},
		{"{}", `s.yaml:2: token: give equals, the token a client sends`},
		{"valid", ""},
		{"{equals: odmock-dev-token}", ""},
	} {
		p := write(t, dir, "s.yaml", "rules:\n  - match: {token: "+tt.token+"}\n    status: 401\n")
		rep := Lint(c, []string{p}, "")
		var got []string
		for _, p := range rep.Problems {
			got = append(got, strings.TrimPrefix(p.String(), dir+"/"))
		}
		if tt.want == "" && len(got) > 0 || tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)) {
			t.Errorf("token: %s: problems %q, want %q", tt.token, got, tt.want)
		}
	}
	// A literal token matches that token only.
	write(t, dir, "lit.yaml", "rules:\n  - match: {token: {equals: secret-b}}\n    status: 429\n")
	write(t, dir, "s.yaml", "rules: []\n")
	cfg := smallConfig()
	cfg.Tokens = []string{DefaultToken, "secret-b"}
	cfg.ScenariosDir, cfg.Scenario = dir, "lit"
	s := newTestServer(t, cfg)
	for tok, want := range map[string]int{"secret-b": 429, DefaultToken: 200} {
		if got := s.do(http.MethodGet, apiPath+"?"+okRange, withHeaders("Authorization", "Bearer "+tok)).status; got != want {
			t.Errorf("token %s: status %d, want %d", tok, got, want)
		}
	}
}

// TestPreferenceApplied checks that Preference-Applied lists only what was
// honoured: nothing on a rejected preference, and the last of two of one
// name.
func TestPreferenceApplied(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		prefer  string
		status  int
		applied string
	}{
		{"scenario=nope", 400, ""},
		{"delay=1ms, code=500", 400, ""},
		{"code=401, code=422", 422, "code=422"},
		{"delay=1ms, delay=2ms", 200, "delay=2ms"},
		{"scenario=empty, code=401", 401, "code=401"}, // code overrides the scenario's answer
		{"return=minimal, code=401", 401, "code=401"},
		{"scenario=empty", 200, "scenario=empty"},
	}
	for _, tt := range tests {
		got := s.do(http.MethodGet, apiPath+"?"+okRange, withHeaders("Prefer", tt.prefer))
		if pa := got.header.Get("Preference-Applied"); got.status != tt.status || pa != tt.applied {
			t.Errorf("Prefer: %s: %d, Preference-Applied %q; want %d, %q", tt.prefer, got.status, pa, tt.status, tt.applied)
		}
	}
}

// TestRootPointsToTheAPI checks that GET / says what odmock is and where
// to go, rather than a bare 404.
func TestRootPointsToTheAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	got := s.get("/")
	if got.status != http.StatusOK {
		t.Fatalf("GET /: status %d, want 200", got.status)
	}
	for _, want := range []string{`"service":"odmock"`, `"api":"/public/api/user-interactions"`, `"health":"/__odmock/health"`, `"journal":"/__odmock/journal"`, `"try":"/public/api/user-interactions?from=`} {
		if !strings.Contains(string(got.body), want) {
			t.Errorf("GET /: %s, want %s in it", got.body, want)
		}
	}
	if got := s.get("/nope").status; got != http.StatusNotFound {
		t.Errorf("GET /nope: status %d, want 404", got)
	}
}

// TestHealthIdentifiesTheServer checks that the health answer says it is
// odmock and which one, so a probe can tell it from another server.
func TestHealthIdentifiesTheServer(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Instance = "ci-42"
	s := newTestServer(t, cfg)
	var h Health
	if err := json.Unmarshal(s.get(HealthPath).body, &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.Service != "odmock" || h.Instance != "ci-42" || h.Seed != 1 {
		t.Errorf("health = %+v, want status ok, service odmock, instance ci-42, seed 1", h)
	}
	// Without one configured, every server gets its own.
	a, b := newTestServer(t, smallConfig()), newTestServer(t, smallConfig())
	var ha, hb Health
	json.Unmarshal(a.get(HealthPath).body, &ha)
	json.Unmarshal(b.get(HealthPath).body, &hb)
	if ha.Instance == "" || ha.Instance == hb.Instance {
		t.Errorf("instances %q and %q: want two different, non-empty", ha.Instance, hb.Instance)
	}
}
