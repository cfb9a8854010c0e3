package mock

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatchLoadsOnly checks which changes the watcher reloads on: the
// files odmock loads, by path and extension, and nothing else beside them.
func TestWatchLoadsOnly(t *testing.T) {
	t.Parallel()
	cfg := fileConfig{scenariosDir: ".odmock/scenarios", fixturesDir: ".odmock/fixtures", fixtures: "frozen.yaml"}
	tests := []struct {
		path string
		want bool
	}{
		{"frozen.yaml", true},
		{"./frozen.yaml", true},
		{"odmock.log", false}, // the README's own log, beside --fixtures
		{"other.yaml", false}, // --fixtures is a file: only it
		{".odmock/scenarios/slow.yaml", true},
		{".odmock/scenarios/slow.yml", true},
		{".odmock/scenarios/page.json", true},
		{".odmock/scenarios/slow.yaml.swp", false},
		{".odmock/scenarios/slow.yaml~", false},
		{".odmock/scenarios/4913", false},
		{".odmock/scenarios/notes.md", false},
		{".odmock/scenarios/bodies/page.json", true},
		{".odmock/scenarios/bodies/page.txt", true},
		{".odmock/scenarios/bodies/.page.json.swp", false},
		{".odmock/fixtures/vip.yaml", true},
		{".odmock/fixtures/bodies/x.json", false},
		{".odmock/fixtures/sub/vip.yaml", false},
	}
	for _, tt := range tests {
		if got := cfg.loads(tt.path); got != tt.want {
			t.Errorf("loads(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	dir := fileConfig{fixtures: "frozen"}
	if !dir.loads("frozen/a.yaml") || dir.loads("frozen/a.log") {
		t.Errorf("--fixtures a directory: loads(frozen/a.yaml) = %v, loads(frozen/a.log) = %v; want true, false",
			dir.loads("frozen/a.yaml"), dir.loads("frozen/a.log"))
	}
}

// TestNoReloadLoopOnOwnLog is the README's steps: serve a fixture file
// with the log written beside it. Each reload's log line must not trigger
// the next; an edit to the fixture file still reloads, once.
func TestNoReloadLoopOnOwnLog(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	page, err := os.ReadFile("../fixtures/page-example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	frozen := filepath.Join(dir, "frozen.yaml")
	if err := os.WriteFile(frozen, page, 0o644); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.OpenFile(filepath.Join(dir, "odmock.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cfg := smallConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.Fixtures = frozen
	cfg.Watch = true
	cfg.Logger = slog.New(slog.NewTextHandler(logFile, nil))
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	reloads := func() int {
		b, _ := os.ReadFile(logFile.Name())
		return strings.Count(string(b), "reloaded scenarios and fixtures")
	}

	// One request: its log line lands beside the fixture file.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+apiPath+"?"+okRange, nil)
	req.Header.Set("Authorization", authOK)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	time.Sleep(1 * time.Second) // six times the watcher's settle time
	if n := reloads(); n != 0 {
		t.Fatalf("%d reloads after one request and no edit, want 0 (a reload loop on the log)", n)
	}

	// An edit to the fixture file reloads, once.
	if err := os.WriteFile(frozen, append(page, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for reloads() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1 * time.Second)
	if n := reloads(); n != 1 {
		t.Errorf("%d reloads after one edit of the fixture file, want 1", n)
	}
}

// TestUserFilesAddToShipped checks that a user's scenario and fixture
// directories add to the shipped files rather than replace them: every
// shipped scenario stays available by name, a user's scenario can name a
// shipped fixture or one of the user's, and a user's file named like a
// shipped one replaces it.
func TestUserFilesAddToShipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scen, fix := filepath.Join(dir, "scenarios"), filepath.Join(dir, "fixtures")
	write(t, scen, "vip.yaml", "rules:\n  - fixture: vip-users\n")
	write(t, scen, "page.yaml", "rules:\n  - fixture: page-example\n")
	write(t, scen, "empty.yaml", "description: mine\nrules:\n  - status: 401\n") // replaces the shipped one
	write(t, fix, "vip-users.yaml", "users:\n  - id: vip-1\n    messages:\n      - {date: 2024-01-15 10:00:00, type: text, text: hi}\n")
	cfg := smallConfig()
	cfg.ScenariosDir, cfg.FixturesDir = scen, fix
	s := newTestServer(t, cfg)
	got := strings.Join(s.srv.Scenarios(), " ")
	for _, name := range []string{"vip", "page", "unauthorized", "token-expires", "slow", "page-example"} {
		if !strings.Contains(" "+got+" ", " "+name+" ") {
			t.Errorf("scenarios = %s: %s is missing", got, name)
		}
	}
	for _, tt := range []struct{ scenario, want string }{
		{"vip", `"vip-1"`},
		{"page", `"user_12345"`},
		{"empty", `{"message":"Unauthenticated."}`},
		{"unauthorized", `{"message":"Unauthenticated."}`},
	} {
		r := s.do(http.MethodGet, apiPath+"?"+okRange, withHeaders("Authorization", authOK, "Prefer", "scenario="+tt.scenario))
		if !strings.Contains(string(r.body), tt.want) {
			t.Errorf("scenario %s: %d %.200s, want it to contain %s", tt.scenario, r.status, r.body, tt.want)
		}
	}
}
