package contract

import (
	"slices"
	"testing"
)

// TestReadValidationBody checks that a hand-written 422 body is read back
// as the engine's own errors would be: fields in order, each with its kind.
func TestReadValidationBody(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	tests := []struct {
		body  string
		ok    bool
		kinds []string
	}{
		{string(c.ExampleBody(422)), true, []string{KindRequired, KindRequired}},
		{`{"message":"x","errors":{"to":["` + MsgDateFormat("to", "Y-m-d H:i:s") + `"],"browser":["` + MsgString("browser") + `"]}}`, true, []string{KindFormat, KindType}},
		{`{"message":"x","errors":{"filters.page":["` + MsgFilterNotAllowed("page") + `"],"colour":["bad"]}}`, true, []string{KindFilter, ""}},
		{`{"message":"x"}`, false, nil},
		{`not json`, false, nil},
		{`{"errors":{"from":"not a list"}}`, false, nil},
	}
	for _, tt := range tests {
		errs, ok := c.ReadValidationBody([]byte(tt.body))
		var kinds []string
		for _, fe := range errs {
			kinds = append(kinds, fe.Kind)
		}
		if ok != tt.ok || !slices.Equal(kinds, tt.kinds) {
			t.Errorf("ReadValidationBody(%s) = kinds %q, ok %v; want %q, %v", tt.body, kinds, ok, tt.kinds, tt.ok)
		}
	}
}
