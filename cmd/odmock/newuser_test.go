package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Regression tests for what a new user hit in the first hour (issue 12).

// TestCommandLineEdges is each rough edge of the command line: its exit
// code and the words of its answer.
func TestCommandLineEdges(t *testing.T) {
	lintDir := t.TempDir()
	os.WriteFile(filepath.Join(lintDir, "s.yaml"), []byte("rules:\n  - status: 700\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		want   string // in stdout, stderr or the error
		unwant string
	}{
		{"fixtures --help", []string{"fixtures", "--help"}, nil, 0, "Usage: odmock fixtures export", ""},
		{"fixtures export --help", []string{"fixtures", "export", "--help"}, nil, 0, "-users", ""},
		{"help", []string{"help"}, nil, 0, "odmock healthcheck", ""},
		{"help coverage", []string{"help", "coverage"}, nil, 0, "ODMOCK_COVERAGE_FORMAT", ""},
		{"coverage --help", []string{"coverage", "--help"}, nil, 0, "-require", ""},
		{"addr nonsense", []string{"--addr", "nonsense"}, nil, 2, `--addr "nonsense": want host:port`, ""},
		{"addr bad port", []string{"--addr", "127.0.0.1:99999"}, nil, 2, `--addr "127.0.0.1:99999": port "99999"`, ""},
		{"users 0", []string{"--users", "0"}, nil, 2, "--users 0: want 1 or more (user 1 is the page's example user_12345)", ""},
		{"users abc", []string{"--users", "abc"}, nil, 2, `--users "abc": want a whole number, e.g. 500`, "parse error"},
		{"seed abc", []string{"--seed", "-1"}, nil, 2, `--seed "-1": want a whole number from 0`, "parse error"},
		{"env users abc", nil, map[string]string{"ODMOCK_USERS": "abc"}, 2, `ODMOCK_USERS "abc": want a whole number`, "parse error"},
		{"healthcheck wait abc", []string{"healthcheck", "--wait", "soon"}, nil, 2, `--wait "soon": want a duration`, ""},
		{"unknown flag", []string{"--nope"}, nil, 2, "unknown flag --nope", ""},
		{"scenarios dir named but missing", []string{"--scenarios", "no/such/dir"}, nil, 2, "--scenarios no/such/dir: no such directory", ""},
		// verify's variable is verify's: coverage does not read it.
		{"verify's format is not coverage's", []string{"coverage", "--url", "http://127.0.0.1:1", "--timeout", "1s"},
			map[string]string{"ODMOCK_FORMAT": "junit", "ODMOCK_VERIFY_FORMAT": "junit"}, 1, "read coverage", "--format"},
		{"coverage reads its own", []string{"coverage", "--url", "http://127.0.0.1:1"}, map[string]string{"ODMOCK_COVERAGE_FORMAT": "xml"}, 2, `--format "xml"`, ""},
		{"lint one problem", []string{"lint", filepath.Join(lintDir, "s.yaml")}, nil, 1, "odmock lint: 1 problem in 1 scenario file and 0 fixture files", "1 problems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			// A command line that should fail but serves stops after a while.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var stdout, stderr lockedBuffer
			err := run(ctx, tt.args, &stdout, &stderr)
			got := stdout.String() + stderr.String()
			if err != nil {
				got += err.Error()
			}
			if code := exitCode(err); code != tt.code {
				t.Fatalf("odmock %q: exit %d, want %d\n%s", tt.args, code, tt.code, got)
			}
			if !strings.Contains(got, tt.want) || tt.unwant != "" && strings.Contains(got, tt.unwant) {
				t.Errorf("odmock %q: output %q, want %q in it and not %q", tt.args, got, tt.want, tt.unwant)
			}
		})
	}
}

// TestBannerIsSmallAndJSONWhenAsked checks the banner's try: command asks
// for one day, and that with --log-format json every line is JSON.
func TestBannerIsSmallAndJSONWhenAsked(t *testing.T) {
	r := startRun(t, "--users", "50")
	if !strings.Contains(r.banner, "from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59'") {
		t.Errorf("banner's try: is not one day:\n%s", r.banner)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "127.0.0.1:0", "--users", "5", "--log-format", "json"}, &stdout, &stderr)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stdout.String(), `"try"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// And an error it stops on.
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"--log-format", "json", "--window", "soon"}, &bytes.Buffer{}, &errOut)
	if exitCode(err) != 2 {
		t.Errorf("bad --window with json: exit %d, want 2", exitCode(err))
	}
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "error": errOut.String()} {
		if out == "" {
			t.Errorf("%s: empty", name)
		}
		for line := range strings.Lines(out) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("%s line is not JSON: %q", name, line)
			}
		}
	}
}

// TestHealthcheckWaitsAndKnowsItsServer checks odmock healthcheck --wait
// and that it fails against another server holding the port, or another
// odmock than the one asked for.
func TestHealthcheckWaitsAndKnowsItsServer(t *testing.T) {
	check := func(args ...string) (int, string) {
		var stdout bytes.Buffer
		err := run(context.Background(), append([]string{"healthcheck"}, args...), &stdout, &bytes.Buffer{})
		out := stdout.String()
		if err != nil {
			out += err.Error()
		}
		return exitCode(err), out
	}
	// Another server on the port: not healthy.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"status":"ok"}`)) }))
	defer other.Close()
	if code, out := check("--url", other.URL); code != 1 || !strings.Contains(out, "not as odmock does") {
		t.Errorf("healthcheck of another server: exit %d %q, want 1, not as odmock does", code, out)
	}

	// --wait: a server that starts later passes; the address file gives
	// its URL and instance, whatever --addr it was given.
	addrFile := filepath.Join(t.TempDir(), "odmock.addr")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := "127.0.0.1:" + itoa(port)
	go func() {
		time.Sleep(500 * time.Millisecond)
		startRun(t, "--users", "1", "--addr", addr, "--instance", "ci-7", "--addr-file", addrFile)
	}()
	if code, out := check("--addr-file", addrFile, "--wait", "20s"); code != 0 || !strings.Contains(out, "instance ci-7") {
		t.Fatalf("healthcheck --addr-file --wait: exit %d %q, want 0 and instance ci-7", code, out)
	}
	t.Setenv("ODMOCK_ADDR", "127.0.0.1:1") // as in the image; the address file wins
	t.Setenv("ODMOCK_ADDR_FILE", addrFile)
	if code, out := check(); code != 0 {
		t.Errorf("healthcheck with ODMOCK_ADDR_FILE: exit %d %q, want 0", code, out)
	}
	base := "http://" + addr
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--url", base}, 0, "healthy: " + base + "/__odmock/health"}, // a base URL, as coverage takes
		{[]string{"--url", base + "/__odmock/health"}, 0, "healthy"},
		{[]string{"--url", base, "--instance", "ci-7"}, 0, "healthy"},
		{[]string{"--url", base, "--instance", "ci-8"}, 1, `is odmock instance "ci-7", want "ci-8"`},
		{[]string{"--url", "http://127.0.0.1:1", "--wait", "300ms", "--timeout", "100ms"}, 1, "unhealthy after 300ms"},
	} {
		if code, out := check(tt.args...); code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("healthcheck %q: exit %d %q, want %d and %q", tt.args, code, out, tt.code, tt.want)
		}
	}
}

// TestCoverageInsistsRequestsArrived checks that a gate does not pass on
// nothing: --require fails on a session with no requests, and names the
// sessions there are.
func TestCoverageInsistsRequestsArrived(t *testing.T) {
	r := startRun(t, "--users", "5")
	req, _ := http.NewRequest(http.MethodGet, r.url+"/public/api/user-interactions", nil)
	req.Header.Set("X-Odmock-Session", "CI")
	req.Header.Set("Authorization", "Bearer odmock-dev-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--session", "ci", "--require", "invalid:required"}, 1, `session "ci" made no requests (sessions seen: "CI" (1))`},
		{[]string{"--session", "ci"}, 0, `session "ci" made no requests`},
		{[]string{"--session", "CI", "--require", "invalid:required"}, 0, "required"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"coverage", "--url", r.url}, tt.args...), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if err != nil {
			out += err.Error()
		}
		if code := exitCode(err); code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("coverage %q: exit %d %q, want %d and %q", tt.args, code, out, tt.code, tt.want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
