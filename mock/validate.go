package mock

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// validator checks requests against the contract with kin-openapi, then
// turns what it finds into the real server's answers.
type validator struct {
	c      *Contract
	tokens tokenSet
	opts   *openapi3filter.Options
}

func newValidator(c *Contract, tokens []string) *validator {
	v := &validator{c: c, tokens: newTokenSet(tokens)}
	v.opts = &openapi3filter.Options{
		MultiError: true,
		AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			if !v.tokens.check(in.RequestValidationInput.Request.Header.Get("Authorization")) {
				return ErrUnauthenticated
			}
			return nil
		},
	}
	return v
}

// validate checks a request for user interactions and returns its query.
// The error is ErrUnauthenticated or a *ValidationError, checked in the
// real server's order: the token, then the fields Laravel's rules cover
// (required, date format), then the names of the filters.
func (v *validator) validate(r *http.Request) (Query, error) {
	// The token first, as the real server does: a request without one
	// costs no more.
	if !v.tokens.check(r.Header.Get("Authorization")) {
		return Query{}, ErrUnauthenticated
	}
	params := parseQuery(r.URL.RawQuery)
	c := v.c

	// kin-openapi sees the query as Laravel does: last value wins, trimmed,
	// empty as absent. Arrays are left out and reported below.
	values := make(url.Values, len(params))
	var unknown []string
	for _, p := range params {
		if _, ok := c.byName[p.name]; !ok {
			unknown = append(unknown, p.name)
			continue
		}
		if !p.array && p.value != "" {
			values[p.name] = []string{p.value}
		}
	}
	// A GET has no body to read: never let validation read one.
	req := new(http.Request)
	*req = *r
	req.Body = http.NoBody
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:     req,
		QueryParams: values,
		Route:       c.route,
		Options:     v.opts,
	})

	ve := &ValidationError{Message: msgInvalidData}
	failed := map[string]bool{}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			var se *openapi3filter.SecurityRequirementsError
			if errors.As(e, &se) {
				return Query{}, ErrUnauthenticated
			}
			var re *openapi3filter.RequestError
			if errors.As(e, &re) && re.Parameter != nil {
				failed[re.Parameter.Name] = true
			}
		}
	} else if err != nil {
		var se *openapi3filter.SecurityRequirementsError
		if errors.As(err, &se) {
			return Query{}, ErrUnauthenticated
		}
		return Query{}, err
	}

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
		case failed[p.Name] && isDate:
			ve.add(KindFormat, p.Name, msgDateFormat(p.Name, c.dateFormat))
		case failed[p.Name]:
			ve.add(KindFormat, p.Name, "The "+p.Name+" is invalid.")
		case isDate:
			// The pattern passed; Laravel's date_format also wants a real
			// date that formats back to the same text.
			t, err := time.Parse(c.dateLayout, raw.value)
			if err != nil || t.Format(c.dateLayout) != raw.value {
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
