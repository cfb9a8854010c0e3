package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/odmock/odmock/mock"
)

// coverageReport is what odmock coverage judged, for its JUnit report.
type coverageReport struct {
	base, session string
	counts        mock.CoverageCounts
	order         []string // the behaviours, in the contract's order
	required      []string
	forbidden     []string
}

// JUnit XML, the shape dashboards read (Jenkins, GitLab, GitHub's test
// reporters): one testsuite, one testcase per behaviour and per risk.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Properties []junitProperty `xml:"properties>property"`
		Cases      []junitCase     `xml:"testcase"`
	}
	junitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Failure   *junitMessage `xml:"failure"`
		Skipped   *junitMessage `xml:"skipped"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	junitMessage struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
	}
)

// writeCoverageJUnit writes the coverage as JUnit XML. A behaviour's case
// fails when it is required and was never exercised, and is skipped when
// it was never exercised and not required (a dashboard shows the gap
// without failing the build); a risk's case fails when the risk is
// forbidden and was taken.
func writeCoverageJUnit(w io.Writer, r coverageReport) error {
	suite := junitSuite{
		Name: "odmock coverage",
		Properties: []junitProperty{
			{"url", r.base}, {"session", r.session}, {"requests", strconv.Itoa(r.counts.Requests)},
		},
	}
	for _, b := range r.order {
		n := r.counts.Behaviours[b]
		c := junitCase{Name: b, Classname: "odmock.coverage.behaviour", SystemOut: fmt.Sprintf("%d requests exercised %s", n, b)}
		switch {
		case n > 0:
		case slices.Contains(r.required, b):
			c.Failure = &junitMessage{Message: "required, never exercised", Type: "coverage"}
		default:
			c.Skipped = &junitMessage{Message: "never exercised"}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, risk := range mock.Risks() {
		n := r.counts.Risks[risk]
		c := junitCase{Name: "risk:" + risk, Classname: "odmock.coverage.risk", SystemOut: fmt.Sprintf("%d requests took the risk %s", n, risk)}
		if n > 0 && slices.Contains(r.forbidden, risk) {
			c.Failure = &junitMessage{Message: fmt.Sprintf("forbidden risk taken by %d requests", n), Type: "risk"}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, c := range suite.Cases {
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Skipped != nil {
			suite.Skipped++
		}
	}
	doc := junitSuites{Name: "odmock coverage", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeCoverageMarkdown writes the coverage as a GitHub-flavoured
// Markdown table, for a CI job's summary ($GITHUB_STEP_SUMMARY).
func writeCoverageMarkdown(w io.Writer, r coverageReport) error {
	var b strings.Builder
	who := "all sessions"
	if r.session != "" {
		who = "session `" + r.session + "`"
	}
	fmt.Fprintf(&b, "### odmock coverage (%s, %d requests)\n\n", who, r.counts.Requests)
	b.WriteString("| behaviour | requests | |\n| --- | ---: | --- |\n")
	for _, name := range r.order {
		n := r.counts.Behaviours[name]
		note := ""
		switch {
		case n == 0 && slices.Contains(r.required, name):
			note = "❌ required, never exercised"
		case n == 0:
			note = "never exercised"
		case slices.Contains(r.required, name):
			note = "✅ required"
		}
		fmt.Fprintf(&b, "| `%s` | %d | %s |\n", name, n, note)
	}
	b.WriteString("\n| risk (what the real API may do differently) | requests | |\n| --- | ---: | --- |\n")
	for _, risk := range mock.Risks() {
		n := r.counts.Risks[risk]
		note := ""
		if n > 0 && slices.Contains(r.forbidden, risk) {
			note = "❌ forbidden"
		}
		fmt.Fprintf(&b, "| `%s` | %d | %s |\n", risk, n, note)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
