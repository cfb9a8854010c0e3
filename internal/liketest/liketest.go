// Package liketest is a reference for SQL's LIKE '%v%' in a
// case-insensitive collation, for tests: a second implementation,
// through RE2, that the engine's matcher (package dataset) is checked
// against. It is for tests only; no product code imports it.
package liketest

import (
	"regexp"
	"strings"
)

// Regexp translates LIKE '%v%' ("%" any run, "_" any one character, "\"
// escaping the next) into an anchored regexp over lower-cased text, as
// the dataset compares. Match it against strings.ToLower(value).
func Regexp(v string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^.*`)
	rs := []rune(strings.ToLower(v))
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`.*$`)
	return regexp.MustCompile(b.String())
}
