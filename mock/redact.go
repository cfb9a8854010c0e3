package mock

import (
	"net/url"
	"slices"
	"strings"

	"github.com/odmock/odmock/contract"
)

// redacted replaces a secret in a query string.
const redacted = "REDACTED"

// Parts of query parameter names whose values are secret (see secretName):
// the API takes its token in a header, but a client may also send it as
// Laravel's api_token or an access_token; it is kept out of logs and the
// journal all the same.

// minTokenInText is the shortest token looked for inside longer text; a
// shorter one is redacted only where it is a whole value.
const minTokenInText = 8

// redactQuery returns the raw query with the values of secret-looking
// parameters, and any parameter holding one of tokens, replaced by
// REDACTED. Everything else is left byte for byte as sent.
func redactQuery(raw string, tokens []string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	changed := false
	for i, p := range parts {
		name, value, hasValue := strings.Cut(p, "=")
		switch {
		case holdsToken(name, tokens):
			parts[i], changed = redacted, true
		case hasValue && value != redacted && (secretName(name) || holdsToken(value, tokens)):
			parts[i], changed = name+"="+redacted, true
		}
	}
	if !changed {
		return raw
	}
	return strings.Join(parts, "&")
}

func secretName(name string) bool {
	n := strings.ToLower(unescapeQuery(name))
	for _, s := range [...]string{"token", "secret", "password", "passwd", "key", "auth", "credential", "signature"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// holdsToken reports whether s, decoded, is one of tokens or contains one
// long enough to be told apart from ordinary text.
func holdsToken(s string, tokens []string) bool {
	d := unescapeQuery(s)
	for _, t := range tokens {
		if t == "" {
			continue
		}
		if d == t || s == t || len(t) >= minTokenInText && (strings.Contains(d, t) || strings.Contains(s, t)) {
			return true
		}
	}
	return false
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// redactErrors returns errs with any of tokens in a field or a message
// replaced by REDACTED: an unknown filter's name is in both, and a client
// may send its token as a name. errs itself is left as it is.
func redactErrors(errs []contract.FieldErrors, tokens []string) []contract.FieldErrors {
	var out []contract.FieldErrors
	for i, fe := range errs {
		red := contract.FieldErrors{Field: redactText(fe.Field, tokens), Kind: fe.Kind}
		for _, m := range fe.Messages {
			red.Messages = append(red.Messages, redactText(m, tokens))
		}
		if out == nil && (red.Field != fe.Field || !slices.Equal(red.Messages, fe.Messages)) {
			out = append(make([]contract.FieldErrors, 0, len(errs)), errs[:i]...)
		}
		if out != nil {
			out = append(out, red)
		}
	}
	if out == nil {
		return errs
	}
	return out
}

// redactText replaces the tokens in s: a long one anywhere, a short one
// only where it stands alone as a name ('token' or filters.token).
func redactText(s string, tokens []string) string {
	for _, t := range tokens {
		switch {
		case t == "":
		case len(t) >= minTokenInText:
			s = strings.ReplaceAll(s, t, redacted)
		case s == "filters."+t:
			s = "filters." + redacted
		default:
			s = strings.ReplaceAll(s, "'"+t+"'", "'"+redacted+"'")
		}
	}
	return s
}
