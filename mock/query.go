package mock

import (
	"strings"
	"time"
)

// Query is a validated request for user interactions.
type Query struct {
	From, To time.Time // inclusive bounds, UTC, second precision
	UserID   string    // exact user ID, or "" for every user
	Filters  []Filter  // all must match
}

// Filter is one attribute filter: the user's attribute must match the
// pattern as SQL's LIKE '%pattern%' does, ignoring case.
type Filter struct {
	Attribute string
	Value     string
}

// rawParam is one query parameter as PHP's parse_str reads it.
type rawParam struct {
	name  string
	value string
	array bool // name[]=v or name[key]=v: PHP makes an array of it
}

// parseQuery reads a raw query string the way PHP (and so Laravel) does:
// "+" is a space, a bad %-escape stays as it is, the last of repeated names
// wins, "." and " " in a name become "_", and name[...] makes an array.
// Laravel's TrimStrings and ConvertEmptyStringsToNull then apply: values are
// trimmed, and an empty one is treated as absent (null). Names keep the
// order of their first appearance, so errors list them as the client wrote
// them.
func parseQuery(raw string) []rawParam {
	var params []rawParam
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		name, array := phpName(phpUnescape(k))
		if name == "" {
			continue
		}
		p := rawParam{name: name, value: phpTrim(phpUnescape(v)), array: array}
		found := false
		for i := range params {
			if params[i].name == name {
				params[i] = p
				found = true
				break
			}
		}
		if !found {
			params = append(params, p)
		}
	}
	return params
}

// phpName applies PHP's rules for variable names in a query: leading spaces
// go, "." and " " become "_", and a "[" that opens a closed bracket starts
// an array subscript (a "[" that is never closed becomes "_").
func phpName(k string) (name string, array bool) {
	k = strings.TrimLeft(k, " ")
	if i := strings.IndexByte(k, '['); i > 0 {
		if strings.IndexByte(k[i:], ']') > 0 {
			return phpNameChars(k[:i]), true
		}
		k = k[:i] + "_" + k[i+1:]
	} else if i == 0 {
		return "", false
	}
	return phpNameChars(k), false
}

func phpNameChars(k string) string {
	if !strings.ContainsAny(k, ". ") {
		return k
	}
	return strings.Map(func(r rune) rune {
		if r == '.' || r == ' ' {
			return '_'
		}
		return r
	}, k)
}

// phpUnescape decodes like PHP's urldecode: "+" is a space and a "%" not
// followed by two hex digits is kept as it is, so no input is an error.
func phpUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// phpTrim trims what PHP's trim() does: space, \t, \n, \r, \0 and \v.
func phpTrim(s string) string {
	return strings.Trim(s, " \t\n\r\x00\x0b")
}

// likeMatcher matches SQL's LIKE '%pattern%' in a case-insensitive
// collation: "%" is any run of characters, "_" any one character, and "\"
// escapes the next character. Values are compared lower-cased.
type likeMatcher struct {
	literal string     // the lower-cased pattern, when it has no wildcard
	glob    []likeRune // otherwise the compiled pattern, '%' at both ends
}

// likeRune is one element of a compiled pattern.
type likeRune struct {
	r    rune
	kind byte // 0 literal, '%' any run, '_' any one
}

func newLikeMatcher(pattern string) likeMatcher {
	p := strings.ToLower(pattern)
	if !strings.ContainsAny(p, `%_\`) {
		return likeMatcher{literal: p}
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
