package mock

import (
	"html"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
)

// A risk is something a client relies on that the real API may do
// differently: odmock answers it the page's way, and says so. Each API
// exchange carries the risks it took (journal, log, coverage), and
// `odmock coverage --forbid-risks` fails a CI run that took one.
const (
	// RiskAcceptJSON: the request has no Accept: application/json. The
	// real server answered such a client's 401 with a redirect to its
	// login page and its 422 with a redirect back (OpenDialog's 2022
	// tests); odmock answers JSON unless NonJSONClients is "redirect".
	RiskAcceptJSON = "accept-json"
	// RiskInvertedRange: from is after to. odmock answers {"data":[]};
	// the real server may answer 422 (its date rules are not public).
	RiskInvertedRange = "inverted-range"
	// RiskWideRange: more than 31 days. The real server loads the whole
	// range at once (no pagination) and may time out behind its proxy
	// (see the gateway-timeout scenario).
	RiskWideRange = "wide-range"
)

// wideRange is the span past which a range is a RiskWideRange.
const wideRange = 31 * 24 * time.Hour

// Risks lists every risk odmock names, in a fixed order.
func Risks() []string { return []string{RiskAcceptJSON, RiskInvertedRange, RiskWideRange} }

// Ways of answering a client that does not ask for JSON
// (Config.NonJSONClients).
const (
	// NonJSONAnswerJSON answers JSON whatever the client accepts, as the
	// page's examples (which send no Accept) expect.
	NonJSONAnswerJSON = "json"
	// NonJSONRedirect answers as the real server did: a 401 is a 302 to
	// /login, a 422 a 302 back (to the Referer, else the site's root).
	NonJSONRedirect = "redirect"
)

// wantsJSON is Laravel's $request->expectsJson(): an Accept whose first
// type is JSON, or an XMLHttpRequest that accepts anything.
func wantsJSON(r *http.Request) bool {
	accept := r.Header.Values("Accept")
	first := ""
	if len(accept) > 0 {
		first, _, _ = strings.Cut(accept[0], ",")
	}
	mt, _, _ := mime.ParseMediaType(strings.TrimSpace(first))
	if strings.Contains(mt, "/json") || strings.Contains(mt, "+json") {
		return true
	}
	ajax := r.Header.Get("X-Requested-With") == "XMLHttpRequest"
	return ajax && (len(accept) == 0 || mt == "*/*" || mt == "")
}

// requestRisks are the risks a request to the API takes; q is its query
// when it was valid.
func requestRisks(r *http.Request, q *contract.Query) []string {
	var out []string
	if !wantsJSON(r) {
		out = append(out, RiskAcceptJSON)
	}
	if q != nil {
		switch span := q.To.Sub(q.From); {
		case span < 0:
			out = append(out, RiskInvertedRange)
		case span > wideRange:
			out = append(out, RiskWideRange)
		}
	}
	return out
}

// redirectFor is the real server's answer to a client that does not ask
// for JSON, for an error that would be status: a 302 to the login page
// (401) or back (422); nil for any other status.
func redirectFor(c echo.Context, status int) *reply {
	r := c.Request()
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	root := scheme + "://" + r.Host
	var to string
	switch status {
	case http.StatusUnauthorized:
		to = root + "/login"
	case http.StatusUnprocessableEntity:
		to = r.Header.Get("Referer")
		if to == "" {
			to = root
		}
	default:
		return nil
	}
	// Symfony's RedirectResponse page, as Laravel sends it.
	u := html.EscapeString(to)
	body := `<!DOCTYPE html>
<html>
    <head>
        <meta charset="UTF-8" />
        <meta http-equiv="refresh" content="0;url='` + u + `'" />

        <title>Redirecting to ` + u + `</title>
    </head>
    <body>
        Redirecting to <a href="` + u + `">` + u + `</a>.
    </body>
</html>`
	return &reply{
		status:  http.StatusFound,
		body:    []byte(body),
		headers: [][2]string{{"Location", to}, {"Content-Type", "text/html; charset=UTF-8"}},
		outside: true,
	}
}
