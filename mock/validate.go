package mock

import (
	"net/http"
	"slices"
	"time"
)

// validator checks requests against the contract, then turns what it
// finds into the real server's answers. The parameters, which are
// required, and their schemas come from openapi.yaml as kin-openapi parsed
// it; each value is checked by kin-openapi (Schema.VisitJSON). The route
// and the parameter list are resolved once, at load, rather than per
// request by openapi3filter.ValidateRequest, whose own overhead was most
// of the cost of a request.
type validator struct {
	c      *Contract
	tokens tokenSet
}

func newValidator(c *Contract, tokens []string) *validator {
	return &validator{c: c, tokens: newTokenSet(tokens)}
}

// validate checks a request for user interactions and returns its query.
// The error is ErrUnauthenticated or a *ValidationError, checked in the
// real server's order: the token (the contract's bearer scheme), then the
// fields Laravel's rules cover (required, date format), then the names of
// the filters.
func (v *validator) validate(r *http.Request) (Query, error) {
	if !v.tokens.check(r.Header.Get("Authorization")) {
		return Query{}, ErrUnauthenticated
	}
	params := parseQuery(r.URL.RawQuery)
	c := v.c
	ve := &ValidationError{Message: msgInvalidData}

	// Report in the contract's order, one message per field.
	var q Query
	for _, p := range c.params {
		raw, given := findParam(params, p.Name)
		date := slices.Index(c.dateParams, p.Name)
		isDate := date >= 0
		switch {
		case given && raw.array && isDate:
			ve.add(KindFormat, p.Name, msgDateFormat(p.Name, c.dateFormat))
		case given && raw.array:
			ve.add(KindType, p.Name, msgString(p.Name))
		case !given || raw.value == "":
			if p.Required {
				ve.add(KindRequired, p.Name, msgRequired(p.Name))
			}
		case p.Schema != nil && p.Schema.Value.VisitJSON(raw.value) != nil:
			if isDate {
				ve.add(KindFormat, p.Name, msgDateFormat(p.Name, c.dateFormat))
			} else {
				ve.add(KindFormat, p.Name, "The "+p.Name+" is invalid.")
			}
		case isDate:
			// The pattern passed; Laravel's date_format also wants a real
			// date that formats back to the same text.
			t, err := time.Parse(c.dateLayout, raw.value)
			var buf [32]byte
			if err != nil || string(t.AppendFormat(buf[:0], c.dateLayout)) != raw.value {
				ve.add(KindFormat, p.Name, msgDateFormat(p.Name, c.dateFormat))
				continue
			}
			if date == 0 {
				q.From = t
			} else {
				q.To = t
			}
		case p.Name == c.idParam:
			q.UserID = raw.value
		default:
			q.Filters = append(q.Filters, Filter{Attribute: p.Name, Value: raw.value})
		}
	}
	if len(ve.Errors) > 0 {
		return Query{}, ve
	}
	var unknown []string
	for _, p := range params {
		if _, ok := c.byName[p.name]; !ok {
			unknown = append(unknown, p.name)
		}
	}
	if len(unknown) > 0 {
		fe := &ValidationError{Message: msgFilterNotAllowed(unknown[0])}
		for _, name := range unknown {
			fe.add(KindFilter, "filters."+name, msgFilterNotAllowed(name))
		}
		return Query{}, fe
	}
	return q, nil
}

func findParam(params []rawParam, name string) (rawParam, bool) {
	for _, p := range params {
		if p.name == name {
			return p, true
		}
	}
	return rawParam{}, false
}
