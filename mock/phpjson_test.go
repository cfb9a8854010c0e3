package mock

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// phpCompat rewrites a JSON text produced by encoding/json (with HTML
// escaping off) into json_encode's escaping. It is valid over a whole
// document because "/" and non-ASCII bytes can only occur inside strings.
func phpCompat(doc []byte) []byte {
	out := make([]byte, 0, len(doc)+len(doc)/8)
	for i := 0; i < len(doc); {
		c := doc[i]
		switch {
		case c == '/':
			out = append(out, '\\', '/')
			i++
		case c == '\\' && i+1 < len(doc):
			// Keep an existing escape whole, so "\\/" is not touched.
			out = append(out, c, doc[i+1])
			i += 2
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(doc[i:])
			out = appendRuneEscape(out, r)
			i += size
		default:
			out = append(out, c)
			i++
		}
	}
	return out
}

// marshalPHP encodes v with encoding/json and rewrites the result into
// json_encode's escaping. It is the plain encoder: simple, allocation-heavy,
// and the reference the streaming encoder is tested against.
func marshalPHP(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return phpCompat(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}
