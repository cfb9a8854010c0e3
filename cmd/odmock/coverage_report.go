package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/odmock/odmock/internal/junit"
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

// writeCoverageJUnit writes the coverage as JUnit XML. A behaviour's case
// fails when it is required and was never exercised, and is skipped when
// it was never exercised and not required (a dashboard shows the gap
// without failing the build); a risk's case fails when the risk is
// forbidden and was taken.
func writeCoverageJUnit(w io.Writer, r coverageReport) error {
	suite := junit.Suite{
		Name: "odmock coverage",
		Properties: []junit.Property{
			{Name: "url", Value: r.base}, {Name: "session", Value: r.session}, {Name: "requests", Value: strconv.Itoa(r.counts.Requests)},
		},
	}
	for _, b := range r.order {
		n := r.counts.Behaviours[b]
		c := junit.Case{Name: b, Classname: "odmock.coverage.behaviour", SystemOut: fmt.Sprintf("%d requests exercised %s", n, b)}
		switch {
		case n > 0:
		case slices.Contains(r.required, b):
			c.Failure = &junit.Message{Message: "required, never exercised", Type: "coverage"}
		default:
			c.Skipped = &junit.Message{Message: "never exercised"}
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, risk := range mock.Risks() {
		n := r.counts.Risks[risk]
		c := junit.Case{Name: "risk:" + risk, Classname: "odmock.coverage.risk", SystemOut: fmt.Sprintf("%d requests took the risk %s", n, risk)}
		if n > 0 && slices.Contains(r.forbidden, risk) {
			c.Failure = &junit.Message{Message: fmt.Sprintf("forbidden risk taken by %d requests", n), Type: "risk"}
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
	return junit.Write(w, junit.Suites{Name: "odmock coverage", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Suites: []junit.Suite{suite}})
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
