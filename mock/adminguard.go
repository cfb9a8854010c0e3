package mock

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// odmock's own API under /__odmock/ reads the journal (what clients
// asked), switches scenarios and wipes state. A web page the developer
// happens to open must not do any of that to the odmock on their machine:
// CORS lets pages call the API, never these paths. adminGuard refuses
//
//   - any request from another origin: an Origin header that is not the
//     server's own, or Sec-Fetch-Site other than same-origin or none (a
//     browser's <img>, <form> or no-cors fetch);
//   - a state-changing call that is a CORS "simple request", which a page
//     can send without asking (a POST: PUT and DELETE are always
//     preflighted): it must carry Content-Type: application/json, or an
//     Authorization or X-* header, which a browser would preflight;
//   - without an admin token, a Host that is neither an IP address, a
//     loopback name (localhost) nor the configured one: a page whose name
//     was rebound to 127.0.0.1 (DNS rebinding) is its own origin, and
//     only its Host gives it away. Health answers any Host, for probes.
//
// Its answers are 403 {"message": "odmock: ..."}, with no CORS headers: a
// page cannot even read why.
type adminGuard struct {
	checkHost  bool   // no admin token: the Host must be ours
	configured string // the configured listen host, lowercased
}

func newAdminGuard(cfg Config) adminGuard {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		host = cfg.Addr
	}
	return adminGuard{checkHost: cfg.AdminToken == "", configured: strings.ToLower(host)}
}

func (g adminGuard) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !isAdminPath(r.URL.Path) {
			return next(c)
		}
		if msg := g.refusal(r); msg != "" {
			// odmock's own path, not the API's: the contract says nothing
			// of it, so the answer is not marked as outside it.
			return messageReply(http.StatusForbidden, "odmock: "+msg)
		}
		return next(c)
	}
}

// refusal says why r may not use the admin API, "" when it may.
func (g adminGuard) refusal(r *http.Request) string {
	if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) {
		return "/__odmock/ answers no cross-origin request (Origin " + origin + ")"
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return "/__odmock/ answers no cross-origin request (Sec-Fetch-Site " + site + ")"
	}
	// PUT and DELETE are preflighted whatever they carry; with an admin
	// token, its Authorization header makes a POST non-simple too.
	if r.Method == http.MethodPost && g.checkHost && isSimpleRequest(r) {
		return "a POST to /__odmock/ needs Content-Type: application/json (or an X- header), so that no web page can send it"
	}
	if g.checkHost && r.URL.Path != HealthPath && !g.ownHost(r.Host) {
		return "Host " + r.Host + " is not this server's: call it as 127.0.0.1 or localhost, or set --admin-token"
	}
	return ""
}

// sameOrigin reports whether origin is http://host, the server's own.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && strings.EqualFold(u.Host, host)
}

// isSimpleRequest reports whether a browser would send r from any page
// without a preflight: no header beyond the CORS safelist, and a form's
// content type (or none).
func isSimpleRequest(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return false
	}
	for name := range r.Header {
		if strings.HasPrefix(name, "X-") {
			return false
		}
	}
	ct := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]))
	return ct != "application/json"
}

// ownHost reports whether a Host header names this server in a way a
// rebound name cannot: an IP address, a loopback name, or the configured
// host.
func (g adminGuard) ownHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	switch {
	case host == "":
		// No Host at all (HTTP/1.0): a browser always sends one, so this
		// is no page rebinding a name to us.
		return true
	case net.ParseIP(host) != nil:
		return true
	case host == "localhost" || strings.HasSuffix(host, ".localhost"):
		return true
	}
	return host == g.configured
}
