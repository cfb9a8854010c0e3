package mock

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

const appOrigin = "http://localhost:5173"

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		name     string
		path     string
		method   string // Access-Control-Request-Method
		headers  string // Access-Control-Request-Headers
		wantHdrs []string
	}{
		{"API with a token", apiPath, "GET", "authorization", []string{"Authorization"}},
		{"API with every odmock header", apiPath, "GET", "authorization,prefer,x-odmock-session,content-type",
			[]string{"Authorization", "Prefer", "X-Odmock-Session", "Content-Type"}},
		{"another requested header", apiPath, "GET", "x-trace-id", []string{"Authorization", "x-trace-id"}},
		{"unknown path", "/nope", "GET", "authorization", []string{"Authorization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := s.do(http.MethodOptions, tt.path, http.Header{
				"Origin":                         {appOrigin},
				"Access-Control-Request-Method":  {tt.method},
				"Access-Control-Request-Headers": {tt.headers},
			})
			if r.status != http.StatusNoContent {
				t.Fatalf("OPTIONS %s: status = %d, want 204 (body %q)", tt.path, r.status, r.body)
			}
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("OPTIONS %s: Access-Control-Allow-Origin = %q, want *", tt.path, got)
			}
			if got := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(got, tt.method) {
				t.Errorf("OPTIONS %s: Access-Control-Allow-Methods = %q, want it to include %s", tt.path, got, tt.method)
			}
			allowed := strings.Split(r.header.Get("Access-Control-Allow-Headers"), ", ")
			for _, h := range tt.wantHdrs {
				if !containsFold(allowed, h) {
					t.Errorf("OPTIONS %s: Access-Control-Allow-Headers = %q, want it to include %s", tt.path, allowed, h)
				}
			}
			if got := r.header.Get("Access-Control-Max-Age"); got == "" {
				t.Errorf("OPTIONS %s: no Access-Control-Max-Age", tt.path)
			}
			if len(r.body) != 0 {
				t.Errorf("OPTIONS %s: body %q, want none", tt.path, r.body)
			}
		})
	}
}

// TestCORSOnEveryAnswer checks that answers a browser app must read, the
// errors above all, carry the CORS headers.
func TestCORSOnEveryAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	const week = "?from=2024-01-01%2000:00:00&to=2024-01-07%2023:59:59"
	auth := "Bearer " + DefaultToken
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		want   int
	}{
		{"data", http.MethodGet, apiPath + week, auth, 200},
		{"head", http.MethodHead, apiPath + week, auth, 200},
		{"no token", http.MethodGet, apiPath + week, "", 401},
		{"missing dates", http.MethodGet, apiPath, auth, 422},
		{"unknown filter", http.MethodGet, apiPath + week + "&invalid_param=1", auth, 422},
		{"unknown path", http.MethodGet, "/public/api/nope", auth, 404},
		{"wrong method", http.MethodPost, apiPath + week, auth, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{"Origin": {appOrigin}}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			r := s.do(tt.method, tt.path, h)
			if r.status != tt.want {
				t.Fatalf("%s %s: status = %d, want %d", tt.method, tt.path, r.status, tt.want)
			}
			// No more than the real server: "*", no credentials, none of
			// the real answer's headers exposed.
			if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("%s %s (%d): Access-Control-Allow-Origin = %q, want *", tt.method, tt.path, r.status, got)
			}
			if got := r.header.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("%s %s (%d): Access-Control-Allow-Credentials = %q, want none", tt.method, tt.path, r.status, got)
			}
			expose := r.header.Get("Access-Control-Expose-Headers")
			for _, h := range []string{"Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
				if strings.Contains(expose, h) {
					t.Errorf("%s %s (%d): Access-Control-Expose-Headers = %q, want no %s (the real server does not expose it)", tt.method, tt.path, r.status, expose, h)
				}
			}
			if !strings.HasPrefix(expose, "Preference-Applied") {
				t.Errorf("%s %s (%d): Access-Control-Expose-Headers = %q, want odmock's own, Preference-Applied first", tt.method, tt.path, r.status, expose)
			}
			if !containsFold(r.header.Values("Vary"), "Origin") {
				t.Errorf("%s %s: Vary = %q, want Origin in it", tt.method, tt.path, r.header.Values("Vary"))
			}
		})
	}
}

func TestCORSOrigins(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.CORSOrigins = []string{"http://localhost:5173", "HTTPS://App.Example.com"}
	s := newTestServer(t, cfg)
	tests := []struct {
		origin string
		want   string // Access-Control-Allow-Origin
	}{
		{"http://localhost:5173", "http://localhost:5173"},
		{"https://app.example.com", "https://app.example.com"},
		{"http://localhost:3000", ""},
		{"https://evil.example", ""},
		{"", ""},
	}
	for _, tt := range tests {
		h := http.Header{"Authorization": {"Bearer " + DefaultToken}}
		if tt.origin != "" {
			h.Set("Origin", tt.origin)
		}
		r := s.do(http.MethodGet, apiPath, h)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.want {
			t.Errorf("GET from %q: Access-Control-Allow-Origin = %q, want %q", tt.origin, got, tt.want)
		}
		// A preflight from an origin not allowed gets no CORS headers, and
		// so the browser stops there.
		h.Set("Access-Control-Request-Method", "GET")
		r = s.do(http.MethodOptions, apiPath, h)
		if got := r.header.Get("Access-Control-Allow-Origin"); got != tt.want {
			t.Errorf("OPTIONS from %q: Access-Control-Allow-Origin = %q, want %q", tt.origin, got, tt.want)
		}
		if tt.want == "" && r.header.Get("Access-Control-Allow-Methods") != "" {
			t.Errorf("OPTIONS from %q: Access-Control-Allow-Methods = %q, want none", tt.origin, r.header.Get("Access-Control-Allow-Methods"))
		}
	}
}

func TestCORSBadOrigins(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"localhost:5173", "http://localhost:5173/", "http://localhost:5173/app", "//localhost", "http://u@localhost"} {
		cfg := smallConfig()
		cfg.Users = 1
		cfg.CORSOrigins = []string{o}
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "cors origin") {
			t.Errorf("New with CORSOrigins %q: err = %v, want a cors origin error", o, err)
		}
	}
}

func TestCORSExposesOdmockHeaders(t *testing.T) {
	t.Parallel()
	h := http.Header{"X-Odmock-Scenario": {"x"}, "X-Odmock-Rule": {"y"}, "Content-Type": {"application/json"}}
	got := exposedHeaders(corsExposeHeaders, h)
	want := corsExposeHeaders + ", X-Odmock-Rule, X-Odmock-Scenario"
	if got != want {
		t.Errorf("exposedHeaders = %q, want %q", got, want)
	}
	if got := allowedHeaders([]string{"x-a, bad header, X-Odmock-Session", "x-b"}); got != corsAllowHeaders+", x-a, x-b" {
		t.Errorf("allowedHeaders = %q, want %q", got, corsAllowHeaders+", x-a, x-b")
	}
}

// TestCORSOnAnswersOfLaterMiddleware checks that an answer from middleware
// added after CORS, as a rate limiter or a scenario would be, carries the
// CORS headers and exposes its X-Odmock-* headers.
func TestCORSOnAnswersOfLaterMiddleware(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	s.srv.echo.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().URL.Path != apiPath {
				return next(c)
			}
			h := c.Response().Header()
			h.Set("Retry-After", "60")
			h.Set("X-Odmock-Scenario", "throttled")
			return echo.NewHTTPError(http.StatusTooManyRequests)
		}
	})
	req, _ := http.NewRequest(http.MethodGet, s.ts.URL+apiPath, nil)
	req.Header.Set("Origin", appOrigin)
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status = %d, want 429", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("429: Access-Control-Allow-Origin = %q, want *", got)
	}
	if got, want := resp.Header.Get("Access-Control-Expose-Headers"), corsExposeHeaders+", X-Odmock-Scenario"; got != want {
		t.Errorf("429: Access-Control-Expose-Headers = %q, want %q", got, want)
	}
}

// TestCORSOptIn: credentials and more exposed headers only when asked
// for, for those who know their deployment sends them.
func TestCORSOptIn(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.RateLimit = 60
	cfg.CORSCredentials = true
	cfg.CORSExpose = []string{"Retry-After", "X-RateLimit-Remaining", "preference-applied"}
	s := newTestServer(t, cfg)
	r := s.do(http.MethodGet, apiPath+"?"+okRange, http.Header{"Origin": {appOrigin}, "Authorization": {authOK}})
	if got := r.header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q, want the origin echoed (credentials forbid *)", got)
	}
	if got := r.header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials = %q, want true", got)
	}
	if got, want := r.header.Get("Access-Control-Expose-Headers"), "Preference-Applied, Retry-After, X-RateLimit-Remaining"; got != want {
		t.Errorf("Access-Control-Expose-Headers = %q, want %q", got, want)
	}
	cfg.CORSExpose = []string{"bad header"}
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "cors expose") {
		t.Errorf("New with CORSExpose %q: err = %v, want a cors expose error", cfg.CORSExpose, err)
	}
}
