package dataset

import (
	"encoding/json"
)

// Real OpenDialog data holds interaction types and shapes the public page
// never shows (REAL-API-NOTES: core 1.x stored webchat_message and
// webchat_button_response, the webchat's history endpoint writes
// text_external; a button response had an empty text with its label and
// value in data; every webchat user message's data carried the webchat's
// date and time). The generator gives a small share of user messages those
// shapes, so a client proves against odmock that it tolerates them. The
// page's example user is made apart and keeps the page's shapes.

// realWorldShape is one real-world rewrite of a user message, and the
// share of eligible messages (per thousand) that get it.
type realWorldShape struct {
	perMille int
	from     string // the page's type it applies to
	apply    func(m *Message)
}

// Webchat's date and time in a message's data, as moment formats them
// ("ddd D MMM", "hh:mm A"): odmock's choice where the evidence gives the
// fields but not their format.
const (
	webchatDateLayout = "Mon 2 Jan"
	webchatTimeLayout = "03:04 PM"
)

// realWorld is realWorldShapes, made once.
var realWorld = realWorldShapes()

func realWorldShapes() []realWorldShape {
	webchatStamp := func(m *Message) []byte {
		return jsonObject("date", m.Date.Format(webchatDateLayout), "time", m.Date.Format(webchatTimeLayout))
	}
	return []realWorldShape{
		// core 1.x's type for a typed message, with the webchat's stamp.
		{50, "text", func(m *Message) { m.Type, m.Data = "webchat_message", webchatStamp(m) }},
		// the page's type, but data carries the webchat's stamp, not null.
		{30, "text", func(m *Message) { m.Data = webchatStamp(m) }},
		// the history endpoint's type for a message sent elsewhere.
		{10, "text", func(m *Message) { m.Type = "text_external" }},
		// a button response: empty text, the label and value in data.
		{60, "button", func(m *Message) {
			label, value := jsonField(m.Data, "name"), jsonField(m.Data, "callback_id")
			m.Type, m.Text = "webchat_button_response", ""
			m.Data = jsonObject("text", label, "value", value, "date", m.Date.Format(webchatDateLayout), "time", m.Date.Format(webchatTimeLayout))
		}},
	}
}

// applyRealWorld gives a small share of a user's messages the real
// world's types and shapes; bot messages and messages of other types stay
// as they are. It must run once the messages have their dates.
func applyRealWorld(f drawer, msgs []Message) {
	shapes := realWorld
	for i := range msgs {
		m := &msgs[i]
		if m.FromBot() {
			continue
		}
		roll := f.IntRange(0, 999)
		for _, s := range shapes {
			if s.from != m.Type {
				continue
			}
			if roll < s.perMille {
				s.apply(m)
				break
			}
			roll -= s.perMille
		}
	}
}

// jsonField reads a string field of a generated JSON object, "" when it
// has none. Generated objects are flat objects of strings (jsonObject's),
// read here without a decoder; anything else goes through encoding/json.
func jsonField(obj []byte, key string) string {
	if v, ok := flatField(obj, key); ok {
		return v
	}
	var fields map[string]any
	if json.Unmarshal(obj, &fields) != nil {
		return ""
	}
	v, _ := fields[key].(string)
	return v
}

// flatField is jsonField of an object of strings written without spaces;
// ok is false for any other text.
func flatField(obj []byte, key string) (v string, ok bool) {
	str := func(i int) (string, int, bool) { // the string at obj[i], and where it ends
		if i >= len(obj) || obj[i] != '"' {
			return "", 0, false
		}
		escaped := false
		for j := i + 1; j < len(obj); j++ {
			switch obj[j] {
			case '\\':
				escaped = true
				j++
			case '"':
				if !escaped {
					return string(obj[i+1 : j]), j + 1, true
				}
				var s string
				if json.Unmarshal(obj[i:j+1], &s) != nil {
					return "", 0, false
				}
				return s, j + 1, true
			default:
				if obj[j] < 0x20 {
					return "", 0, false
				}
				if obj[j] >= 0x80 { // encoding/json mends broken UTF-8
					escaped = true
				}
			}
		}
		return "", 0, false
	}
	if len(obj) < 2 || obj[0] != '{' {
		return "", false
	}
	i := 1
	if obj[i] == '}' {
		return "", i+1 == len(obj)
	}
	for {
		k, j, ok := str(i)
		if !ok || j >= len(obj) || obj[j] != ':' {
			return "", false
		}
		val, j, ok := str(j + 1)
		if !ok || j >= len(obj) {
			return "", false
		}
		if k == key {
			v = val // the last of a key, as encoding/json keeps
		}
		switch obj[j] {
		case ',':
			i = j + 1
		case '}':
			return v, j+1 == len(obj)
		default:
			return "", false
		}
	}
}
