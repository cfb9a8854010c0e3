package verify

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
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

// JUnit XML, as CI systems read it: one testsuite, one testcase per check.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// WriteJUnit writes the report as JUnit XML, one testcase per check, so CI
// systems show each check as a test.
func (r *Report) WriteJUnit(w io.Writer) error {
	suite := junitSuite{
		Name:     "odmock verify",
		Tests:    len(r.Checks),
		Failures: r.Count(CheckFail),
		Skipped:  r.Count(CheckSkip),
		Time:     seconds(r.Duration),
		Properties: []junitProperty{
			{"base_url", r.BaseURL},
			{"from", r.From.Format(time.DateTime)},
			{"to", r.To.Format(time.DateTime)},
			{"requests", strconv.Itoa(r.Requests)},
			{"retries", strconv.Itoa(r.Retries)},
		},
	}
	for _, c := range r.Checks {
		jc := junitCase{Name: c.Name, Classname: "odmock.verify", Time: seconds(c.Duration)}
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
			jc.Failure = &junitMessage{Message: msg, Type: "check", Text: text.String()}
		case CheckSkip:
			jc.Skipped = &junitMessage{Message: c.Reason}
		}
		suite.Cases = append(suite.Cases, jc)
	}
	doc := junitSuites{Name: "odmock verify", Tests: suite.Tests, Failures: suite.Failures, Skipped: suite.Skipped,
		Time: suite.Time, Suites: []junitSuite{suite}}
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
