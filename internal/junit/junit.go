// Package junit writes JUnit XML, the test report CI systems read
// (Jenkins, GitLab, GitHub's test reporters): test suites of test cases
// that passed, failed or were skipped. verify's report, odmock coverage
// and odmock record's self-check write it; it imports the standard
// library only.
package junit

import (
	"encoding/xml"
	"io"
	"strconv"
	"time"
)

// Suites is a JUnit document: its totals and its suites.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr,omitempty"` // Seconds; "" leaves it out
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is a suite of test cases, with properties that say what was run.
type Suite struct {
	Name       string     `xml:"name,attr"`
	Tests      int        `xml:"tests,attr"`
	Failures   int        `xml:"failures,attr"`
	Errors     int        `xml:"errors,attr"`
	Skipped    int        `xml:"skipped,attr"`
	Time       string     `xml:"time,attr,omitempty"`
	Properties []Property `xml:"properties>property"`
	Cases      []Case     `xml:"testcase"`
}

// Property is a name and its value.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Case is one test case: passed unless Failure or Skipped is set.
type Case struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr,omitempty"`
	Failure   *Message `xml:"failure"`
	Skipped   *Message `xml:"skipped"`
	SystemOut string   `xml:"system-out,omitempty"`
}

// Message is why a case failed or was skipped: a line, and the detail.
type Message struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Seconds is d as JUnit's time attributes give it: seconds, to the
// millisecond.
func Seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// Write writes doc as an XML document, indented, with a final newline.
func Write(w io.Writer, doc Suites) error {
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
