package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// verifyArgs verify a provider fast, over odmock's default window.
func verifyArgs(url string, extra ...string) []string {
	return append([]string{"verify", "--base-url", url, "--token", "odmock-dev-token",
		"--from", "2024-01-01", "--to", "2024-01-31", "--rate", "1000"}, extra...)
}

func TestVerifyOdmock(t *testing.T) {
	r := startRun(t, "--users", "60")
	for _, format := range []string{"text", "json", "junit"} {
		t.Run(format, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), verifyArgs(r.url, "--format", format), &stdout, &stderr)
			if code := exitCode(err); code != 0 {
				t.Fatalf("verify odmock: exit %d (%v), want 0\n%s", code, err, stdout.String())
			}
			out := stdout.String()
			switch format {
			case "text":
				if !strings.Contains(out, "0 failed, 0 skipped") || !strings.Contains(out, "PASS  range:split") {
					t.Errorf("text report:\n%s", out)
				}
			case "json":
				var doc struct {
					Passed   bool `json:"passed"`
					Requests int  `json:"requests"`
				}
				if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || !doc.Passed || doc.Requests == 0 {
					t.Errorf("json report (%v):\n%s", err, out)
				}
			case "junit":
				var doc struct {
					Tests int `xml:"tests,attr"`
				}
				if err := xml.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.Tests < 20 {
					t.Errorf("junit report (%v):\n%s", err, out)
				}
			}
			if !strings.Contains(stderr.String(), "at most 100 requests at 1000 a second") {
				t.Errorf("stderr does not announce the run's bounds: %q", stderr.String())
			}
		})
	}
}

// TestVerifyFailingProvider: a provider that answers {"data":[]} to
// everything fails, with exit 1, and the report says which checks.
func TestVerifyFailingProvider(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[]}`))
	}))
	defer ts.Close()
	var stdout bytes.Buffer
	err := run(context.Background(), verifyArgs(ts.URL), &stdout, &bytes.Buffer{})
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1", code, err)
	}
	for _, want := range []string{"FAIL  data", "FAIL  unauthenticated", "status 200, want 401", "(no token)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(err.Error(), "checks failed") {
		t.Errorf("error = %q, want it to count the failed checks", err)
	}
}

func TestVerifyBadCommandLines(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no base URL", []string{"verify", "--token", "x"}, "--base-url is required"},
		{"base URL not HTTP", []string{"verify", "--base-url", "localhost:8080", "--token", "x"}, "want http:// or https://"},
		{"no token", []string{"verify", "--base-url", "http://127.0.0.1:1"}, "--token is required"},
		{"from without to", []string{"verify", "--base-url", "http://127.0.0.1:1", "--token", "x", "--from", "2024-01-01"}, "--from and --to go together"},
		{"bad from", []string{"verify", "--base-url", "http://127.0.0.1:1", "--token", "x", "--from", "soon", "--to", "2024-01-01"}, "--from/--to"},
		{"zero rate", []string{"verify", "--base-url", "http://127.0.0.1:1", "--token", "x", "--rate", "0"}, "--rate 0"},
		{"bad format", []string{"verify", "--base-url", "http://127.0.0.1:1", "--token", "x", "--format", "xml"}, `--format "xml"`},
		{"coverage bad format", []string{"coverage", "--format", "yaml"}, `--format "yaml"`},
		{"coverage bad URL", []string{"coverage", "--url", "nope"}, `--url "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, &bytes.Buffer{}, &bytes.Buffer{})
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q) = exit %d, %v; want exit 2 and %q", tt.args, code, err, tt.want)
			}
		})
	}
}

func TestVerifyUnreachable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	err := run(context.Background(), verifyArgs(ts.URL), &bytes.Buffer{}, &bytes.Buffer{})
	if code := exitCode(err); code != 1 || !strings.Contains(err.Error(), "provider does not answer") {
		t.Errorf("verify of a closed server = exit %d, %v; want 1, provider does not answer", code, err)
	}
}

// TestCoverageRequire plays a client's run against odmock, then gates on
// what it exercised, as CI would.
func TestCoverageRequire(t *testing.T) {
	r := startRun(t, "--users", "20")
	send := func(session, auth, query string) {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/public/api/user-interactions?"+query, nil)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		if session != "" {
			req.Header.Set("X-Odmock-Session", session)
		}
		if session == "careful" {
			req.Header.Set("Accept", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	const window = "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59"
	send("web", "odmock-dev-token", window)
	send("web", "odmock-dev-token", window+"&browser=chrome")
	send("web", "", window)
	send("", "odmock-dev-token", window+"&nope=1")
	send("careful", "odmock-dev-token", window)

	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or in the error
	}{
		{"nothing required", nil, 0, "unauthenticated           1"},
		{"exercised", []string{"--require", "data,filter:browser,unauthenticated,invalid:filter"}, 0, "required"},
		{"not exercised", []string{"--require", "data,invalid:required,rate-limited"}, 1, "required behaviours never exercised: invalid:required, rate-limited"},
		{"all", []string{"--require", "all"}, 1, "never exercised: empty, user_id"},
		{"one session", []string{"--session", "web", "--require", "invalid:filter"}, 1, "never exercised: invalid:filter"},
		// Without X-Odmock-Session, a request's session is its token's hash.
		{"token's session", []string{"--session", "token-b0e13cb6ffea", "--require", "invalid:filter"}, 0, `session "token-b0e13cb6ffea"`},
		{"unknown behaviour", []string{"--require", "data,invalid:nope"}, 2, `no behaviour "invalid:nope"`},
		// The page's examples send no Accept: the real server may redirect.
		{"forbidden risk taken", []string{"--session", "web", "--forbid-risks", "accept-json"}, 1, "forbidden risks taken: accept-json (3)"},
		{"no risk taken", []string{"--session", "careful", "--forbid-risks", "all"}, 0, "accept-json     0"},
		{"required and forbidden", []string{"--session", "web", "--require", "empty", "--forbid-risks", "all"}, 1,
			"never exercised: empty; forbidden risks taken: accept-json (3)"},
		{"unknown risk", []string{"--forbid-risks", "nope"}, 2, `no risk "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), append([]string{"coverage", "--url", r.url}, tt.args...), &stdout, &bytes.Buffer{})
			if code := exitCode(err); code != tt.code {
				t.Fatalf("exit %d (%v), want %d\n%s", code, err, tt.code, stdout.String())
			}
			got := stdout.String()
			if err != nil {
				got += err.Error()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
		})
	}

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"coverage", "--url", r.url, "--format", "json"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Requests int                       `json:"requests"`
		Sessions map[string]map[string]any `json:"sessions"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.Requests != 5 || len(doc.Sessions) != 3 {
		t.Errorf("coverage --format json = %s (%v), want 5 requests in 3 sessions", stdout.String(), err)
	}
}

func TestHelpMentionsVerifyAndCoverage(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}} {
		var stdout bytes.Buffer
		err := run(context.Background(), args, &stdout, &bytes.Buffer{})
		if code := exitCode(err); code != 0 {
			t.Fatalf("%q: exit %d, want 0", args, code)
		}
		for _, want := range []string{"odmock verify --base-url URL --token TOKEN", "odmock coverage"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("%q does not mention %q", args, want)
			}
		}
	}
	var stdout bytes.Buffer
	run(context.Background(), []string{"verify", "--help"}, &stdout, &bytes.Buffer{})
	for _, flag := range []string{"Usage: odmock verify", "-base-url", "-token", "-from", "-to", "-rate", "-max-requests", "-format", "junit", "ODMOCK_VERIFY_BASE_URL"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("verify --help does not mention %s", flag)
		}
	}
}
