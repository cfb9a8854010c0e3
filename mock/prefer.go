package mock

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// preferences are what a request asks of odmock in its Prefer headers
// (RFC 7240): `Prefer: scenario=slow`, `code=401`, `delay=800ms`,
// `fault=reset`. They are headers because every unknown query parameter
// is a 422 by contract. Preferences odmock does not know are ignored, as
// RFC 7240 asks; a known one with a bad value is an error.
type preferences struct {
	Scenario string
	Code     int
	Delay    time.Duration
	Fault    string
	NonJSON  string // NonJSONAnswerJSON or NonJSONRedirect; "" for the server's
	// Applied lists the preferences honoured, for Preference-Applied.
	Applied []string
}

// preferCode reports whether Prefer: code= can ask for a status: the
// contract's error answers, with their example bodies.
func preferCode(code int) bool {
	switch code {
	case http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests:
		return true
	}
	return false
}

// parsePrefer reads every Prefer header of a request.
func parsePrefer(headers []string) (preferences, error) {
	var p preferences
	for _, h := range headers {
		for _, item := range strings.Split(h, ",") {
			// A preference's own parameters follow ";": odmock has none.
			item, _, _ = strings.Cut(item, ";")
			name, value, _ := strings.Cut(strings.TrimSpace(item), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			value = strings.Trim(strings.TrimSpace(value), `"`)
			switch name {
			case "scenario":
				if value == "" {
					return p, fmt.Errorf("Prefer: scenario= needs a name")
				}
				p.Scenario = value
			case "code":
				code, err := strconv.Atoi(value)
				if err != nil || !preferCode(code) {
					return p, fmt.Errorf("Prefer: code=%s: want 401, 422 or 429", value)
				}
				p.Code = code
			case "delay":
				d, err := time.ParseDuration(value)
				if err != nil || d < 0 || d > 5*time.Minute {
					return p, fmt.Errorf("Prefer: delay=%s: want a duration up to 5m, like 800ms", value)
				}
				p.Delay = d
			case "non-json":
				if value != NonJSONAnswerJSON && value != NonJSONRedirect {
					return p, fmt.Errorf("Prefer: non-json=%s: want json or redirect", value)
				}
				p.NonJSON = value
			case "fault":
				if !isFault(value) {
					return p, fmt.Errorf("Prefer: fault=%s: want reset, empty or truncate", value)
				}
				p.Fault = value
			default:
				continue
			}
			// The last of one name wins: it alone is applied.
			p.Applied = slices.DeleteFunc(p.Applied, func(a string) bool { return strings.HasPrefix(a, name+"=") })
			p.Applied = append(p.Applied, name+"="+value)
		}
	}
	return p, nil
}

// without drops the preference name from Applied: another overrode it.
func (p *preferences) without(name string) {
	p.Applied = slices.DeleteFunc(p.Applied, func(a string) bool { return strings.HasPrefix(a, name+"=") })
}
