package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// consoleResult is what console.cjs saw.
type consoleResult struct {
	ConsoleErrors  []string
	LoginShown     bool
	APIWithout     int `json:"apiWithoutToken"`
	WrongToken     string
	LoggedIn       bool
	TokenInStorage bool
	TokenInURL     bool `json:"tokenInURL"`
	AppearedMs     int
	Checks         []string
	Funnel         [][2]any
	WhyResult      string
	Verdict        string
	SwitchResult   string
	S1Users        int
	S2Users        int
	Reload         string
	MissingBefore  bool
	Exercised      string
	ExerciseSent   string
	DataQS         string `json:"dataQS"`
	DataPage       string
	Chat           []string
	Charts         []string
}

// driveConsole runs console.cjs against a running odmock.
func driveConsole(t *testing.T, r *running, shots string, adminToken string) consoleResult {
	t.Helper()
	node := needTool(t, "node")
	chromium := needTool(t, "chromium")
	modules := playwrightModules(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{filepath.Join(browserDir, "console.cjs"), r.url, "odmock-dev-token", shots, t.TempDir()}
	if adminToken != "" {
		args = append(args, adminToken)
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("console.cjs: %v\n%s\nodmock log:\n%s", err, stderr.String(), r.logs.String())
	}
	var got consoleResult
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("console.cjs printed %q: %v", out, err)
	}
	return got
}

// TestBrowserConsole drives the console in headless Chromium: it loads
// without errors, shows an exchange another client sends within 2 s,
// explains a filtered query with its per-filter counts and why a user is
// in it, switches one session's scenario (and not another's), exercises
// a missing behaviour with one click, and shows the data. Each view's
// screenshot goes to docs/ with -update.
func TestBrowserConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	r := startRun(t, "--no-watch")
	shots := t.TempDir()
	got := driveConsole(t, r, shots, "")

	for _, e := range got.ConsoleErrors {
		t.Errorf("console error: %s", e)
	}
	if got.AppearedMs > 2000 {
		t.Errorf("another client's exchange appeared after %d ms, want within 2 s", got.AppearedMs)
	}
	for _, want := range []string{"length=pass", "token=pass", "from=pass", "to=pass", "country=pass", "browser=pass", "(filter names)=pass"} {
		if !slices.Contains(got.Checks, want) {
			t.Errorf("why: checks %v lack %s", got.Checks, want)
		}
	}
	if len(got.Funnel) != 3 || !strings.HasPrefix(got.Funnel[0][0].(string), "users with messages") ||
		got.Funnel[1][0] != "country LIKE '%GB%'" || got.Funnel[2][0] != "browser LIKE '%chrome%'" {
		t.Fatalf("why: funnel %v, want in range, then country, then browser", got.Funnel)
	}
	inRange, country, browser := got.Funnel[0][1].(float64), got.Funnel[1][1].(float64), got.Funnel[2][1].(float64)
	if !(inRange > country && country >= browser && browser >= 1) {
		t.Errorf("why: counts %v → %v → %v, want them to narrow, to at least user_12345", inRange, country, browser)
	}
	if want := strings.TrimSuffix(strings.Split(got.WhyResult, " ")[0], ""); want != strings.Split(strconv.FormatFloat(browser, 'f', -1, 64), " ")[0] || !strings.Contains(got.WhyResult, "kept") {
		t.Errorf("why: result %q", got.WhyResult)
	}
	if got.Verdict != "user_12345 · kept" {
		t.Errorf("why: verdict %q, want user_12345 kept", got.Verdict)
	}
	if got.S1Users != 0 || got.S2Users == 0 {
		t.Errorf("after switching s1 to empty: s1 got %d users, s2 %d; want 0 and some (%s)", got.S1Users, got.S2Users, got.SwitchResult)
	}
	if !strings.Contains(got.Reload, "reloaded") {
		t.Errorf("reload: %q", got.Reload)
	}
	if !got.MissingBefore || got.Exercised != "1" || !strings.Contains(got.ExerciseSent, "in session cov: 422") {
		t.Errorf("coverage: missing before %v, exercised %q, sent %q; want invalid:format exercised once by a 422", got.MissingBefore, got.Exercised, got.ExerciseSent)
	}
	if !strings.Contains(got.DataQS, "country=GB") || !strings.Contains(got.DataPage, "of ") {
		t.Errorf("data: query %q, page %q", got.DataQS, got.DataPage)
	}
	if !slices.Contains(got.Chat, "user: Help with my order") || !slices.Contains(got.Chat, "bot: Hi John! How can I help you today?") {
		t.Errorf("data: user_12345's conversation %q, want the user's and the bot's messages", got.Chat)
	}
	if len(got.Charts) != 4 {
		t.Errorf("data: charts %q, want 4", got.Charts)
	}
	if *update {
		for _, name := range []string{"console-journal.png", "console-why.png", "console-scenarios.png", "console-coverage.png", "console-data.png"} {
			copyShot(t, filepath.Join(shots, name), filepath.Join("../../docs", name))
		}
	}
}

// TestBrowserConsoleAdminToken: with --admin-token the console asks for
// the token, refuses a wrong one, and works with the right one, kept in
// the tab's sessionStorage and never in a URL.
func TestBrowserConsoleAdminToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	const admin = "console-admin-secret"
	r := startRun(t, "--no-watch", "--admin-token", admin)
	shots := t.TempDir()
	got := driveConsole(t, r, shots, admin)
	if !got.LoginShown || got.APIWithout != 401 || !strings.Contains(got.WrongToken, "refused") {
		t.Errorf("without the token: login shown %v, admin API %d, wrong token %q; want the login, 401, a refusal", got.LoginShown, got.APIWithout, got.WrongToken)
	}
	if !got.LoggedIn || !got.TokenInStorage || got.TokenInURL {
		t.Errorf("with the token: logged in %v, in sessionStorage %v, in the URL %v", got.LoggedIn, got.TokenInStorage, got.TokenInURL)
	}
	if got.AppearedMs > 2000 {
		t.Errorf("logged in, another client's exchange appeared after %d ms, want within 2 s", got.AppearedMs)
	}
	for _, e := range got.ConsoleErrors {
		// Chromium logs the 401s the login is about; nothing else.
		if !strings.Contains(e, "status of 401") {
			t.Errorf("console error: %s", e)
		}
	}
	if strings.Contains(r.logs.String(), admin) {
		t.Errorf("the admin token is in odmock's log")
	}
	if *update {
		copyShot(t, filepath.Join(shots, "console-login.png"), "../../docs/console-login.png")
	}
}

func copyShot(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
