package contract

import (
	"slices"
	"time"
)

// ValidateQuery checks a request's raw query string against the contract
// and returns the query it asks for. The error is a *ValidationError, in
// the real server's order: the fields Laravel's rules cover (required,
// date format) first, then the names of the filters. The token is the
// caller's to check, before this (a 401 comes before any 422).
//
// The parameters, which are required, and their schemas come from
// openapi.yaml as kin-openapi parsed it; each value is checked by
// kin-openapi (Schema.VisitJSON). The parameter list is resolved once, at
// load, rather than per request by openapi3filter.ValidateRequest, whose
// own overhead was most of the cost of a request.
func (c *Contract) ValidateQuery(rawQuery string) (Query, error) {
	params := ParseQuery(rawQuery)
	ve := &ValidationError{Message: MsgInvalidData}

	// Report in the contract's order, one message per field.
	var q Query
	for _, p := range c.params {
		raw, given := params.Get(p.Name)
		date := slices.Index(c.dateParams, p.Name)
		isDate := date >= 0
		switch {
		case given && raw.Array && isDate:
			ve.add(KindFormat, p.Name, MsgDateFormat(p.Name, c.dateFormat))
		case given && raw.Array:
			ve.add(KindType, p.Name, MsgString(p.Name))
		case !given || raw.Value == "":
			if p.Required {
				ve.add(KindRequired, p.Name, MsgRequired(p.Name))
			}
		case p.Schema != nil && p.Schema.Value.VisitJSON(raw.Value) != nil:
			if isDate {
				ve.add(KindFormat, p.Name, MsgDateFormat(p.Name, c.dateFormat))
			} else {
				ve.add(KindFormat, p.Name, MsgInvalid(p.Name))
			}
		case isDate:
			// The pattern passed; Laravel's date_format also wants a real
			// date that formats back to the same text.
			t, err := time.Parse(c.dateLayout, raw.Value)
			var buf [32]byte
			if err != nil || string(t.AppendFormat(buf[:0], c.dateLayout)) != raw.Value {
				ve.add(KindFormat, p.Name, MsgDateFormat(p.Name, c.dateFormat))
				continue
			}
			if date == 0 {
				q.From = t
			} else {
				q.To = t
			}
		case p.Name == c.idParam:
			q.UserID = raw.Value
		default:
			q.Filters = append(q.Filters, Filter{Attribute: p.Name, Value: raw.Value})
		}
	}
	if len(ve.Errors) > 0 {
		return Query{}, ve
	}
	var unknown []string
	for _, p := range params {
		if _, ok := c.byName[p.Name]; !ok {
			unknown = append(unknown, p.Name)
		}
	}
	if len(unknown) > 0 {
		fe := &ValidationError{Message: MsgFilterNotAllowed(unknown[0])}
		for _, name := range unknown {
			fe.add(KindFilter, "filters."+name, MsgFilterNotAllowed(name))
		}
		return Query{}, fe
	}
	return q, nil
}
