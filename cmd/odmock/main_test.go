package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
)

// lockedBuffer is a bytes.Buffer safe to write from run and read from a test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is an odmock started through run, as the binary would be.
type running struct {
	url    string
	banner string
	logs   *lockedBuffer // stderr
	stop   func() error
}

// urlRE finds the URL in the banner, text or JSON.
var urlRE = regexp.MustCompile(`serving (http://\S+)|"url":"(http://[^"]+)"`)

// startRun runs odmock with args on a free port and waits for its banner.
func startRun(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), pw, &stderr)
		pw.Close()
	}()
	var banner strings.Builder
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	r := &running{logs: &stderr}
	timeout := time.After(20 * time.Second)
	for r.url == "" || !strings.Contains(banner.String(), "try:") && !strings.Contains(banner.String(), `"try":`) {
		select {
		case line, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("odmock exited before serving: %v\nstderr: %s", <-done, stderr.String())
			}
			banner.WriteString(line + "\n")
			if m := urlRE.FindStringSubmatch(line); m != nil {
				r.url = m[1] + m[2]
			}
		case <-timeout:
			cancel()
			t.Fatalf("no banner after 20s; got %q", banner.String())
		}
	}
	go func() { // keep draining, so run never blocks on stdout
		for range lines {
		}
	}()
	r.banner = banner.String()
	var once sync.Once
	var stopErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(15 * time.Second):
				t.Error("odmock did not stop within 15s of cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() { r.stop() })
	return r
}

func TestServeBannerAndShutdown(t *testing.T) {
	r := startRun(t, "--users", "50", "--seed", "9")
	for _, want := range []string{"token:   odmock-dev-token", "seed 9, 50 users", "2024-01-01 00:00:00 to 2024-01-31 23:59:59 UTC", "curl -H 'Authorization: Bearer odmock-dev-token'"} {
		if !strings.Contains(r.banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, r.banner)
		}
	}
	// The banner's curl command works as pasted.
	cmdline := regexp.MustCompile(`curl -H '([^']*)' '([^']*)'`).FindStringSubmatch(r.banner)
	req, _ := http.NewRequest(http.MethodGet, cmdline[2], nil)
	name, value, _ := strings.Cut(cmdline[1], ": ")
	req.Header.Set(name, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"data":[{`)) {
		t.Errorf("banner's curl: status %d, body %.200s", resp.StatusCode, body)
	}
	if err := r.stop(); err != nil {
		t.Errorf("run after cancel = %v, want nil", err)
	}
}

// TestServeByMessages checks --messages: about that many user messages,
// in a window of a year, said in the banner with how long it took.
func TestServeByMessages(t *testing.T) {
	r := startRun(t, "--messages", "20k", "--window", "2024-01-01/2024-12-31", "--cache-size", "0")
	m := regexp.MustCompile(`(\d+) users, (\d+) user messages .* 2024-12-31 23:59:59 UTC; built in \S+`).FindStringSubmatch(r.banner)
	if m == nil {
		t.Fatalf("banner does not say the dataset's size and build time:\n%s", r.banner)
	}
	if n, _ := strconv.Atoi(m[2]); n < 19_000 || n > 21_000 {
		t.Errorf("--messages 20k: %s user messages", m[2])
	}
	req, _ := http.NewRequest(http.MethodGet, r.url+"/public/api/user-interactions?from=2024-06-01%2000:00:00&to=2024-06-01%2023:59:59", nil)
	req.Header.Set("Authorization", "Bearer odmock-dev-token")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"data":[{`)) {
		t.Errorf("a day in June: status %d, body %.200s", resp.StatusCode, body)
	}
}

func TestBadCommandLines(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // in the error
	}{
		{"unknown flag", []string{"--nope"}, nil, "unknown flag --nope"},
		{"users not a number", []string{"--users", "many"}, nil, `--users "many": want a whole number`},
		{"negative users", []string{"--users", "-1"}, nil, "--users -1: want 1 or more"},
		{"seed not a number", []string{"--seed", "x"}, nil, `--seed "x": want a whole number`},
		{"bad window", []string{"--window", "soon"}, nil, `--window: window "soon"`},
		{"inverted window", []string{"--window", "2024-02-01/2024-01-01"}, nil, "ends before it starts"},
		{"bad log level", []string{"--log-level", "loud"}, nil, `--log-level "loud"`},
		{"bad log format", []string{"--log-format", "xml"}, nil, `--log-format "xml"`},
		{"stray argument", []string{"extra"}, nil, `unexpected argument "extra"`},
		{"bad env twin", nil, map[string]string{"ODMOCK_USERS": "lots"}, `ODMOCK_USERS "lots": want a whole number`},
		{"bad env window", nil, map[string]string{"ODMOCK_WINDOW": "x"}, `--window: window "x"`},
		{"bad messages", []string{"--messages", "lots"}, nil, `--messages "lots": want a number`},
		{"messages and users", []string{"--messages", "1M", "--users", "5"}, nil, "--messages and --users: give one"},
		{"messages too many", []string{"--messages", "5G"}, nil, `--messages "5G": want 1 to 2G`},
		{"messages rate per hour", []string{"--messages", "5k/h"}, nil, "a rate is per day"},
		{"bad cache size", []string{"--cache-size", "big"}, nil, `--cache-size "big": want bytes`},
		{"merge into a large dataset", []string{"--merge", "--fixtures", "x.json", "--messages", "10M"}, nil, "--merge: merges fixtures into generated users made whole: at most 200000"},
		{"state not redis", []string{"--state", "http://cache:6379"}, nil, "--state http://cache:6379: want redis://"},
		// Port 1 on the loopback: nothing listens there.
		{"state unreachable", []string{"--state", "redis://127.0.0.1:1/0", "--users", "5"}, nil,
			"--state redis://127.0.0.1:1/0: redis unreachable: dial tcp 127.0.0.1:1"},
		{"state unreachable, password hidden", nil, map[string]string{"ODMOCK_STATE": "redis://u:hunter2@127.0.0.1:1/0", "ODMOCK_USERS": "5"},
			"--state redis://u:xxxxx@127.0.0.1:1/0: redis unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			if code := exitCode(err); code != 2 {
				t.Fatalf("run(%q) exit code = %d (err %v), want 2", tt.args, code, err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Errorf("run(%q) error = %q, want one line containing %q", tt.args, msg, tt.want)
			}
		})
	}
}

func TestEnvTwinsAndFlagsOrder(t *testing.T) {
	t.Setenv("ODMOCK_TOKEN", "one, two")
	t.Setenv("ODMOCK_USERS", "5")
	r := startRun(t, "--users", "7")
	if !strings.Contains(r.banner, "7 users") {
		t.Errorf("flag should win over ODMOCK_USERS:\n%s", r.banner)
	}
	for _, tok := range []string{"one", "two"} {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("token %q from ODMOCK_TOKEN: status %d, want 200", tok, resp.StatusCode)
		}
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--help"}, &stdout, &stderr)
	if code := exitCode(err); code != 0 {
		t.Fatalf("--help exit code = %d, want 0", code)
	}
	for _, flag := range []string{"-addr", "-token", "-seed", "-users", "-window", "-log-level", "-log-format", "healthcheck", "version", "ODMOCK_"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("--help does not mention %s", flag)
		}
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := stdout.String(); got != "odmock "+version+"\n" {
		t.Errorf("version printed %q", got)
	}
}

func TestHealthcheck(t *testing.T) {
	r := startRun(t, "--users", "1")
	addr := strings.TrimPrefix(r.url, "http://")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"healthcheck", "--addr", addr}, &stdout, io.Discard); err != nil {
		t.Errorf("healthcheck of a running server: %v", err)
	}
	r.stop()
	err := run(context.Background(), []string{"healthcheck", "--addr", addr, "--timeout", "1s"}, &stdout, io.Discard)
	if code := exitCode(err); code != 1 {
		t.Errorf("healthcheck of a stopped server: exit %d (%v), want 1", code, err)
	}
}

// needTool skips a test when a system tool is missing, unless CI is set,
// where a missing tool is a failure.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed, and CI is set", name)
		}
		t.Skipf("%s is not installed: skipping (install it to run this test)", name)
	}
	return path
}

// TestPageExamples runs the public page's own curl and Python examples
// against odmock, changed only in their address and token, as a new user
// following the README would.
func TestPageExamples(t *testing.T) {
	curl := needTool(t, "curl")
	r := startRun(t)
	base := r.url
	examples := []string{
		base + "/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345",
		base + "/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=chrome&country=US",
		base + "/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345&selected_scenario=customer_support",
	}
	for _, u := range examples {
		out, err := exec.Command(curl, "-sS", "-w", "\n%{http_code}", "-X", "GET", u,
			"-H", "Authorization: Bearer odmock-dev-token", "-H", "Content-Type: application/json").Output()
		if err != nil {
			t.Fatalf("curl %s: %v", u, err)
		}
		body, code, _ := strings.Cut(string(out), "\n")
		if code != "200" || !strings.HasPrefix(body, `{"data":[{`) {
			t.Errorf("curl %s: status %s, body %.200s", u, code, body)
		}
	}

	// The first python3 with requests: the one on PATH, or Debian's
	// (python3-requests), which .ci/run installs when neither has it.
	python := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import requests").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("no python3 with the requests module, and CI is set")
		}
		t.Skip("no python3 with the requests module: skipping the Python example")
	}
	script := `import requests
from datetime import datetime
# Configuration
base_url = "` + base + `"
api_token = "odmock-dev-token"
headers = {
"Authorization": f"Bearer {api_token}",
"Content-Type": "application/json"
}
# Get user interactions for a specific date
params = {
"from": "2024-01-01 00:00:00",
"to": "2024-01-31 23:59:59",
"user_id": "user_12345",
"selected_scenario": "customer_support"
}
response = requests.get(
f"{base_url}/public/api/user-interactions",
headers=headers,
params=params
)
if response.status_code == 200:
    interactions = response.json()
    print(f"Retrieved interactions: {interactions}")
else:
    print(f"Error: {response.status_code} - {response.text}")
`
	path := filepath.Join(t.TempDir(), "example.py")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python example: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "Retrieved interactions: {'data': [{'user_12345'") ||
		!strings.Contains(string(out), "'text': 'Help with my order'") {
		t.Errorf("python example printed:\n%s", out)
	}
}

// TestSIGTERM builds the real binary and checks that SIGTERM stops it
// cleanly, with exit status 0.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "odmock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--users", "10")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.Contains(sc.Text(), "serving http://") {
		cmd.Process.Kill()
		t.Fatalf("no banner: %q", sc.Text())
	}
	go io.Copy(io.Discard, stdout)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGTERM: %v, want exit status 0", err)
		}
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		t.Fatal("odmock still running 15s after SIGTERM")
	}
}

func TestLintCommand(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("rules:\n  - status: 401\n"), 0o644)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"lint", good}, &stdout, &stderr); err != nil {
		t.Fatalf("lint of a good file: %v\n%s", err, stdout.String())
	}
	if !strings.HasPrefix(stdout.String(), "ok: 1 scenario file and 0 fixture files") {
		t.Errorf("lint of a good file printed %q", stdout.String())
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - status: 200\n    body: {data: [1]}\n  - statsu: 1\n"), 0o644)
	stdout.Reset()
	err := run(context.Background(), []string{"lint", bad}, &stdout, &stderr)
	if code := exitCode(err); code != 1 {
		t.Fatalf("lint of a bad file: exit %d, want 1", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], bad+":3: status 200 answer breaks the contract") ||
		!strings.HasPrefix(lines[1], bad+`:4: a rule: unknown key "statsu"`) {
		t.Errorf("lint of a bad file printed:\n%s", stdout.String())
	}
	// With no paths, the project's .odmock/scenarios and .odmock/fixtures.
	project := t.TempDir()
	os.MkdirAll(filepath.Join(project, ".odmock", "scenarios"), 0o755)
	os.WriteFile(filepath.Join(project, ".odmock", "scenarios", "mine.yaml"), []byte("rules:\n  - fixture: page-example\n"), 0o644)
	t.Chdir(project)
	stdout.Reset()
	if err := run(context.Background(), []string{"lint"}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "ok: 1 scenario file") {
		t.Errorf("lint of .odmock/: %v\n%s", err, stdout.String())
	}
}

func TestServeWithScenarioAndFixtures(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "frozen.yaml")
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"fixtures", "export", "--seed", "4", "--users", "30", "-o", out}, &stdout, io.Discard); err != nil {
		t.Fatalf("fixtures export: %v", err)
	}
	get := func(base, token string) string {
		req, _ := http.NewRequest(http.MethodGet, base+"/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=chrome", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprint(resp.StatusCode, " ", string(b))
	}
	seeded := startRun(t, "--seed", "4", "--users", "30")
	frozen := startRun(t, "--fixtures", out)
	if a, b := get(seeded.url, "odmock-dev-token"), get(frozen.url, "odmock-dev-token"); a != b || !strings.HasPrefix(a, "200 ") {
		t.Errorf("exported fixture serves differently:\nseeded %.200s\nfrozen %.200s", a, b)
	}
	sc := startRun(t, "--scenario", "unauthorized")
	if got := get(sc.url, "odmock-dev-token"); got != `401 {"message":"Unauthenticated."}` {
		t.Errorf("--scenario unauthorized: %s", got)
	}
	if !strings.Contains(sc.banner, "active: unauthorized") {
		t.Errorf("banner does not show the active scenario:\n%s", sc.banner)
	}
	err := run(context.Background(), []string{"--scenario", "nope", "--addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), "unknown scenario") {
		t.Errorf("--scenario nope: exit %d, %v; want 2, unknown scenario", code, err)
	}
}

func TestBannerOnAllAddresses(t *testing.T) {
	r := startRun(t, "--users", "1", "--addr", "0.0.0.0:0")
	if !strings.HasPrefix(r.url, "http://127.0.0.1:") {
		t.Errorf("listening on 0.0.0.0, the banner's URL is %s; want the loopback", r.url)
	}
}

// A large dataset's index is live for good: the heap may grow past it by
// about 256 MB between collections, not by as much again.
func TestGCPercentFor(t *testing.T) {
	for _, tt := range []struct {
		live uint64
		want int
	}{{20 << 20, 100}, {256 << 20, 100}, {512 << 20, 50}, {900 << 20, 28}, {10 << 30, 10}} {
		if got := gcPercentFor(tt.live); got != tt.want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", tt.live>>20, got, tt.want)
		}
	}
}

// Stats counted over a sample say so before their totals.
func TestWriteStatsSaysSampled(t *testing.T) {
	var b strings.Builder
	writeStats(&b, 1, dataset.DefaultWindow(), dataset.Stats{Users: 100000, SampledFrom: 16000000,
		Whole: &dataset.Totals{Users: 16000000, Conversations: 27000000, UserMessages: 96000000, BotMessages: 144000000}})
	if !strings.Contains(b.String(), "counted over an evenly spaced sample of 100000 of the 16000000 users\n"+
		"the whole dataset: 16000000 users, 27000000 conversations, 96000000 user messages (+144000000 bot)\n"+
		"the sample: 100000 users") {
		t.Errorf("sampled stats:\n%s", b.String())
	}
	b.Reset()
	writeStats(&b, 1, dataset.DefaultWindow(), dataset.Stats{Users: 500})
	if strings.Contains(b.String(), "sample") {
		t.Errorf("whole stats mention a sample:\n%s", b.String())
	}
}
