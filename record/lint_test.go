package record

import (
	"context"
	"net/http"
	"net/http/httptest"
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

// TestUnknownAttributes: an attribute the provider does not return is
// unknown: the manifest says so, and a filter on it matches no one.
func TestUnknownAttributes(t *testing.T) {
	strip := regexp.MustCompile(`,"ip_address":(?:"[^"]*"|null)`)
	ts, _ := provider(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			w.Write(strip.ReplaceAll(rec.Body.Bytes(), nil))
		})
	})
	dir := filepath.Join(t.TempDir(), "rec")
	res, err := Record(context.Background(), options(ts, dir, testKey(1)))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	if a := m.Attributes["ip_address"]; a.Status != "unknown" || a.Unknown != m.Counts.Users {
		t.Errorf("ip_address: %+v, want unknown for all %d users", a, m.Counts.Users)
	}
	if !slices.Contains(m.FiltersWithoutData, "ip_address") || slices.Contains(m.FiltersWithoutData, "country") {
		t.Errorf("filters without data = %v, want ip_address and not country", m.FiltersWithoutData)
	}
	h := serveDir(t, dir)
	if got := string(get(t, h, selfCheckToken, q("2024-01-01 00:00:00", "2024-01-06 23:59:59", "ip_address", "."))); got != `{"data":[]}` {
		t.Errorf("filter on an unknown attribute = %.200s, want no user", got)
	}
	if got := string(get(t, h, selfCheckToken, q("2024-01-01 00:00:00", "2024-01-06 23:59:59", "country", "a"))); got == `{"data":[]}` {
		t.Error("a filter on an observed attribute matches no one")
	}
}
