package dataset

import (
	"strings"
	"testing"

	"github.com/odmock/odmock/internal/liketest"
)

// likeReference is LIKE '%pattern%' in a case-insensitive collation, done
// another way: both sides lower-cased as the dataset does, the pattern
// translated into an anchored regexp (RE2: linear, whatever the pattern).
func likeReference(pattern, value string) bool {
	return liketest.Regexp(pattern).MatchString(strings.ToLower(value))
}

// FuzzLike checks the LIKE matcher against likeReference.
func FuzzLike(f *testing.F) {
	for _, s := range [][2]string{
		{"chrome", "Chrome 120.0.0"},
		{"%", ""},
		{"_", ""},
		{"a_c", "xabcx"},
		{"a%c", "ac"},
		{`100\%`, "100%"},
		{`100\%`, "1000"},
		{`\_`, "a_b"},
		{`\`, `a\b`},
		{`a\`, `a\`},
		{"%%__%%", "ab"},
		{"é", "CAFÉ"},
		{"K", "\u212a"}, // the Kelvin sign lower-cases to k
		{"ǅ", "ǆ"},
		{"\xff", "\xfe"},
		{"%a%b%c", "aXbXc"},
		{"a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, value string) {
		if len(pattern) > 512 || len(value) > 4096 {
			return // the regexp would outgrow RE2's program size; nothing new there
		}
		m := newLikeMatcher(pattern)
		got := m.match(strings.ToLower(value))
		if want := likeReference(pattern, value); got != want {
			t.Errorf("LIKE %q on %q = %v, want %v", pattern, value, got, want)
		}
	})
}

// TestLikeHostilePatterns: patterns that make a backtracking matcher take
// exponential time, on long values. The matcher backtracks only to the
// last %, so these take well under a second together; an exponential one
// would run past the test's timeout. (likeReference, RE2, takes seconds
// on them, so the answers are written out.)
func TestLikeHostilePatterns(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 100_000)
	tests := []struct {
		pattern, value string
		want           bool
	}{
		{strings.Repeat("%a", 60) + "b", long, false},
		{strings.Repeat("%_", 60) + "b", long, false},
		{strings.Repeat("a%", 60) + "%b", long, false},
		{strings.Repeat("%a_", 30) + "%", long, true},
		{strings.Repeat("%", 1000) + "b", long, false},
		{strings.Repeat("_", 2000), long[:1999], false},
		{strings.Repeat("_", 2000), long[:2000], true},
		{strings.Repeat("%aa", 40) + "c", long + "c", true},
		{strings.Repeat("%aa", 40) + "c", "c" + long, false},
	}
	for _, tt := range tests {
		m := newLikeMatcher(tt.pattern)
		if got := m.match(tt.value); got != tt.want {
			t.Errorf("LIKE %.20q... (%d bytes) on %d bytes = %v, want %v", tt.pattern, len(tt.pattern), len(tt.value), got, tt.want)
		}
	}
}
