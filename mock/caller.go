package mock

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strings"

	"github.com/odmock/odmock/contract"
)

// SessionHeader names the session a request belongs to. Call counters
// and per-session scenarios are kept per session, so parallel CI jobs
// against one server do not disturb each other.
const SessionHeader = "X-Odmock-Session"

// maxSessionLen bounds a session name a client chooses.
const maxSessionLen = 128

// caller is who sent a request, worked out once when it arrives: every
// part of the server that asks (validation, scenario rules, the rate
// limit, observers) reads it here.
type caller struct {
	// session is the X-Odmock-Session header, else a short hash of a
	// valid token (never the token itself), else "anonymous": an unknown
	// token names no session, so a client cannot grow state by sending
	// new ones.
	session string
	// token is the request's Bearer token, "" when it has none.
	token string
	// authenticated is set when token is one of the API tokens.
	authenticated bool
	// host is the client's address, without the port.
	host string
}

// identify works out who sent r, checking its token against tokens.
func identify(r *http.Request, tokens contract.TokenSet) caller {
	who := caller{token: contract.BearerToken(r.Header.Get("Authorization"))}
	who.authenticated = tokens.Has(who.token)
	switch s := strings.TrimSpace(r.Header.Get(SessionHeader)); {
	case s != "":
		if len(s) > maxSessionLen {
			s = s[:maxSessionLen]
		}
		who.session = s
	case who.authenticated:
		who.session = tokenSession(who.token)
	default:
		who.session = anonymousSession
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	who.host = host
	return who
}

// tokenSession names the session of a token without holding the token.
func tokenSession(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "token-" + hex.EncodeToString(sum[:6])
}

// Ways of keying the rate limit (Config.RateLimitBy).
const (
	// RateLimitByAddress keys by client address, as the real server's
	// throttle does: it runs before authentication, so every token from
	// one address shares the budget, and failed requests count.
	RateLimitByAddress = "address"
	// RateLimitByToken keys by valid token, else by address, as a
	// throttle after authentication would.
	RateLimitByToken = "token"
)

// rateKey is who a request counts against: its client address, or with
// RateLimitByToken its token when valid, else its address.
func (who caller) rateKey(by string) string {
	if by == RateLimitByToken && who.authenticated {
		return tokenSession(who.token)
	}
	return "ip-" + who.host
}
