package mock

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
)

// ErrUnauthenticated is the reason for a 401: the request's API token is
// missing, not a Bearer token, or not one of the server's.
var ErrUnauthenticated = errors.New("unauthenticated")

// tokenSet holds the accepted API tokens as SHA-256 sums, so every
// comparison has the same length and takes the same time.
type tokenSet struct {
	sums [][sha256.Size]byte
}

func newTokenSet(tokens []string) tokenSet {
	var ts tokenSet
	for _, t := range tokens {
		ts.sums = append(ts.sums, sha256.Sum256([]byte(t)))
	}
	return ts
}

// bearerToken extracts the token from an Authorization header as Laravel's
// Request::bearerToken does: the text after the last "Bearer " (that exact
// case), up to a comma.
func bearerToken(header string) string {
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

// check reports whether the Authorization header carries an accepted
// token. Every accepted token is compared, whichever matches, so the time
// taken says nothing about which one did or how much of it.
func (ts tokenSet) check(authorization string) bool {
	t := bearerToken(authorization)
	if t == "" {
		return false
	}
	sum := sha256.Sum256([]byte(t))
	ok := 0
	for i := range ts.sums {
		ok |= subtle.ConstantTimeCompare(sum[:], ts.sums[i][:])
	}
	return ok == 1
}
