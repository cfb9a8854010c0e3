package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// junitDoc is what a JUnit reader takes from odmock coverage --format junit.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct{} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestCoverageJUnit checks odmock coverage --format junit: one testcase
// per behaviour and per risk, failed when required and never exercised
// or when a forbidden risk was taken, and the same exit status as text.
func TestCoverageJUnit(t *testing.T) {
	r := startRun(t, "--users", "20")
	h := http.Header{"Authorization": {"Bearer odmock-dev-token"}, "X-Odmock-Session": {"ci"}}
	send(t, http.MethodGet, r.url+apiPath+january, h)
	send(t, http.MethodGet, r.url+apiPath+january+"&nope=1", h)

	var stdout bytes.Buffer
	err := run(context.Background(), []string{"coverage", "--url", r.url, "--session", "ci", "--format", "junit",
		"--require", "data,invalid:filter,empty", "--forbid-risks", "accept-json"}, &stdout, &bytes.Buffer{})
	if code := exitCode(err); code != 1 {
		t.Fatalf("coverage --format junit with a gap: exit %d (%v), want 1", code, err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("not JUnit XML: %v\n%s", err, stdout.String())
	}
	if len(doc.Suites) != 1 || doc.Suites[0].Name != "odmock coverage" {
		t.Fatalf("want one testsuite named odmock coverage:\n%s", stdout.String())
	}
	cases := map[string]string{}
	for _, c := range doc.Suites[0].Cases {
		switch {
		case c.Failure != nil:
			cases[c.Name] = "failed: " + c.Failure.Message
		case c.Skipped != nil:
			cases[c.Name] = "skipped"
		default:
			cases[c.Name] = "passed"
		}
	}
	for name, want := range map[string]string{
		"data":             "passed",
		"invalid:filter":   "passed",
		"empty":            "failed: required, never exercised",
		"user_id":          "skipped",
		"risk:accept-json": "failed: forbidden risk taken by 2 requests",
		"risk:wide-range":  "passed",
		"filter:browser":   "skipped",
	} {
		if cases[name] != want {
			t.Errorf("testcase %s: %q, want %q", name, cases[name], want)
		}
	}
	if doc.Tests != len(cases) || doc.Failures != 2 {
		t.Errorf("testsuites tests=%d failures=%d, want %d and 2", doc.Tests, doc.Failures, len(cases))
	}

	stdout.Reset()
	if err := run(context.Background(), []string{"coverage", "--url", r.url, "--session", "ci", "--format", "junit", "--require", "data"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Errorf("coverage --format junit, requirement met: %v", err)
	}
	if err := xml.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.Failures != 0 {
		t.Errorf("requirement met: %d failures (%v), want 0\n%s", doc.Failures, err, stdout.String())
	}
}

// TestJournalCommand reads the journal through odmock journal, as JSON
// and as HAR, to standard output and to a file.
func TestJournalCommand(t *testing.T) {
	r := startRun(t, "--users", "5")
	h := http.Header{"Authorization": {"Bearer odmock-dev-token"}, "X-Odmock-Session": {"ci"}}
	send(t, http.MethodGet, r.url+apiPath+january, h)
	send(t, http.MethodGet, r.url+apiPath, h)
	send(t, http.MethodGet, r.url+apiPath+january, http.Header{"X-Odmock-Session": {"other"}})

	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"journal", "--url", r.url, "--session", "ci"}, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Entries []struct{ Status int }
	}
	if err := json.Unmarshal(stdout.Bytes(), &j); err != nil || len(j.Entries) != 2 || j.Entries[1].Status != 422 {
		t.Errorf("odmock journal --session ci = %s (%v), want 2 entries, the second a 422", stdout.String(), err)
	}

	out := filepath.Join(t.TempDir(), "odmock.har")
	// The journal's own URL works as --url too.
	if err := run(context.Background(), []string{"journal", "--url", r.url + "/__odmock/journal", "--har", "--limit", "2", "-o", out}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string
			Entries []struct {
				Request  struct{ URL string }
				Response struct{ Status int }
			}
		}
	}
	if err := json.Unmarshal(b, &har); err != nil || har.Log.Version != "1.2" || len(har.Log.Entries) != 2 ||
		har.Log.Entries[1].Response.Status != 401 || !strings.HasPrefix(har.Log.Entries[0].Request.URL, r.url+apiPath) {
		t.Errorf("odmock journal --har --limit 2 = %s (%v), want HAR 1.2 with the newest 2 requests", b, err)
	}

	for _, args := range [][]string{{"journal", "--url", "localhost:1"}, {"journal", "--limit", "-1"}, {"journal", "extra"}} {
		if code := exitCode(run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
