package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// response is one answer of the provider, with what the checks parse of it.
type response struct {
	label  string // the request, without the token: GET /path?query
	query  string // the raw query sent
	status int
	header http.Header
	body   []byte
	err    error // the request did not get an answer

	users    []user // a 200's users, in order
	parseErr error  // a 200 whose body is not the contract's shape
}

// client sends the checks' requests through the gentle Client, and
// remembers them: no request is sent twice in a run.
type client struct {
	*Client
	path  string
	cache map[string]*response
	all   []*response // every answer, 429s included, for the schema check
}

// get sends GET path?query, or answers it from the cache.
func (vc *client) get(ctx context.Context, query []param, auth Auth) *response {
	raw := encodeQuery(query)
	key := strconv.Itoa(int(auth)) + " " + raw
	if r, ok := vc.cache[key]; ok {
		return r
	}
	label := "GET " + vc.path
	if raw != "" {
		label += "?" + raw
	}
	switch auth {
	case AuthNone:
		label += " (no token)"
	case AuthWrong:
		label += " (wrong token)"
	}
	r := &response{label: label, query: raw}
	vc.cache[key] = r
	answers, err := vc.Get(ctx, raw, auth)
	for _, a := range answers {
		vc.all = append(vc.all, &response{label: label, query: raw, status: a.Status, header: a.Header, body: a.Body})
	}
	if n := len(answers); n > 0 {
		r.status, r.header, r.body = answers[n-1].Status, answers[n-1].Header, answers[n-1].Body
	}
	if err != nil {
		r.err = err
		return r
	}
	if r.status == http.StatusOK {
		r.users, r.parseErr = parseUsers(r.body)
	}
	return r
}

// param is one query parameter; a query is a list of them, in order.
type param struct{ name, value string }

// encodeQuery writes a query as the public page writes its examples:
// spaces as %20 and colons as they are, so reports stay readable.
func encodeQuery(q []param) string {
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(queryEscape(p.name))
		b.WriteByte('=')
		b.WriteString(queryEscape(p.value))
	}
	return b.String()
}

func queryEscape(s string) string {
	s = url.QueryEscape(s)
	return strings.NewReplacer("+", "%20", "%3A", ":").Replace(s)
}

// user is one user of a 200 answer.
type user struct {
	Key              string         `json:"-"` // the key of the user's object
	UserID           string         `json:"user_id"`
	Chatbot          map[string]any `json:"chatbot_user_data"`
	From             string         `json:"from"`
	To               string         `json:"to"`
	SelectedScenario *string        `json:"selected_scenario"`
	Browser          *string        `json:"browser"`
	Interactions     []interaction  `json:"interactions"`
}

// interaction is one interaction of a 200 answer.
type interaction struct {
	Type string          `json:"type"`
	Date string          `json:"date"`
	Text string          `json:"text"`
	Data json.RawMessage `json:"data"`
}

// parseUsers reads a 200 body: {"data":[{"<id>":{...}}, ...]}.
func parseUsers(body []byte) ([]user, error) {
	var doc struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("body is not the contract's shape: %w", err)
	}
	var users []user
	for i, entry := range doc.Data {
		if len(entry) != 1 {
			return nil, fmt.Errorf("data[%d] has %d keys, want one (the user ID)", i, len(entry))
		}
		for key, raw := range entry {
			u := user{Key: key}
			if err := json.Unmarshal(raw, &u); err != nil {
				return nil, fmt.Errorf("data[%d].%s is not the contract's shape: %w", i, key, err)
			}
			users = append(users, u)
		}
	}
	return users, nil
}

// attribute is the user's value of a filterable attribute, from
// chatbot_user_data. present says whether the answer carries the attribute
// at all. (The per-user selected_scenario and browser are the filters the
// query applied, not the user's values.)
func (u *user) attribute(name string) (value string, ok, present bool) {
	v, has := u.Chatbot[name]
	if !has {
		return "", false, false
	}
	s, isString := v.(string)
	return s, isString, true
}

// parseTimestamp reads an answer's date leniently: the contract's format
// is the schema check's business, so other checks only need the instant.
func parseTimestamp(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// interactionKey identifies an interaction across answers: its user, its
// instant, and its content.
func interactionKey(user string, in interaction) string {
	date := in.Date
	if t, ok := parseTimestamp(in.Date); ok {
		date = strconv.FormatInt(t.Unix(), 10)
	}
	data := string(in.Data)
	var buf bytes.Buffer
	if json.Compact(&buf, in.Data) == nil {
		data = buf.String()
	}
	return user + "\x00" + date + "\x00" + in.Type + "\x00" + in.Text + "\x00" + data
}
