package contract

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ReadValidationBody reads a 422 body written by hand (a scenario's, or
// the contract's example) into its field errors, in the body's order,
// each with the Kind the real server's rule would have: a "filters.NAME"
// field is KindFilter; a query parameter's message is KindRequired or
// KindType when it is that rule's text, else KindFormat; a field the
// contract does not know has no Kind. ok is false when the body is not a
// 422 body ({"message": ..., "errors": {field: [messages...]}}).
//
// It lets a scripted 422 be observed as what it is, as an engine's is.
func (c *Contract) ReadValidationBody(body []byte) (errs []FieldErrors, ok bool) {
	var top struct {
		Errors json.RawMessage `json:"errors"`
	}
	if json.Unmarshal(body, &top) != nil || len(top.Errors) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(top.Errors))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		field, _ := t.(string)
		var msgs []string
		if err := dec.Decode(&msgs); err != nil {
			return nil, false
		}
		errs = append(errs, FieldErrors{Field: field, Messages: msgs, Kind: c.kindOf(field, msgs)})
	}
	return errs, true
}

// kindOf is the rule a field's messages say failed.
func (c *Contract) kindOf(field string, msgs []string) string {
	switch {
	case strings.HasPrefix(field, "filters."):
		return KindFilter
	case !c.HasParam(field):
		return ""
	case len(msgs) > 0 && msgs[0] == MsgRequired(field):
		return KindRequired
	case len(msgs) > 0 && msgs[0] == MsgString(field):
		return KindType
	}
	return KindFormat
}
