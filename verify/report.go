package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/odmock/odmock/internal/junit"
)

// WriteText writes the report for a person: one line per check, each
// failure under its check with its request, and a summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	how := "given"
	if r.Probed {
		how = "found by probing"
	}
	fmt.Fprintf(&b, "odmock verify %s\n", r.BaseURL)
	fmt.Fprintf(&b, "window: %s to %s UTC (%s)\n\n", r.From.Format(time.DateTime), r.To.Format(time.DateTime), how)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range r.Checks {
		note := c.Description
		if c.Status == CheckSkip {
			note = c.Reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(string(c.Status)), c.Name, note)
		if c.Status == CheckFail {
			tw.Flush()
			for _, f := range c.Failures {
				if f.Request != "" {
					fmt.Fprintf(&b, "      %s\n        %s\n", f.Request, f.Problem)
				} else {
					fmt.Fprintf(&b, "      %s\n", f.Problem)
				}
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(&b, "\n%d checks: %d passed, %d failed, %d skipped; %d requests (%d retried after 429) in %s\n",
		len(r.Checks), r.Count(CheckPass), r.Count(CheckFail), r.Count(CheckSkip),
		r.Requests, r.Retries, r.Duration.Round(time.Millisecond))
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := struct {
		*Report
		From       string  `json:"from"`
		To         string  `json:"to"`
		Passed     bool    `json:"passed"`
		DurationMS float64 `json:"duration_ms"`
	}{r, r.From.Format(time.DateTime), r.To.Format(time.DateTime), r.Passed(), float64(r.Duration.Microseconds()) / 1000}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// WriteJUnit writes the report as JUnit XML, one testcase per check, so CI
// systems show each check as a test.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := junit.Suite{
		Name:     "odmock verify",
		Tests:    len(r.Checks),
		Failures: r.Count(CheckFail),
		Skipped:  r.Count(CheckSkip),
		Time:     junit.Seconds(r.Duration),
		Properties: []junit.Property{
			{Name: "base_url", Value: r.BaseURL},
			{Name: "from", Value: r.From.Format(time.DateTime)},
			{Name: "to", Value: r.To.Format(time.DateTime)},
			{Name: "requests", Value: strconv.Itoa(r.Requests)},
			{Name: "retries", Value: strconv.Itoa(r.Retries)},
		},
	}
	for _, c := range r.Checks {
		jc := junit.Case{Name: c.Name, Classname: "odmock.verify", Time: junit.Seconds(c.Duration)}
		switch c.Status {
		case CheckFail:
			var text strings.Builder
			for _, f := range c.Failures {
				if f.Request != "" {
					text.WriteString(f.Request + "\n  ")
				}
				text.WriteString(f.Problem + "\n")
			}
			msg := c.Description
			if len(c.Failures) > 0 {
				msg = c.Failures[0].Problem
			}
			jc.Failure = &junit.Message{Message: msg, Type: "check", Text: text.String()}
		case CheckSkip:
			jc.Skipped = &junit.Message{Message: c.Reason}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	return junit.Write(w, junit.Suites{Name: "odmock verify", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junit.Suite{suite}})
}
