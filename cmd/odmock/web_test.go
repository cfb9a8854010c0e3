package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	apiPath = "/public/api/user-interactions"
	january = "?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59"
)

// send makes one request to a running odmock and returns its status.
func send(t *testing.T, method, url string, header http.Header) int {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

var authHeader = http.Header{"Authorization": {"Bearer odmock-dev-token"}}

// TestLogFormats checks the request log as CI reads it: one line per
// request, with its status, latency and validation errors, in text or in
// JSON that parses.
func TestLogFormats(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		lines int // request lines: one per request the level shows
	}{
		{"text", nil, 5},
		{"json", []string{"--log-format", "json"}, 5},
		{"json debug", []string{"--log-format", "json", "--log-level", "debug"}, 6}, // + the health probe
		{"text warn", []string{"--log-level", "warn"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := startRun(t, append([]string{"--users", "20"}, tt.args...)...)
			reqs := []struct {
				path   string
				header http.Header
				status int
			}{
				{apiPath + january + "&user_id=user_12345", authHeader, 200},
				{apiPath + january, nil, 401},
				{apiPath, authHeader, 422},
				{apiPath + january + "&invalid_param=1", authHeader, 422},
				{"/nope", nil, 404},
				{"/__odmock/health", nil, 200},
			}
			for _, q := range reqs {
				if got := send(t, http.MethodGet, r.url+q.path, q.header); got != q.status {
					t.Fatalf("GET %s: status = %d, want %d", q.path, got, q.status)
				}
			}
			if err := r.stop(); err != nil {
				t.Fatal(err)
			}
			json := slices.Contains(tt.args, "json")
			var lines []map[string]any
			for line := range strings.Lines(r.logs.String()) {
				rec := parseLogLine(t, line, json)
				if rec["msg"] == "request" {
					lines = append(lines, rec)
				}
			}
			if len(lines) != tt.lines {
				t.Fatalf("%d request lines, want %d:\n%s", len(lines), tt.lines, r.logs.String())
			}
			for i, rec := range lines {
				for _, k := range []string{"time", "level", "method", "path", "status", "latency_ms"} {
					if _, ok := rec[k]; !ok {
						t.Errorf("request line %d lacks %q: %v", i+1, k, rec)
					}
				}
				if got, want := rec["status"], reqs[i].status; jsonNumber(got) != want {
					t.Errorf("request line %d: status = %v, want %d", i+1, got, want)
				}
			}
			if len(lines) >= 4 {
				wantErrs := []string{
					"from: The from field is required.; to: The to field is required.",
					"filters.invalid_param: The filter 'invalid_param' is not allowed.",
				}
				for i, want := range wantErrs {
					if got := lines[2+i]["errors"]; got != want {
						t.Errorf("request line %d: errors = %q, want %q", 3+i, got, want)
					}
				}
			}
		})
	}
}

var textAttr = regexp.MustCompile(`(\w+)=("(?:[^"\\]|\\.)*"|\S*)`)

// parseLogLine parses one line of slog's JSON or text output.
func parseLogLine(t *testing.T, line string, isJSON bool) map[string]any {
	t.Helper()
	rec := map[string]any{}
	if isJSON {
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %q", err, line)
		}
		return rec
	}
	if !strings.HasPrefix(line, "time=") || !strings.HasSuffix(line, "\n") {
		t.Fatalf("log line is not slog text: %q", line)
	}
	for _, m := range textAttr.FindAllStringSubmatch(line, -1) {
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			var s string
			if err := json.Unmarshal([]byte(v), &s); err == nil {
				v = s
			}
		}
		rec[m[1]] = v
	}
	return rec
}

// jsonNumber is a status from either format as an int.
func jsonNumber(v any) int {
	switch v := v.(type) {
	case float64:
		return int(v)
	case string:
		var n int
		json.Unmarshal([]byte(v), &n)
		return n
	}
	return -1
}

func TestCORSOriginsFlag(t *testing.T) {
	t.Setenv("ODMOCK_CORS_ORIGINS", "http://localhost:9999") // the flag wins
	r := startRun(t, "--users", "1", "--cors-origins", "http://localhost:5173,http://127.0.0.1:3000", "--cors-origins", "https://app.example.com")
	for origin, allowed := range map[string]bool{
		"http://localhost:5173":   true,
		"http://127.0.0.1:3000":   true,
		"https://app.example.com": true,
		"http://localhost:9999":   false,
		"http://localhost:3000":   false,
	} {
		req, _ := http.NewRequest(http.MethodGet, r.url+apiPath, nil)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if want := map[bool]string{true: origin}[allowed]; got != want {
			t.Errorf("Origin %s: Access-Control-Allow-Origin = %q, want %q", origin, got, want)
		}
	}
}

// TestFidelityFlags: the flags that opt in to more than the real server
// allows, or to what it does to clients that do not ask for JSON.
func TestFidelityFlags(t *testing.T) {
	r := startRun(t, "--users", "1", "--cors-credentials", "--cors-expose", "Retry-After,X-RateLimit-Remaining",
		"--non-json-clients", "redirect", "--rate-limit", "60", "--rate-limit-by", "token")
	req, _ := http.NewRequest(http.MethodGet, r.url+apiPath, nil)
	req.Header.Set("Origin", "http://localhost:5173")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != http.StatusFound || !strings.HasSuffix(h.Get("Location"), "/login") {
		t.Errorf("no token, no Accept: status %d, Location %q; want 302 to /login", resp.StatusCode, h.Get("Location"))
	}
	if h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("CORS %v, want the origin echoed with credentials", h)
	}
	if got := h.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "Retry-After, X-RateLimit-Remaining") {
		t.Errorf("Access-Control-Expose-Headers = %q, want Retry-After and X-RateLimit-Remaining", got)
	}
	if !strings.Contains(r.banner, "rate limit: 60 requests per minute per token") {
		t.Errorf("banner lacks the rate limit's key:\n%s", r.banner)
	}
}

func TestWebFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--cors-origins", "localhost:5173"}, nil, `cors origin "localhost:5173"`},
		{[]string{"--cors-origins", "http://localhost:5173/"}, nil, "without a path"},
		{nil, map[string]string{"ODMOCK_CORS_ORIGINS": "http://a.test, ftp:"}, `ODMOCK_CORS_ORIGINS "http://a.test, ftp:": cors origin "ftp:"`},
		{[]string{"--journal-size", "-1"}, nil, "--journal-size -1: must not be negative"},
		{[]string{"--journal-size", "many"}, nil, `--journal-size "many": want a whole number`},
		{[]string{"--rate-limit-by", "user"}, nil, "--rate-limit-by user: want address or token"},
		{[]string{"--non-json-clients", "html"}, nil, "--non-json-clients html: want json or redirect"},
		{[]string{"--cors-expose", "Retry After"}, nil, `cors expose "Retry After"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			err := run(context.Background(), tt.args, io.Discard, io.Discard)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run(%q, env %v): exit %d, err %v, want 2 and %q", tt.args, tt.env, code, err, tt.want)
			}
		})
	}
}

func TestJournalSizeFlag(t *testing.T) {
	r := startRun(t, "--users", "1", "--journal-size", "2")
	for _, id := range []string{"a", "b", "c"} {
		send(t, http.MethodGet, r.url+apiPath+january+"&user_id="+id, authHeader)
	}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/__odmock/journal", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct {
		Size    int
		Entries []struct{ Query string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		t.Fatal(err)
	}
	if j.Size != 2 || len(j.Entries) != 2 || !strings.HasSuffix(j.Entries[1].Query, "user_id=c") {
		t.Errorf("journal with --journal-size 2 after 3 requests: %+v, want size 2 and the last two", j)
	}
}

// TestReadmeAndHelpAgree checks that every flag of `odmock --help` is in
// README.md's configuration table, with its environment twin, and that
// the table documents no flag odmock lacks.
func TestReadmeAndHelpAgree(t *testing.T) {
	var help bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, &help, io.Discard); exitCode(err) != 0 {
		t.Fatalf("--help: %v", err)
	}
	var inHelp []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`).FindAllStringSubmatch(help.String(), -1) {
		inHelp = append(inHelp, m[1])
	}
	whole, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The serve flags' table is in the Configuration section; subcommands
	// document their own flags elsewhere.
	_, readme, _ := bytes.Cut(whole, []byte("\n## Configuration\n"))
	readme, _, _ = bytes.Cut(readme, []byte("\n## "))
	inReadme := map[string]string{} // flag: its environment column
	for _, m := range regexp.MustCompile("(?m)^\\| `--([a-z][a-z-]*)` \\| `([A-Z_]+)` \\|").FindAllSubmatch(readme, -1) {
		inReadme[string(m[1])] = string(m[2])
	}
	if len(inHelp) < 5 || len(inReadme) < 5 {
		t.Fatalf("found %d flags in --help and %d in README.md's table: the parsing is broken", len(inHelp), len(inReadme))
	}
	for _, f := range inHelp {
		env, ok := inReadme[f]
		switch {
		case !ok:
			t.Errorf("--%s is in --help but not in README.md's configuration table", f)
		case env != envName(f):
			t.Errorf("README.md gives --%s the variable %s, want %s", f, env, envName(f))
		}
	}
	for f := range inReadme {
		if !slices.Contains(inHelp, f) {
			t.Errorf("README.md documents --%s, which --help does not list", f)
		}
	}
}
