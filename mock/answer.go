package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
)

// reply is every answer odmock writes whole: the contract's errors (401,
// 422, 429), a scripted answer, a limit's 414 or 503, a usage error, and
// the admin API's answers. A handler returns an error answer as its error,
// and the error handler writes it; a 200 it sends. Both go through
// writeReply: the one place an answer other than the engine's streamed 200
// is written.
type reply struct {
	status  int
	body    []byte
	headers [][2]string // set under exactly these names
	// outside marks an answer the contract does not define, with
	// OutsideContractHeader.
	outside bool
	// headOnly drops the body (a HEAD request), keeping its length.
	headOnly bool
}

// Error describes the reply, for logs.
func (r *reply) Error() string { return fmt.Sprintf("answer %d", r.status) }

// messageReply is Laravel's {"message": msg} with a status.
func messageReply(status int, msg string) *reply {
	return &reply{status: status, body: contract.MessageBody(msg)}
}

// outsideReply answers an odmock usage error (a bad Prefer header, an
// unknown scenario), marked outside the contract.
func outsideReply(status int, msg string) *reply {
	return &reply{status: status, body: contract.MessageBody("odmock: " + msg), outside: true}
}

// jsonReply encodes v, for odmock's own API. Queries hold & and <: they
// stay readable, not \u0026.
func jsonReply(status int, v any) *reply {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return messageReply(http.StatusInternalServerError, "Server Error")
	}
	return &reply{status: status, body: []byte(strings.TrimSuffix(b.String(), "\n"))}
}

// OutsideContractHeader marks an answer the contract does not define: a
// scripted 500, a fault, an odmock usage error.
const OutsideContractHeader = "X-Odmock-Outside-Contract"

// writeReply writes a reply as Laravel writes JSON: whole, with its
// length.
func writeReply(c echo.Context, rep *reply) {
	w := c.Response()
	h := w.Header()
	contentType := "application/json"
	for _, kv := range rep.headers {
		if strings.EqualFold(kv[0], "Content-Type") {
			// A scripted answer outside the contract may be a proxy's
			// HTML page (the gateway-timeout scenario).
			contentType = kv[1]
			continue
		}
		setHeader(h, kv[0], kv[1])
	}
	ex := exchangeOf(c)
	ex.body = rep.body
	if rep.outside {
		ex.OutsideContract = true
		h.Set(OutsideContractHeader, "true")
	}
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache, private")
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(rep.status)
	if rep.headOnly || c.Request().Method == http.MethodHead {
		return
	}
	w.Write(rep.body) //nolint:errcheck // the client may be gone; nothing to do
}

// send writes a reply a handler chose to give, a 200 of the admin API
// for one; an error answer is returned instead, as the handler's error.
func send(c echo.Context, rep *reply) error {
	writeReply(c, rep)
	return nil
}

// setHeader sets a header under exactly the name given: Laravel sends
// X-RateLimit-Limit, not Go's canonical X-Ratelimit-Limit. Any other
// spelling of the name is replaced.
func setHeader(h http.Header, name, value string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
	h[name] = []string{value}
}

// replyFor turns any error a handler returns into the real server's
// answer: never Echo's default body, never HTML, never a Go error string.
func (s *Server) replyFor(err error, c echo.Context) *reply {
	var rep *reply
	if errors.As(err, &rep) {
		return rep
	}
	if status, body, ok := contract.ErrorAnswer(err); ok {
		return &reply{status: status, body: body}
	}
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		return messageReply(http.StatusNotFound, "The route "+laravelPath(c.Request())+" could not be found.")
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		// Laravel 9.43 and later (the platform's, REAL-API-NOTES S5) name
		// the route, as they do in the 404.
		allow := allowedMethods(c)
		rep := messageReply(http.StatusMethodNotAllowed,
			"The "+c.Request().Method+" method is not supported for route "+laravelPath(c.Request())+". Supported methods: "+allow+".")
		rep.headers = [][2]string{{"Allow", allow}}
		return rep
	case errors.As(err, &he):
		msg, ok := he.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(he.Code)
		}
		return messageReply(he.Code, msg)
	}
	s.log.Error("request", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	return messageReply(http.StatusInternalServerError, "Server Error")
}

// laravelPath is Laravel's $request->path(): no slash at either end, "/"
// for the root.
func laravelPath(r *http.Request) string {
	path := strings.Trim(r.URL.Path, "/")
	if path == "" {
		return "/"
	}
	return path
}

// handleError is Echo's error handler: every error becomes a reply.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	writeReply(c, s.replyFor(err, c))
}

// allowedMethods lists the methods the request's path answers, as the
// router found them, in Laravel's order (GET, HEAD, then the others).
// OPTIONS is left out: preflights are CORS's business, not the route's.
func allowedMethods(c echo.Context) string {
	found, _ := c.Get(echo.ContextKeyHeaderAllow).(string)
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, f := range strings.Split(found, ",") {
			if strings.TrimSpace(f) == m {
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		return "GET, HEAD"
	}
	return strings.Join(out, ", ")
}
