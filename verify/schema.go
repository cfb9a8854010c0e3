package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/odmock/odmock/contract"
)

// checkSchema checks every answer of the run, 429s included.
func (v *verifier) checkSchema(ctx context.Context, res *CheckResult) {
	for _, r := range v.client.all {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://provider"+v.c.Path()+"?"+r.query, nil)
		if err != nil {
			res.fail(r, "build request: %v", err)
			continue
		}
		if err := v.c.ValidateResponse(ctx, req, r.status, r.header, r.body); err != nil {
			for _, p := range schemaProblems(err) {
				res.fail(r, "status %d breaks openapi.yaml: %s", r.status, p)
			}
		}
	}
}

// Drift checks one answer to GET path?rawQuery against the contract as
// the schema and fields:known checks do, and returns their findings, one
// line each, in their words: what a recorder reports when a provider
// drifts, without stopping.
func Drift(ctx context.Context, c *contract.Contract, rawQuery string, a Answer) []string {
	var out []string
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://provider"+c.Path()+"?"+rawQuery, nil)
	if err != nil {
		return []string{fmt.Sprintf("build request: %v", err)}
	}
	if err := c.ValidateResponse(ctx, req, a.Status, a.Header, a.Body); err != nil {
		for _, p := range schemaProblems(err) {
			out = append(out, fmt.Sprintf("status %d breaks openapi.yaml: %s", a.Status, p))
		}
	}
	var body any
	if s := responseSchema(c, a.Status); s != nil && json.Unmarshal(a.Body, &body) == nil {
		var found []string
		unknownFields(s, body, "", &found)
		for _, path := range found {
			out = append(out, fmt.Sprintf("field %s is not in openapi.yaml", path))
		}
	}
	return out
}

// schemaProblems turns kin-openapi's error into one short line per
// problem: where, what, and the value found, without the schema dump.
func schemaProblems(err error) []string {
	msg := err.Error()
	if msg == "status is not supported" {
		return []string{"the contract defines no such status for this operation"}
	}
	var out []string
	for _, part := range strings.Split(msg, "\n | ") {
		if i := strings.Index(part, "Error at "); i >= 0 {
			part = part[i+len("Error at "):]
		}
		head, rest, _ := strings.Cut(part, "\nSchema:")
		if _, value, ok := strings.Cut(rest, "\nValue:\n"); ok {
			head += " (found " + oneLine(value) + ")"
		}
		out = append(out, oneLine(head))
	}
	return out
}

// oneLine squeezes kin-openapi's multi-line errors into a short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// checkKnownFields looks for fields the contract does not name: JSON
// Schema lets them through, but a provider that sends them has moved on
// from the contract, and the mock with it should.
func (v *verifier) checkKnownFields(ctx context.Context, res *CheckResult) {
	reported := map[string]bool{}
	for _, r := range v.client.all {
		s := responseSchema(v.c, r.status)
		var body any
		if s == nil || json.Unmarshal(r.body, &body) != nil {
			continue // no schema to compare with, or not JSON: see schema
		}
		var found []string
		unknownFields(s, body, "", &found)
		for _, path := range found {
			if !reported[path] {
				reported[path] = true
				res.fail(r, "field %s is not in openapi.yaml", path)
			}
		}
	}
}

// responseSchema is the JSON schema of the operation's answer with status.
func responseSchema(c *contract.Contract, status int) *openapi3.Schema {
	ref := c.Route().Operation.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// unknownFields appends the paths of v's fields that s does not name, with
// user IDs and array indexes as *, so each kind of field is listed once.
func unknownFields(s *openapi3.Schema, v any, path string, out *[]string) {
	if s == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			switch ap := s.AdditionalProperties; {
			case s.Properties[k] != nil:
				unknownFields(s.Properties[k].Value, x[k], path+"/"+k, out)
			case ap.Schema != nil:
				unknownFields(ap.Schema.Value, x[k], path+"/*", out)
			case ap.Has != nil && *ap.Has:
				// free-form, as an interaction's data
			case len(s.Properties) > 0:
				p := path + "/" + k
				if !slices.Contains(*out, p) {
					*out = append(*out, p)
				}
			}
		}
	case []any:
		if s.Items != nil {
			for _, e := range x {
				unknownFields(s.Items.Value, e, path+"/*", out)
			}
		}
	}
}
