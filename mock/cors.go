package mock

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Browser apps call odmock from another origin: a dev server on
// http://localhost:5173 calling http://127.0.0.1:8080. CORS lets them, but
// no more than the real server would (its 2022 config/cors.php: any
// origin as "*", no credentials, no exposed headers): a browser app that
// reads a header on odmock must be able to read it on the real API.
// Config.CORSOrigins narrows the origins (each then echoed);
// Config.CORSCredentials and Config.CORSExpose opt in to more, for those
// who know their deployment does the same. Every answer carries the
// headers, errors included, or a browser app could not read a 401's or a
// 422's body.

const (
	// corsAllowMethods is every method a browser may send; a method the
	// route does not serve then gets odmock's readable 405, not an opaque
	// CORS failure.
	corsAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
	// corsAllowHeaders are always allowed; a preflight's other requested
	// headers are allowed too.
	corsAllowHeaders = "Authorization, Content-Type, Accept, Prefer, X-Odmock-Session"
	// corsExposeHeaders are odmock's own headers, the only ones exposed by
	// default: the real server exposes none, and Retry-After or
	// X-RateLimit-* read here could not be read there. Every X-Odmock-*
	// header of an answer is added.
	corsExposeHeaders = "Preference-Applied"
	// corsMaxAge lets a browser cache a preflight for ten minutes.
	corsMaxAge = "600"
)

// corsPolicy says which origins may call, and what they may do.
type corsPolicy struct {
	any     bool
	origins map[string]bool
	// credentials allows cookies and HTTP auth (the origin is then
	// echoed, never "*"); off by default, as on the real server.
	credentials bool
	// expose is what Access-Control-Expose-Headers names before the
	// answer's X-Odmock-* headers.
	expose string
}

// newCORSPolicy checks and normalises the configured origins: none, or
// "*" among them, means any origin.
func newCORSPolicy(origins []string, credentials bool, expose []string) (corsPolicy, error) {
	p := corsPolicy{any: len(origins) == 0, origins: map[string]bool{}, credentials: credentials, expose: corsExposeHeaders}
	for _, name := range expose {
		if err := CheckExposeHeader(name); err != nil {
			return corsPolicy{}, err
		}
		if !containsFold(strings.Split(p.expose, ", "), name) {
			p.expose += ", " + name
		}
	}
	for _, o := range origins {
		if o == "*" {
			p.any = true
			continue
		}
		norm, err := normalizeOrigin(o)
		if err != nil {
			return corsPolicy{}, err
		}
		p.origins[norm] = true
	}
	return p, nil
}

// CheckExposeHeader reports whether name can be one of Config.CORSExpose:
// a header name.
func CheckExposeHeader(name string) error {
	if !isToken(name) {
		return fmt.Errorf("cors expose %q: want a header name, e.g. Retry-After", name)
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// CheckOrigin reports whether o can be one of Config.CORSOrigins: "*", or
// an origin as a browser sends it, scheme://host[:port].
func CheckOrigin(o string) error {
	if o == "*" {
		return nil
	}
	_, err := normalizeOrigin(o)
	return err
}

// normalizeOrigin checks that o is an origin as a browser sends it,
// scheme://host[:port], and lowercases it as browsers do.
func normalizeOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", fmt.Errorf("cors origin %q: want scheme://host[:port], e.g. http://localhost:5173", o)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "/") {
		return "", fmt.Errorf("cors origin %q: an origin is scheme://host[:port], without a path (try %s://%s)", o, u.Scheme, u.Host)
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}

func (p corsPolicy) allows(origin string) bool {
	return p.any || p.origins[strings.ToLower(origin)]
}

// cors answers preflights and adds CORS headers to every other answer from
// an allowed origin. It runs after routing, so a preflight to the API's
// path (which serves only GET and HEAD) is answered here, not as a 405.
func (p corsPolicy) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, w := c.Request(), c.Response()
		if isAdminPath(r.URL.Path) {
			return next(c) // never for another origin: see adminGuard
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !p.allows(origin) {
			return next(c) // no CORS headers: the browser blocks the answer
		}
		// "*" as the real server sends it, unless the answer depends on
		// the origin: a list of origins, or credentials ("*" forbids them).
		if p.any && !p.credentials {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		if p.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", allowedHeaders(r.Header.Values("Access-Control-Request-Headers")))
			h.Set("Access-Control-Max-Age", corsMaxAge)
			// A page on a public origin calling odmock on localhost: only
			// an origin named in Config.CORSOrigins, never any origin.
			if r.Header.Get("Access-Control-Request-Private-Network") == "true" && p.origins[strings.ToLower(origin)] {
				h.Set("Access-Control-Allow-Private-Network", "true")
			}
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		// The handler (or the error handler) adds its headers later;
		// expose them just before they are sent.
		w.Before(func() { h.Set("Access-Control-Expose-Headers", exposedHeaders(p.expose, h)) })
		return next(c)
	}
}

// allowedHeaders is corsAllowHeaders plus the other headers a preflight
// asked for, when they are valid header names.
func allowedHeaders(requested []string) string {
	out := corsAllowHeaders
	have := strings.ToLower(corsAllowHeaders)
	for _, list := range requested {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.TrimSpace(name)
			if name == "" || !isToken(name) || slices.Contains(strings.Split(have, ", "), strings.ToLower(name)) {
				continue
			}
			out += ", " + name
			have += ", " + strings.ToLower(name)
		}
	}
	return out
}

// exposedHeaders is expose plus the answer's X-Odmock-* headers.
func exposedHeaders(expose string, h http.Header) string {
	var own []string
	for name := range h {
		if strings.HasPrefix(name, "X-Odmock-") {
			own = append(own, name)
		}
	}
	slices.Sort(own)
	if len(own) == 0 {
		return expose
	}
	return expose + ", " + strings.Join(own, ", ")
}

// isToken reports whether s is an HTTP token (RFC 9110), as a header name
// must be.
func isToken(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}
