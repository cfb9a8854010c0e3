package contract

import (
	"errors"
	"net/http"
	"strings"
)

// The real server is a Laravel application. These are its answers, byte for
// byte, as the public page gives them and README.md ("How odmock resolves
// what the page leaves open") explains.

// Stock messages of the real server.
const (
	MsgUnauthenticated = "Unauthenticated."
	MsgInvalidData     = "The given data was invalid."
	MsgTooManyAttempts = "Too Many Attempts."
)

// FieldErrors is one entry of a 422 body's "errors": a field and its
// messages.
type FieldErrors struct {
	Field    string
	Messages []string
	// Kind is the rule that failed: KindRequired, KindFormat, KindType or
	// KindFilter. It is not part of the body.
	Kind string
}

// The kinds of validation error.
const (
	KindRequired = "required" // a required field is missing or empty
	KindFormat   = "format"   // a date is not in the contract's format
	KindType     = "type"     // a value is an array where a string is due
	KindFilter   = "filter"   // a query parameter the contract does not know
)

// ValidationError is a 422 answer: the contract's body is
// {"message": Message, "errors": {Field: [Messages...], ...}}, with the
// fields in this order.
type ValidationError struct {
	Message string
	Errors  []FieldErrors
}

// Error returns the body's message.
func (e *ValidationError) Error() string { return e.Message }

func (e *ValidationError) add(kind, field, msg string) {
	for i := range e.Errors {
		if e.Errors[i].Field == field {
			e.Errors[i].Messages = append(e.Errors[i].Messages, msg)
			return
		}
	}
	e.Errors = append(e.Errors, FieldErrors{Field: field, Messages: []string{msg}, Kind: kind})
}

// AppendJSON appends the 422 body.
func (e *ValidationError) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"message":`...)
	dst = AppendString(dst, e.Message)
	dst = append(dst, `,"errors":{`...)
	for i, fe := range e.Errors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendString(dst, fe.Field)
		dst = append(dst, ":["...)
		for j, m := range fe.Messages {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, m)
		}
		dst = append(dst, ']')
	}
	return append(dst, "}}"...)
}

// DisplayName is how Laravel names an attribute in a message: underscores
// become spaces (ip_address is "ip address").
func DisplayName(field string) string { return strings.ReplaceAll(field, "_", " ") }

// MsgRequired is Laravel's text for a required field that is missing.
func MsgRequired(field string) string { return "The " + DisplayName(field) + " field is required." }

// MsgDateFormat is Laravel's date_format text.
func MsgDateFormat(field, format string) string {
	return "The " + DisplayName(field) + " does not match the format " + format + "."
}

// MsgString is Laravel's text for an array where a string is due.
func MsgString(field string) string { return "The " + DisplayName(field) + " must be a string." }

// MsgInvalid is Laravel's text for a value its rule rejects.
func MsgInvalid(field string) string { return "The " + DisplayName(field) + " is invalid." }

// MsgFilterNotAllowed is the page's text for a filter it does not know.
func MsgFilterNotAllowed(name string) string {
	return "The filter '" + name + "' is not allowed."
}

// ErrorAnswer is the contract's answer to a request it refused: 401 for
// ErrUnauthenticated, 422 for a *ValidationError. ok is false for any
// other error.
func ErrorAnswer(err error) (status int, body []byte, ok bool) {
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized, MessageBody(MsgUnauthenticated), true
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, ve.AppendJSON(nil), true
	}
	return 0, nil, false
}

// MessageBody is {"message": msg}, Laravel's body for every other error.
func MessageBody(msg string) []byte {
	b := append([]byte(`{"message":`), AppendString(nil, msg)...)
	return append(b, '}')
}

// EmptyBody is the body of a 200 with no users.
const EmptyBody = `{"data":[]}`

// ExampleBody is the contract's body for a status when a scenario gives
// none: the page's examples for 401 and 422 (both dates missing),
// Laravel's for 429, an empty list for 200, and Laravel's
// {"message": status text} for any other status.
func (c *Contract) ExampleBody(status int) []byte {
	switch status {
	case http.StatusUnauthorized:
		return MessageBody(MsgUnauthenticated)
	case http.StatusUnprocessableEntity:
		ve := &ValidationError{Message: MsgInvalidData}
		for _, p := range c.params {
			if p.Required {
				ve.add(KindRequired, p.Name, MsgRequired(p.Name))
			}
		}
		return ve.AppendJSON(nil)
	case http.StatusTooManyRequests:
		return MessageBody(MsgTooManyAttempts)
	case http.StatusOK:
		return []byte(EmptyBody)
	}
	return MessageBody(http.StatusText(status))
}

// ExampleHeaders are the headers that go with ExampleBody: Laravel's
// throttle headers for 429.
func ExampleHeaders(status int) [][2]string {
	if status == http.StatusTooManyRequests {
		return [][2]string{{"Retry-After", "60"}, {"X-RateLimit-Limit", "60"}, {"X-RateLimit-Remaining", "0"}}
	}
	return nil
}
