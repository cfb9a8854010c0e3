package dataset

import (
	"bytes"
	"strings"
)

// likeMatcher matches SQL's LIKE '%pattern%' in a case-insensitive
// collation: "%" is any run of characters, "_" any one character, and "\"
// escapes the next character. Values are compared lower-cased.
type likeMatcher struct {
	literal      string // the lower-cased pattern, when it has no wildcard
	literalBytes []byte
	glob         []likeRune // otherwise the compiled pattern, '%' at both ends
}

// likeRune is one element of a compiled pattern.
type likeRune struct {
	r    rune
	kind byte // 0 literal, '%' any run, '_' any one
}

func newLikeMatcher(pattern string) likeMatcher {
	p := strings.ToLower(pattern)
	if !strings.ContainsAny(p, `%_\`) {
		return likeMatcher{literal: p, literalBytes: []byte(p)}
	}
	glob := []likeRune{{kind: '%'}}
	escaped := false
	for _, r := range p {
		switch {
		case escaped:
			glob = append(glob, likeRune{r: r})
			escaped = false
		case r == '\\':
			escaped = true
		case r == '%' || r == '_':
			glob = append(glob, likeRune{kind: byte(r)})
		default:
			glob = append(glob, likeRune{r: r})
		}
	}
	if escaped { // a trailing backslash stands for itself
		glob = append(glob, likeRune{r: '\\'})
	}
	return likeMatcher{glob: append(glob, likeRune{kind: '%'})}
}

// matchBytes is match for a value in bytes.
func (m *likeMatcher) matchBytes(lower []byte) bool {
	if m.glob == nil {
		return bytes.Contains(lower, m.literalBytes)
	}
	return m.match(string(lower))
}

// match reports whether lower, an already lower-cased value, matches. The
// wildcard case backtracks only to the last "%", so it costs at most
// O(len(pattern) * len(value)) whatever the pattern.
func (m *likeMatcher) match(lower string) bool {
	if m.glob == nil {
		return strings.Contains(lower, m.literal)
	}
	s := []rune(lower)
	g := m.glob
	var gi, si int
	star, starS := -1, 0
	for si < len(s) {
		switch {
		case gi < len(g) && g[gi].kind == '%':
			star, starS = gi, si
			gi++
		case gi < len(g) && (g[gi].kind == '_' || g[gi].kind == 0 && g[gi].r == s[si]):
			gi++
			si++
		case star >= 0:
			starS++
			gi, si = star+1, starS
		default:
			return false
		}
	}
	for gi < len(g) && g[gi].kind == '%' {
		gi++
	}
	return gi == len(g)
}
