package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite docs/browser-test.png from the browser test")

// browserDir holds the browser app and its driver.
const browserDir = "../../scripts/browser"

// playwrightModules is the node_modules folder where
// scripts/browser/install.sh puts playwright-core.
func playwrightModules(t *testing.T) string {
	t.Helper()
	tools := os.Getenv("ODMOCK_TOOLS")
	if tools == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		tools = filepath.Join(cache, "odmock-tools")
	}
	dir := filepath.Join(tools, "playwright", "node_modules")
	if _, err := os.Stat(filepath.Join(dir, "playwright-core", "package.json")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("playwright-core is not in %s, and CI is set (bash scripts/browser/install.sh)", dir)
		}
		t.Skipf("playwright-core is not in %s: skipping (bash scripts/browser/install.sh installs it)", dir)
	}
	return dir
}

// browserResult is what drive.cjs saw on the page.
type browserResult struct {
	Users []struct {
		ID, Heading string
		Texts       []string
	}
	Status string
	Error  struct {
		Status, Message string
		Fields          []string
	}
	ConsoleErrors []string
}

// TestBrowserApp loads a small app from another origin in headless
// Chromium. The app fetches interactions with a bearer token (so the
// browser preflights), renders them, then shows the API's 422 for a typo
// in a date. What the page shows is checked, then the journal.
func TestBrowserApp(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	node := needTool(t, "node")
	chromium := needTool(t, "chromium")
	modules := playwrightModules(t)

	r := startRun(t)
	// The app's own server: another port and host name, so another origin,
	// as a dev server on localhost:5173 is.
	app := httptest.NewServer(http.FileServer(http.Dir(browserDir)))
	t.Cleanup(app.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(app.URL, "http://"))
	pageURL := "http://localhost:" + port + "/?" + url.Values{
		"api": {r.url}, "token": {"odmock-dev-token"}, "session": {"browser-test"},
	}.Encode()

	shot := filepath.Join(t.TempDir(), "page.png")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(browserDir, "drive.cjs"), pageURL, shot, t.TempDir())
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("drive.cjs: %v\n%s\nodmock log:\n%s", err, stderr.String(), r.logs.String())
	}
	var got browserResult
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("drive.cjs printed %q: %v", out, err)
	}

	// The data: the page's example user among the others.
	i := slices.IndexFunc(got.Users, func(u struct {
		ID, Heading string
		Texts       []string
	}) bool {
		return u.ID == "user_12345"
	})
	if i < 0 {
		t.Fatalf("the page shows users %+v, want user_12345 among them", got.Users)
	}
	if u := got.Users[i]; u.Heading != "John Doe (user_12345)" ||
		!slices.Equal(u.Texts, []string{"Help with my order", "I need help with my order"}) {
		t.Errorf("the page shows user_12345 as %q with %q, want John Doe with the page's two messages", u.Heading, u.Texts)
	}
	if want := regexp.MustCompile(`^[1-9][0-9]* users? with messages\.$`); !want.MatchString(got.Status) {
		t.Errorf("status line = %q, want %s", got.Status, want)
	}
	// The error, as the API gave it.
	if got.Error.Status != "422" || got.Error.Message != "The given data was invalid." ||
		!slices.Equal(got.Error.Fields, []string{"to: The to does not match the format Y-m-d H:i:s."}) {
		t.Errorf("the page shows the error %+v, want 422 The given data was invalid. with the to field's message", got.Error)
	}
	for _, e := range got.ConsoleErrors {
		// Chromium logs every 4xx it fetched; anything else is a bug.
		if !strings.Contains(e, "status of 422") {
			t.Errorf("console error: %s", e)
		}
	}

	// The journal saw what the app asked for, under its session, and
	// the browser's preflights.
	resp, err := http.Get(r.url + "/__odmock/journal")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var j struct {
		Entries []struct {
			Method, Session string
			Status          int
			Params          url.Values
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		t.Fatal(err)
	}
	var asked []string
	preflights := 0
	for _, e := range j.Entries {
		switch {
		case e.Method == http.MethodOptions && e.Status == http.StatusNoContent:
			preflights++
		case e.Session == "browser-test":
			asked = append(asked, e.Method+" "+e.Params.Get("to")+" "+e.Params.Get("selected_scenario")+" "+http.StatusText(e.Status))
		}
	}
	want := []string{"GET 2024-01-15 23:59:59 customer_support OK", "GET 2024-01-15 customer_support Unprocessable Entity"}
	if !slices.Equal(asked, want) {
		t.Errorf("the journal has the app's session asking %q, want %q", asked, want)
	}
	if preflights == 0 {
		t.Errorf("the journal has no preflight (OPTIONS 204): %+v", j.Entries)
	}

	if *update {
		png, err := os.ReadFile(shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../../docs/browser-test.png", png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserOtherOrigin: a page on another origin (headless Chromium)
// can call the API, but can neither read nor change anything under
// /__odmock/. With the defaults it used to read the journal and
// coverage, switch scenarios and wipe the journal.
func TestBrowserOtherOrigin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	node := needTool(t, "node")
	chromium := needTool(t, "chromium")
	modules := playwrightModules(t)

	r := startRun(t)
	admin := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	// The developer's own state: a session's scenario, its requests.
	if code, body := admin(http.MethodPut, "/__odmock/scenario", `{"name":"empty","session":"victim"}`); code != http.StatusOK {
		t.Fatalf("PUT scenario: %d %s", code, body)
	}
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, r.url+"/public/api/user-interactions?from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59", nil)
		req.Header.Set("Authorization", "Bearer odmock-dev-token")
		req.Header.Set("X-Odmock-Session", "victim")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	app := httptest.NewServer(http.FileServer(http.Dir(browserDir)))
	t.Cleanup(app.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(app.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(browserDir, "other-origin.cjs"), "http://localhost:"+port+"/", r.url, t.TempDir())
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("other-origin.cjs: %v\n%s\nodmock log:\n%s", err, stderr.String(), r.logs.String())
	}
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("other-origin.cjs printed %q: %v", out, err)
	}
	if !strings.HasPrefix(got["api"], "200 ") {
		t.Errorf("the page's API call got %q, want 200 (CORS lets pages call the API)", got["api"])
	}
	for _, k := range []string{"readJournal", "readCoverage", "readScenario", "clearJournal", "clearCoverage", "switchScenario"} {
		if got[k] != "blocked" {
			t.Errorf("the page's %s got %q, want blocked", k, got[k])
		}
	}
	for _, k := range []string{"resetNoCors", "resetForm", "reloadText", "journalNoCors"} {
		if got[k] != "opaque" {
			t.Errorf("the page's %s got %q, want an opaque answer it cannot read", k, got[k])
		}
	}

	// Nothing changed: the session's scenario, its journal and coverage.
	if _, body := admin(http.MethodGet, "/__odmock/scenario?session=victim", ""); !strings.Contains(body, `"scenario":"empty"`) {
		t.Errorf("after the page: the victim session's scenario is %s, want empty still", body)
	}
	if _, body := admin(http.MethodGet, "/__odmock/journal?session=victim", ""); strings.Count(body, `"session":"victim"`) != 2 {
		t.Errorf("after the page: the journal has %s, want the victim's 2 requests still", body)
	}
	if _, body := admin(http.MethodGet, "/__odmock/coverage?session=victim", ""); !strings.Contains(body, `"requests":2`) {
		t.Errorf("after the page: coverage is %s, want the victim's 2 requests still", body)
	}
	// And the simple POSTs the browser did send were refused.
	logs := r.logs.String()
	for _, path := range []string{"/__odmock/reset", "/__odmock/reload"} {
		if !regexp.MustCompile(`path=` + regexp.QuoteMeta(path) + ` status=403`).MatchString(logs) {
			t.Errorf("odmock's log has no 403 for the page's POST %s:\n%s", path, logs)
		}
	}
}
