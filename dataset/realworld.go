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
	shapes := realWorldShapes()
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
// has none.
func jsonField(obj []byte, key string) string {
	var fields map[string]any
	if json.Unmarshal(obj, &fields) != nil {
		return ""
	}
	v, _ := fields[key].(string)
	return v
}
