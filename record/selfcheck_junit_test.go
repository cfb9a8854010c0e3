package record

import (
	"bytes"
	"encoding/xml"
	"testing"
)

// TestSelfCheckJUnit: a testcase per exchange and probe, failed where the
// replay differed, in the JUnit document the other reports write.
func TestSelfCheckJUnit(t *testing.T) {
	t.Parallel()
	bad := Mismatch{Seq: 2, Query: "from=a&to=b", Problem: "byte 10: got 1, recorded 2"}
	sc := &SelfCheck{Exchanges: 2, Probes: 1, Mismatches: []Mismatch{bad}, results: []Mismatch{
		{Seq: 1, Query: "from=a&to=b&user_id=u"}, bad, {Seq: 3, Probe: true, Query: "from=a&to=b&browser=chrome"},
	}}
	var b bytes.Buffer
	if err := sc.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Tests int    `xml:"tests,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || len(doc.Suites) != 1 || doc.Suites[0].Name != "odmock record self-check" || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("report:\n%s", b.String())
	}
	cs := doc.Suites[0].Cases
	if cs[0].Name != "exchange 1: GET ?from=a&to=b&user_id=u" || cs[0].Failure != nil ||
		cs[2].Name != "probe 3: GET ?from=a&to=b&browser=chrome" || cs[2].Failure != nil {
		t.Errorf("passing cases: %+v", cs)
	}
	if f := cs[1].Failure; f == nil || f.Message != "replay differs from the recording" || f.Text != bad.Problem {
		t.Errorf("the failed exchange: %+v", cs[1])
	}
}
