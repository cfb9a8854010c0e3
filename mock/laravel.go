package mock

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// The real server is a Laravel application. These are its answers, byte for
// byte, as REAL-API-NOTES.md and the public page give them.

// Stock messages of the real server.
const (
	msgUnauthenticated = "Unauthenticated."
	msgInvalidData     = "The given data was invalid."
	msgTooManyAttempts = "Too Many Attempts."
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
	dst = appendString(dst, e.Message)
	dst = append(dst, `,"errors":{`...)
	for i, fe := range e.Errors {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, fe.Field)
		dst = append(dst, ":["...)
		for j, m := range fe.Messages {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, m)
		}
		dst = append(dst, ']')
	}
	return append(dst, "}}"...)
}

// Laravel's stock validation texts.
func msgRequired(field string) string { return "The " + field + " field is required." }
func msgDateFormat(field, format string) string {
	return "The " + field + " does not match the format " + format + "."
}
func msgString(field string) string { return "The " + field + " must be a string." }
func msgFilterNotAllowed(name string) string {
	return "The filter '" + name + "' is not allowed."
}

// contractError is the contract's answer to a request the validator
// refused: 401 for ErrUnauthenticated, 422 for a *ValidationError. ok is
// false for any other error.
func contractError(err error) (status int, body []byte, ok bool) {
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized, messageBody(msgUnauthenticated), true
	case errors.As(err, &ve):
		return http.StatusUnprocessableEntity, ve.AppendJSON(nil), true
	}
	return 0, nil, false
}

// messageBody is {"message": msg}, Laravel's body for every other error.
func messageBody(msg string) []byte {
	b := append([]byte(`{"message":`), appendString(nil, msg)...)
	return append(b, '}')
}

// setHeader sets a header under exactly the name given: Laravel sends
// X-RateLimit-Limit, not Go's canonical X-Ratelimit-Limit. Any other
// spelling of the name is replaced.
func setHeader(h http.Header, name, value string) {
	for k := range h {
		if strings.EqualFold(k, name) {
			delete(h, k)
		}
	}
	h[name] = []string{value}
}

// writeJSON writes a whole JSON body with its length, as Laravel does.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache, private")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) //nolint:errcheck // the client may be gone; nothing to do
}
