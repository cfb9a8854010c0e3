package record

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestLintPersonalData(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("clean.yaml", "users:\n  - id: a@example.com\n    attributes: {ip_address: 192.0.2.7, email: b@sub.example.org}\n")
	write("raw.json", "{\"email\":\"jane@acme.com\",\n\"ip\":\"81.2.69.160\",\n\"v6\":\"2001:db8::1 and 2a00:1450::1\",\n\"note\":\"Project Zebra\",\n\"url\":\"https:\\/\\/x.test\\/a\"}\n")
	write("notes.txt", "jane@acme.com") // not a fixture file: skipped
	found, err := LintPersonalData([]string{dir}, []string{"project zebra"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range found {
		got = append(got, f.String())
	}
	want := []*regexp.Regexp{
		regexp.MustCompile(`raw\.json:1: e-mail j\*\*\*@a\*\*\*\.c\*\*\* is outside`),
		regexp.MustCompile(`raw\.json:2: IP address 8\*\*\*\.2\.6\*\*\*\.1\*\*\* is outside`),
		regexp.MustCompile(`raw\.json:3: IP address 2\*\*\*:1\*\*\*::1 is outside`),
		regexp.MustCompile(`raw\.json:4: a value of the deny-list \(p\*\*\*\) appears`),
	}
	if len(got) != len(want) {
		t.Fatalf("findings:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i, re := range want {
		if !re.MatchString(got[i]) {
			t.Errorf("finding %d = %q, want %s", i, got[i], re)
		}
		if strings.Contains(got[i], "acme") || strings.Contains(got[i], "81.2.69") {
			t.Errorf("finding %q shows the value it found", got[i])
		}
	}
	// The shipped fixtures are clean.
	if found, err := LintPersonalData([]string{"../fixtures"}, nil); err != nil || len(found) > 0 {
		t.Errorf("shipped fixtures: %v %v", found, err)
	}
}

// TestUnknownAttributes: a page-faithful provider's answers carry the
// e-mail and nothing else of a user's attributes: without probing, the
// manifest says every other attribute is unknown, and a filter on one
// matches no one.
func TestUnknownAttributes(t *testing.T) {
	ts, _ := provider(t, nil)
	dir := filepath.Join(t.TempDir(), "rec")
	res, err := Record(context.Background(), options(ts, dir, testKey(1)))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if a := m.Attributes["email"]; a.Status != "observed" || a.WithValue == 0 || a.WithoutValue == 0 || a.Unknown != 0 {
		t.Errorf("email: %+v, want observed: known users' e-mails, anonymous users' nulls", a)
	}
	var want []string
	for _, a := range []string{"selected_scenario", "ip_address", "country", "browser_language", "os", "browser", "timezone", "platform"} {
		if s := m.Attributes[a]; s.Status != "unknown" || s.Unknown != m.Counts.Users {
			t.Errorf("%s: %+v, want unknown for all %d users", a, s, m.Counts.Users)
		}
		want = append(want, a)
	}
	if !slices.Equal(m.FiltersWithoutData, want) {
		t.Errorf("filters without data = %v, want %v", m.FiltersWithoutData, want)
	}
	h := serveDir(t, dir)
	for _, f := range []string{"ip_address", "country", "browser"} {
		if got := string(get(t, h, selfCheckToken, q("2024-01-01 00:00:00", "2024-01-06 23:59:59", f, "%"))); got != `{"data":[]}` {
			t.Errorf("filter on the unknown %s = %.200s, want no user", f, got)
		}
	}
	if got := string(get(t, h, selfCheckToken, q("2024-01-01 00:00:00", "2024-01-06 23:59:59", "email", "@"))); got == `{"data":[]}` {
		t.Error("a filter on the observed e-mail matches no one")
	}
}
