package record

import (
	"strings"
)

// keptFields are values copied as they are: bot-authored identifiers,
// types, timestamps, and the attributes that describe a device or a
// segment rather than a person.
var keptFields = map[string]bool{
	"callback_id": true, "type": true, "date": true, "time": true, "from": true, "to": true,
	"created_at": true, "updated_at": true,
	"country": true, "browser": true, "browser_language": true, "os": true, "timezone": true,
	"platform": true, "selected_scenario": true,
}

// Policy is how each field of an answer is pseudonymised, for the
// manifest: a reviewer reads what was kept and what replaced.
func Policy() map[string]string {
	return map[string]string{
		"user_id":                              "HMAC pseudonym: an e-mail stays an e-mail (example.com/.org/.net), a UUID a UUID, else user-<16 chars>",
		"chatbot_user_data.id":                 "as user_id",
		"chatbot_user_data.name":               "HMAC pseudonym per word: a name from the faker seeded by the word's HMAC",
		"chatbot_user_data.email":              "HMAC pseudonym: an e-mail at a reserved domain",
		"chatbot_user_data.ip_address":         "HMAC pseudonym: an IP of the same family in the documentation ranges",
		"chatbot_user_data.*":                  "device and segment attributes (country, browser, browser_language, os, timezone, platform, selected_scenario) kept; others by name (id, name, email, ip, phone) or scrubbed as free text",
		"interactions.type":                    "kept",
		"interactions.date":                    "kept",
		"interactions.text":                    "free text scrubbed: e-mails, phone numbers, IPs, UUIDs, runs of 7+ digits, URLs' personal parts, the user's own name and ID",
		"interactions.data":                    "callback_id, type, date, time kept; a form's name/e-mail/phone/ip values pseudonymised; every other string scrubbed as free text",
		"from, to, selected_scenario, browser": "kept",
	}
}

// answer pseudonymises a 200 answer in place: {"data":[{"<id>":{...}}]}.
// Anything else of the shape is scrubbed by the rules for unknown fields.
func (p *Pseudonymiser) answer(root *node) {
	if !p.Enabled() {
		return
	}
	data := root.get("data")
	if data == nil || data.kind != '[' {
		p.value("", root, identity{}, false)
		return
	}
	for _, item := range data.values {
		if item.kind != '{' {
			p.value("", item, identity{}, false)
			continue
		}
		for i, key := range item.keys {
			item.keys[i] = p.UserID(key)
			p.user(key, item.values[i])
		}
	}
}

// user pseudonymises one user's object of an answer.
func (p *Pseudonymiser) user(key string, u *node) {
	if u.kind != '{' {
		p.value("", u, identity{}, false)
		return
	}
	cud := u.get("chatbot_user_data")
	var names []string
	for _, k := range []string{"name", "first_name", "last_name", "full_name"} {
		if s, ok := cud.get(k).str(); ok {
			names = append(names, s)
		}
	}
	who := newIdentity(key, names...)
	for i, k := range u.keys {
		v := u.values[i]
		switch k {
		case "chatbot_user_data":
			p.value("", v, who, true)
		case "interactions":
			if v.kind != '[' {
				p.value(k, v, who, false)
				continue
			}
			for _, in := range v.values {
				p.interaction(in, who)
			}
		default:
			p.value(k, v, who, false)
		}
	}
}

// interaction pseudonymises one interaction: its text, and its data as a
// form's when its type is a form's.
func (p *Pseudonymiser) interaction(in *node, who identity) {
	if in.kind != '{' {
		p.value("", in, who, false)
		return
	}
	typ, _ := in.get("type").str()
	form := strings.Contains(strings.ToLower(typ), "form")
	for i, k := range in.keys {
		switch k {
		case "data":
			p.value("", in.values[i], who, form)
		default:
			p.value(k, in.values[i], who, false)
		}
	}
}

// value pseudonymises a value by the name of its field. personal is set
// where names are people's (chatbot_user_data, a form's values), not a
// button's label.
func (p *Pseudonymiser) value(key string, v *node, who identity, personal bool) {
	switch v.kind {
	case '{':
		for i, k := range v.keys {
			p.value(k, v.values[i], who, personal)
		}
		return
	case '[':
		for _, item := range v.values {
			p.value(key, item, who, personal)
		}
		return
	case '"':
	default:
		return
	}
	k := strings.ToLower(key)
	s := v.text
	switch {
	case keptFields[k]:
	case k == "id" || k == "user_id" || k == "external_id" || k == "userid":
		v.text = p.UserID(s)
	case strings.Contains(k, "email") && looksLikeEmail(strings.TrimSpace(s)):
		v.text = p.Email(strings.TrimSpace(s))
	case k == "ip" || k == "ip_address":
		v.text = p.IP(s)
	case personal && (k == "name" || k == "full_name" || k == "first_name" || k == "firstname" || k == "username"):
		v.text = p.Name(s)
	case personal && (k == "last_name" || k == "lastname" || k == "surname"):
		v.text = p.lastName(s)
	case strings.Contains(k, "phone") || strings.Contains(k, "mobile") || k == "tel":
		if countDigits(s) >= 7 {
			v.text = p.Phone(s)
		} else {
			v.text = p.text(s, who)
		}
	default:
		v.text = p.text(s, who)
	}
}

// lastName pseudonymises every word of s as a last name.
func (p *Pseudonymiser) lastName(s string) string {
	var b strings.Builder
	forEachWord(s, func(sep, word string) {
		b.WriteString(safeSep(sep))
		if word != "" {
			b.WriteString(p.nameWord(word, false))
		}
	})
	return b.String()
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}
