package mock

import (
	"bytes"
	"context"
	"errors"
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

// The user files: lint, fixtures, and hot reload.

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
		{"unknown fixture", "s.yaml", "rules:\n  - fixture: nobody\n", []string{`s.yaml:2: unknown fixture "nobody" (have: `}}, // the shipped fixtures, and any added
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
		{"fixture empty type", "f.yaml", "users:\n  - id: u1\n    messages:\n      - {date: 2024-01-01 00:00:00, type: \"\"}\n", []string{`f.yaml:4: a message needs a type`}},
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

// TestShippedFilesLintClean keeps the shipped scenario and fixture files
// valid. It names them: a file someone adds beside them is theirs to lint.
func TestShippedFilesLintClean(t *testing.T) {
	t.Parallel()
	var paths []string
	for _, name := range shippedScenarios {
		paths = append(paths, "../scenarios/"+name+".yaml")
	}
	for _, name := range shippedFixtures {
		paths = append(paths, "../fixtures/"+name+".yaml")
	}
	rep := Lint(testContract(t), paths, "")
	if len(rep.Problems) > 0 || rep.Scenarios != len(shippedScenarios) || rep.Fixtures != len(shippedFixtures) {
		t.Errorf("lint of shipped files: %d scenarios, %d fixtures, problems:\n%v", rep.Scenarios, rep.Fixtures, rep.Problems)
	}
}

// The files odmock ships, by name.
var (
	shippedScenarios = []string{"unauthorized", "token-expires", "missing-dates", "invalid-filter", "rate-limited",
		"empty", "slow", "flaky", "server-error", "page-example"}
	shippedFixtures = []string{"page-example", "edge-cases"}
)

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
	back, err := loadFixtures(c, os.DirFS(dir), "export.yaml")
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
