package contract

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
)

// ErrUnauthenticated is the reason for a 401: the request's API token is
// missing, not a Bearer token, or not one of the server's.
var ErrUnauthenticated = errors.New("unauthenticated")

// TokenSet holds accepted API tokens as SHA-256 sums, so every comparison
// has the same length and takes the same time.
type TokenSet struct {
	sums [][sha256.Size]byte
}

// NewTokenSet makes the set of the given tokens.
func NewTokenSet(tokens []string) TokenSet {
	var ts TokenSet
	for _, t := range tokens {
		ts.sums = append(ts.sums, sha256.Sum256([]byte(t)))
	}
	return ts
}

// BearerToken extracts the token from an Authorization header as Laravel's
// Request::bearerToken does: the text after the last "Bearer " (that exact
// case), up to a comma.
func BearerToken(header string) string {
	i := strings.LastIndex(header, "Bearer ")
	if i < 0 {
		return ""
	}
	t := header[i+len("Bearer "):]
	if j := strings.IndexByte(t, ','); j >= 0 {
		t = t[:j]
	}
	return t
}

// Has reports whether token is one of the set. Every accepted token is
// compared, whichever matches, so the time taken says nothing about which
// one did or how much of it.
func (ts TokenSet) Has(token string) bool {
	if token == "" {
		return false
	}
	sum := sha256.Sum256([]byte(token))
	ok := 0
	for i := range ts.sums {
		ok |= subtle.ConstantTimeCompare(sum[:], ts.sums[i][:])
	}
	return ok == 1
}
