package contract

import (
	"errors"
	"slices"
	"strings"
)

// Check is one rule the contract applied to a query, in the order the real
// server applies them: each parameter's rules, then the filter names.
type Check struct {
	Param string `json:"param"`
	// Rule is the rule as Laravel would write it: required|date_format:...,
	// string, or the filter names allowed.
	Rule  string `json:"rule"`
	Given bool   `json:"given"`
	Value string `json:"value"` // as Laravel reads it: trimmed, the last of a repeated name
	// Passed is false when the rule failed, with the 422's messages;
	// Skipped is set for a rule the server never reached.
	Passed   bool     `json:"passed"`
	Skipped  bool     `json:"skipped"`
	Messages []string `json:"messages"`
}

// ExplainQuery lists the checks ValidateQuery makes of raw, with their
// outcome, and returns what ValidateQuery returns: the outcome of each
// check is read from ValidateQuery's own answer, so the two cannot differ.
func (c *Contract) ExplainQuery(raw string) ([]Check, Query, error) {
	q, err := c.ValidateQuery(raw)
	var ve *ValidationError
	if err != nil && !errors.As(err, &ve) {
		return nil, q, err
	}
	failed := map[string][]string{}
	filterFailed := false
	if ve != nil {
		for _, fe := range ve.Errors {
			failed[fe.Field] = fe.Messages
			filterFailed = filterFailed || fe.Kind == KindFilter
		}
	}
	params := ParseQuery(raw)
	fieldsFailed := ve != nil && !filterFailed
	var checks []Check
	for _, p := range c.params {
		raw, given := params.Get(p.Name)
		ch := Check{Param: p.Name, Given: given && raw.Value != "", Value: raw.Value, Messages: []string{}}
		var rules []string
		if p.Required {
			rules = append(rules, "required")
		}
		switch {
		case slices.Contains(c.dateParams, p.Name):
			rules = append(rules, "date_format:"+c.dateFormat)
		case p.Name == c.idParam:
			rules = append(rules, "string", "= the user's id")
		default:
			rules = append(rules, "string", "LIKE '%value%' on the user's "+p.Name)
		}
		if !p.Required {
			rules = append([]string{"nullable"}, rules...)
		}
		ch.Rule = strings.Join(rules, "|")
		msgs, bad := failed[p.Name]
		ch.Passed = !bad
		if bad {
			ch.Messages = msgs
		}
		checks = append(checks, ch)
	}
	names := Check{Param: "(filter names)", Rule: "only " + strings.Join(c.paramNames(), ", "), Passed: !filterFailed,
		Skipped: fieldsFailed, Messages: []string{}}
	var unknown []string
	for _, p := range params {
		if !c.HasParam(p.Name) {
			unknown = append(unknown, p.Name)
		}
	}
	names.Given, names.Value = len(unknown) > 0, strings.Join(unknown, ", ")
	if filterFailed {
		for _, fe := range ve.Errors {
			names.Messages = append(names.Messages, fe.Messages...)
		}
	}
	if fieldsFailed {
		names.Messages = []string{"not reached: the rules above failed first"}
	}
	return append(checks, names), q, err
}

// paramNames lists the query parameters, in the document's order.
func (c *Contract) paramNames() []string {
	out := make([]string, len(c.params))
	for i, p := range c.params {
		out[i] = p.Name
	}
	return out
}
