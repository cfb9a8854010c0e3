package mock

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// Scenario and fixture files are user input: whatever they hold, loading
// them must not panic, and every problem must say where, as path:line.

func addFileSeeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func checkProblems(t *testing.T, name string, ps Problems) {
	t.Helper()
	for _, p := range ps {
		if p.Path != name || p.Line < 1 || p.Message == "" {
			t.Fatalf("problem without path:line: %q (path %q, line %d)", p.String(), p.Path, p.Line)
		}
		if strings.Contains(p.Message, "\n") {
			t.Fatalf("problem of more than one line: %q", p.String())
		}
	}
}

func FuzzScenarioFile(f *testing.F) {
	addFileSeeds(f, "../scenarios")
	f.Add([]byte("rules:\n  - match: {query: {user_id: {matches: \"^a\"}}, token: valid}\n    sequence: [{status: 401}, {delay: 1s-2s}]\n"))
	f.Add([]byte("rules: [{fixture: page-example, times: 2, after: 1, call: 3}]"))
	f.Add([]byte("&a [*a]"))
	c, err := contract.Default(f.Context())
	if err != nil {
		f.Fatal(err)
	}
	fixtures, _ := loadFixtureLibrary(c, embeddedSource("fixtures"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &scenarioLoader{c: c, fixtures: fixtures, scenFS: os.DirFS("../scenarios")}
		sc, ps := l.parseScenario("fuzz.yaml", "fuzz.yaml", data)
		checkProblems(t, "fuzz.yaml", ps)
		if len(ps) == 0 {
			for _, r := range sc.Rules {
				if len(r.answers) == 0 {
					t.Fatalf("rule %q loaded with no answer", r.Name)
				}
				for _, a := range r.answers {
					if a.scripted() && (a.status < 100 || a.status > 599) {
						t.Fatalf("status %d loaded", a.status)
					}
				}
			}
		}
	})
}

func FuzzFixtureFile(f *testing.F) {
	addFileSeeds(f, "../fixtures")
	f.Add([]byte("users:\n  - id: u\n    messages:\n      - {date: 2024-01-01T00:00:00+02:00, type: text, data: {a: [1, {b: null}]}}\n"))
	c, err := contract.Default(f.Context())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		users, ps := parseFixture(c, "fuzz.yaml", data)
		checkProblems(t, "fuzz.yaml", ps)
		if len(ps) > 0 {
			return
		}
		// What loads must index and answer, with valid JSON for any data.
		d, err := dataset.New(c, users)
		if err != nil {
			return // e.g. a duplicate id across users is NewDataset's to refuse
		}
		w := dataset.DefaultWindow()
		var sb strings.Builder
		if _, err := d.Query(Query{From: w.Start.AddDate(-100, 0, 0), To: w.End.AddDate(100, 0, 0)}).WriteTo(&sb); err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(sb.String()) || !jsonValid(sb.String()) {
			t.Fatalf("answer is not valid JSON: %.200s", sb.String())
		}
	})
}

func FuzzPrefer(f *testing.F) {
	for _, s := range []string{"scenario=slow", "code=401, delay=800ms", `scenario="a b"; x=1, fault=reset`, "return=minimal", "code=", "delay=-1s", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		p, err := parsePrefer([]string{header})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Prefer: ") {
				t.Fatalf("error %q does not say it is about Prefer", err)
			}
			return
		}
		if p.Code != 0 && !preferCode(p.Code) || p.Delay < 0 {
			t.Fatalf("accepted %q as %+v", header, p)
		}
		switch p.Fault {
		case "", faultReset, faultEmpty, faultTruncate:
		default:
			t.Fatalf("accepted fault %q", p.Fault)
		}
	})
}

func jsonValid(s string) bool { return json.Valid([]byte(s)) }
