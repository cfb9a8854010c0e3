package dataset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/internal/liketest"
)

// referenceAnswer is the plain, obviously-correct answer to q over users: a
// full scan, LIKE through regexp, sorting, and encoding/json. The server's
// index and streaming encoder must give exactly its bytes.
func referenceAnswer(t testing.TB, c *contract.Contract, users []User, q Query) []byte {
	t.Helper()
	type entry struct {
		firstAt time.Time
		index   int
		body    orderedObject
	}
	var entries []entry
	for i, u := range users {
		if q.UserID != "" && u.ID != q.UserID {
			continue
		}
		ok := true
		for _, f := range q.Filters {
			v, has := u.Attributes[f.Attribute]
			if !has || !liketest.Regexp(f.Value).MatchString(strings.ToLower(v)) {
				ok = false
			}
		}
		if !ok {
			continue
		}
		var msgs []Message
		for _, m := range u.Messages {
			if m.Author != AuthorBot && !m.Date.Before(q.From) && !m.Date.After(q.To) {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		slices.SortStableFunc(msgs, func(a, b Message) int { return a.Date.Compare(b.Date) })
		var interactions []orderedObject
		for _, m := range msgs {
			data := json.RawMessage("null")
			if m.Data != nil {
				data = m.Data
			}
			interactions = append(interactions, orderedObject{
				{"type", m.Type}, {"date", m.Date.Format(timestampLayout)}, {"text", m.Text}, {"data", data},
			})
		}
		attr := func(name string) any {
			if v, ok := u.Attributes[name]; ok {
				return v
			}
			return nil
		}
		// The filters applied: the value sent, null when not sent.
		applied := func(name string) any {
			for _, f := range q.Filters {
				if f.Attribute == name {
					return f.Value
				}
			}
			return nil
		}
		user := orderedObject{{"id", u.ID}, {"name", u.Name}, {"email", attr("email")}}
		group := orderedObject{
			{"chatbot_user_data", user},
			{"from", q.From.Format(timestampLayout)},
			{"to", q.To.Format(timestampLayout)},
			{"user_id", u.ID},
			{"selected_scenario", applied("selected_scenario")},
			{"browser", applied("browser")},
			{"interactions", interactions},
		}
		entries = append(entries, entry{msgs[0].Date, i, orderedObject{{u.ID, group}}})
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return a.firstAt.Compare(b.firstAt) })
	data := []orderedObject{}
	for _, e := range entries {
		data = append(data, e.body)
	}
	b, err := marshalPHP(orderedObject{{"data", data}})
	if err != nil {
		t.Fatalf("reference encode: %v", err)
	}
	return b
}

// field and orderedObject encode a JSON object with its keys in order.
type field struct {
	key   string
	value any
}

type orderedObject []field

func (o orderedObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(f.key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		buf.WriteByte(':')
		if err := enc.Encode(f.value); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// phpCompat rewrites a JSON text produced by encoding/json (with HTML
// escaping off) into json_encode's escaping. It is valid over a whole
// document because "/" and non-ASCII bytes can only occur inside strings.
// Non-ASCII characters become \uXXXX through unicode/utf16, not through
// the encoder under test.
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
			for _, u := range utf16.Encode([]rune{r}) {
				out = fmt.Appendf(out, "\\u%04x", u)
			}
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
