package mock

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAdminRefusesOtherOrigins: with the defaults, a page on any origin
// read the journal and coverage, switched scenarios and wiped the journal;
// with --cors-origins set, a cross-site POST /__odmock/reset still worked
// (a simple request needs no preflight); every origin got
// Access-Control-Allow-Private-Network; any Host was accepted (DNS
// rebinding).
func TestAdminRefusesOtherOrigins(t *testing.T) {
	t.Parallel()
	const evil = "http://evil.example"
	json := http.Header{"Content-Type": {"application/json"}}
	with := func(h http.Header, kv ...string) http.Header {
		out := h.Clone()
		if out == nil {
			out = http.Header{}
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[0+i], kv[1+i])
		}
		return out
	}
	tests := []struct {
		name         string
		adminToken   string
		method, path string
		host         string
		header       http.Header
		body         string
		want         int
	}{
		{"cross-origin read of the journal", "", "GET", JournalPath, "", with(nil, "Origin", evil), "", 403},
		{"cross-origin read of coverage", "", "GET", CoveragePath, "", with(nil, "Origin", evil), "", 403},
		{"cross-origin preflight", "", "OPTIONS", JournalPath, "", with(nil, "Origin", evil, "Access-Control-Request-Method", "DELETE"), "", 403},
		{"cross-origin switch", "", "PUT", "/__odmock/scenario", "", with(json, "Origin", evil), `{"name":"slow"}`, 403},
		{"cross-origin reset, allowed origin list or not", "", "POST", "/__odmock/reset", "", with(nil, "Origin", evil, "Content-Type", "text/plain"), "", 403},
		{"opaque origin", "", "DELETE", JournalPath, "", with(nil, "Origin", "null"), "", 403},
		{"no-cors image or form", "", "GET", JournalPath, "", with(nil, "Sec-Fetch-Site", "cross-site"), "", 403},
		{"simple POST without Origin", "", "POST", "/__odmock/reset", "", with(nil, "Content-Type", "application/x-www-form-urlencoded"), "", 403},
		{"rebound name", "", "GET", JournalPath, "evil.example:8080", with(nil, "Origin", "http://evil.example:8080"), "", 403},
		{"rebound name, health", "", "GET", HealthPath, "evil.example:8080", nil, "", 200},

		{"same origin read", "", "GET", JournalPath, "", with(nil, "Origin", "http://127.0.0.1"), "", 200},
		{"curl read", "", "GET", CoveragePath, "", nil, "", 200},
		{"curl reset with JSON", "", "POST", "/__odmock/reset", "", json, "", 200},
		{"curl reset with an X- header", "", "POST", "/__odmock/reset", "", with(nil, SessionHeader, "a"), "", 200},
		{"curl delete", "", "DELETE", JournalPath, "", nil, "", 200},
		{"same-origin switch", "", "PUT", "/__odmock/scenario", "", with(json, "Origin", "http://127.0.0.1", "Sec-Fetch-Site", "same-origin"), `{"name":"slow"}`, 200},
		{"localhost", "", "GET", JournalPath, "localhost:8080", nil, "", 200},
		{"IP address", "", "GET", JournalPath, "10.0.0.5:8080", nil, "", 200},
		{"configured host", "", "GET", JournalPath, "odmock.test:8080", nil, "", 200},
		{"any host with the admin token", "secret-admin", "GET", JournalPath, "odmock:8080", with(nil, "Authorization", "Bearer secret-admin"), "", 200},
		{"other origin even with the admin token", "secret-admin", "GET", JournalPath, "", with(nil, "Authorization", "Bearer secret-admin", "Origin", evil), "", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := smallConfig()
			cfg.Addr = "odmock.test:8080"
			cfg.AdminToken = tt.adminToken
			cfg.CORSOrigins = []string{evil}
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			r.Host = "127.0.0.1"
			if tt.host != "" {
				r.Host = tt.host
			}
			r.Header = tt.header.Clone()
			if r.Header == nil {
				r.Header = http.Header{}
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("%s %s: status %d, want %d (%s)", tt.method, tt.path, w.Code, tt.want, w.Body)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("%s %s: Access-Control-Allow-Origin %q, want none on admin paths", tt.method, tt.path, got)
			}
		})
	}
}

// TestPrivateNetworkOnlyToListedOrigins: every origin used to get
// Access-Control-Allow-Private-Network: true, letting any public page
// reach odmock on the developer's machine.
func TestPrivateNetworkOnlyToListedOrigins(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		origins []string
		origin  string
		want    string
	}{
		{"any origin by default", nil, "http://evil.example", ""},
		{"a listed origin", []string{"https://app.example"}, "https://app.example", "true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.CORSOrigins = tt.origins
			s, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := serve(s, http.MethodOptions, apiPath, http.Header{"Origin": {tt.origin},
				"Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Private-Network": {"true"}})
			if got := w.Header().Get("Access-Control-Allow-Private-Network"); got != tt.want {
				t.Errorf("preflight from %s: Access-Control-Allow-Private-Network %q, want %q", tt.origin, got, tt.want)
			}
		})
	}
}
