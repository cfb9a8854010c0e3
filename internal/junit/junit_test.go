package junit

import (
	"strings"
	"testing"
	"time"
)

// TestWrite: the document CI systems read, attributes left out when
// empty, failures and skips with their messages.
func TestWrite(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	err := Write(&b, Suites{Name: "n", Tests: 3, Failures: 1, Skipped: 1, Suites: []Suite{{
		Name: "n", Tests: 3, Failures: 1, Skipped: 1, Time: Seconds(1500 * time.Millisecond),
		Properties: []Property{{Name: "url", Value: "http://x"}},
		Cases: []Case{
			{Name: "a", Classname: "c", SystemOut: "fine"},
			{Name: "b", Classname: "c", Failure: &Message{Message: "m", Type: "t", Text: "detail <1>"}},
			{Name: "d", Classname: "c", Skipped: &Message{Message: "never"}},
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="n" tests="3" failures="1" skipped="1">
  <testsuite name="n" tests="3" failures="1" errors="0" skipped="1" time="1.500">
    <properties>
      <property name="url" value="http://x"></property>
    </properties>
    <testcase name="a" classname="c">
      <system-out>fine</system-out>
    </testcase>
    <testcase name="b" classname="c">
      <failure message="m" type="t">detail &lt;1&gt;</failure>
    </testcase>
    <testcase name="d" classname="c">
      <skipped message="never"></skipped>
    </testcase>
  </testsuite>
</testsuites>
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
