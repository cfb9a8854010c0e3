package contract

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

// Param is one query parameter as PHP's parse_str reads it.
type Param struct {
	Name  string
	Value string
	Array bool // name[]=v or name[key]=v: PHP makes an array of it
}

// Params are a query's parameters, in the order of their first
// appearance.
type Params []Param

// Get returns the parameter called name.
func (ps Params) Get(name string) (Param, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// ParseQuery reads a raw query string the way PHP (and so Laravel) does:
// "+" is a space, a bad %-escape stays as it is, the last of repeated names
// wins, "." and " " in a name become "_", and name[...] makes an array.
// Laravel's TrimStrings and ConvertEmptyStringsToNull then apply: values are
// trimmed, and an empty one is treated as absent (null). Names keep the
// order of their first appearance, so errors list them as the client wrote
// them.
func ParseQuery(raw string) Params {
	var params Params
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
		p := Param{Name: name, Value: phpTrim(phpUnescape(v)), Array: array}
		found := false
		for i := range params {
			if params[i].Name == name {
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
