package record

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/odmock/odmock/dataset"
)

// attrState is what a recording knows of one attribute of one user.
type attrState struct {
	value  string
	has    bool // the provider said the user has this value
	probed bool // learned by probing, not read from an answer
}

// recordedUser is a user as the answers showed them.
type recordedUser struct {
	id    string
	name  *string
	attrs map[string]attrState // known attributes; a missing key is unknown
	msgs  []dataset.Message
	order int // when first seen
}

// collector gathers users from the answers, in order, and the facts the
// manifest reports: which fields, types and attributes were seen.
type collector struct {
	attributes []string // the contract's filters
	users      map[string]*recordedUser
	seen       []*recordedUser
	// after holds order constraints: users that tied on their first
	// interaction in one answer came in this order (the provider's own
	// order for a tie), user -> users that must come after.
	after  map[string][]string
	fields map[string]bool // paths of fields seen, e.g. chatbot_user_data.email
	types  map[string]bool
	drift  []string // users whose answers contradict each other
}

func newCollector(attributes []string) *collector {
	return &collector{attributes: attributes, users: map[string]*recordedUser{},
		after: map[string][]string{}, fields: map[string]bool{}, types: map[string]bool{}}
}

// add reads one (pseudonymised) 200 answer.
func (c *collector) add(root *node) error {
	data := root.get("data")
	if data == nil || data.kind != '[' {
		return fmt.Errorf("answer has no data list")
	}
	var prevKey string
	var prevFirst int64 = -1
	for i, item := range data.values {
		if item.kind != '{' || len(item.keys) != 1 {
			return fmt.Errorf("data[%d] is not one user's object", i)
		}
		key, u := item.keys[0], item.values[0]
		ru, first, err := c.user(key, u)
		if err != nil {
			return fmt.Errorf("data[%d] (%s): %w", i, key, err)
		}
		if first == prevFirst && prevKey != "" && !slices.Contains(c.after[prevKey], ru.id) {
			c.after[prevKey] = append(c.after[prevKey], ru.id)
		}
		prevKey, prevFirst = ru.id, first
	}
	return nil
}

// user merges one user's object; first is the Unix time of their first
// interaction in this answer.
//
// Per-user selected_scenario and browser are not read: they are the
// filters the query applied (the page: "the scenario / browser filter
// that was applied"), the same for every user, not the user's own.
func (c *collector) user(key string, u *node) (*recordedUser, int64, error) {
	if u.kind != '{' {
		return nil, 0, fmt.Errorf("not an object")
	}
	ru := c.users[key]
	if ru == nil {
		ru = &recordedUser{id: key, attrs: map[string]attrState{}, order: len(c.seen)}
		c.users[key] = ru
		c.seen = append(c.seen, ru)
	}
	for _, k := range u.keys {
		c.fields["user."+k] = true
	}
	if cud := u.get("chatbot_user_data"); cud != nil && cud.kind == '{' {
		for i, k := range cud.keys {
			c.fields["chatbot_user_data."+k] = true
			v := cud.values[i]
			if k == "name" {
				if s, ok := v.str(); ok {
					ru.name = &s
				}
				continue
			}
			if !slices.Contains(c.attributes, k) {
				continue
			}
			c.learn(ru, k, v)
		}
	}
	ins := u.get("interactions")
	if ins == nil || ins.kind != '[' {
		return nil, 0, fmt.Errorf("no interactions list")
	}
	first := int64(-1)
	for j, in := range ins.values {
		msg, err := c.interaction(in)
		if err != nil {
			return nil, 0, fmt.Errorf("interactions[%d]: %w", j, err)
		}
		if first < 0 {
			first = msg.Date.Unix()
		}
		ru.msgs = append(ru.msgs, msg)
	}
	return ru, first, nil
}

// learn records what an answer says of an attribute of a user.
func (c *collector) learn(ru *recordedUser, k string, v *node) {
	var st attrState
	switch v.kind {
	case '"':
		st = attrState{value: v.text, has: true}
	case '0':
	default:
		return // not a string: unknown
	}
	if old, known := ru.attrs[k]; known && old != st {
		c.drift = append(c.drift, fmt.Sprintf("user %s: %s changed between answers", ru.id, k))
		return
	}
	ru.attrs[k] = st
}

func (c *collector) interaction(in *node) (dataset.Message, error) {
	if in.kind != '{' {
		return dataset.Message{}, fmt.Errorf("not an object")
	}
	for _, k := range in.keys {
		c.fields["interaction."+k] = true
	}
	typ, _ := in.get("type").str()
	text, _ := in.get("text").str()
	ds, ok := in.get("date").str()
	if !ok {
		return dataset.Message{}, fmt.Errorf("no date")
	}
	t, err := time.Parse(time.RFC3339Nano, ds)
	if err != nil {
		return dataset.Message{}, fmt.Errorf("date %q: %w", ds, err)
	}
	c.types[typ] = true
	msg := dataset.Message{Date: t.UTC(), Author: "me", Type: typ, Text: text}
	if d := in.get("data"); d != nil && d.kind != '0' {
		msg.Data = appendJSON(nil, d)
	}
	return msg, nil
}

// fixtureUsers are the users to write, in an order that keeps every tie
// the provider broke: first seen first, unless a tie in some answer put
// another before.
func (c *collector) fixtureUsers() []dataset.User {
	indeg := map[string]int{}
	for _, next := range c.after {
		for _, id := range next {
			indeg[id]++
		}
	}
	ready := []*recordedUser{}
	for _, u := range c.seen {
		if indeg[u.id] == 0 {
			ready = append(ready, u)
		}
	}
	var out []dataset.User
	placed := map[string]bool{}
	for len(ready) > 0 {
		sort.SliceStable(ready, func(i, j int) bool { return ready[i].order < ready[j].order })
		u := ready[0]
		ready = ready[1:]
		placed[u.id] = true
		out = append(out, u.datasetUser())
		for _, id := range c.after[u.id] {
			if indeg[id]--; indeg[id] == 0 {
				ready = append(ready, c.users[id])
			}
		}
	}
	for _, u := range c.seen { // a cycle: the provider's ties contradict each other
		if !placed[u.id] {
			out = append(out, u.datasetUser())
		}
	}
	return out
}

func (u *recordedUser) datasetUser() dataset.User {
	du := dataset.User{ID: u.id, Name: u.name, Attributes: map[string]string{}, Messages: u.msgs}
	for k, st := range u.attrs {
		if st.has {
			du.Attributes[k] = st.value
		}
	}
	return du
}

// AttributeSummary is what a recording knows of one filterable attribute.
type AttributeSummary struct {
	// Status is "observed" when the answers gave every user a value or a
	// null; "learned" when probing learned what the answers did not
	// carry, for every user; "partial" when some users are unknown; and
	// "unknown" when no user is known: a filter on it matches no one.
	Status string `json:"status"`
	// WithValue and WithoutValue count users known to have a value, and
	// to have none; Unknown, the rest: no filter on the attribute matches
	// them on replay. Probed counts the users probing learned.
	WithValue    int `json:"users_with_value"`
	WithoutValue int `json:"users_without_value"`
	Unknown      int `json:"users_unknown"`
	Probed       int `json:"users_probed,omitempty"`
	// ProbeRequests is the requests probing spent on the attribute, and
	// Note why it stopped short, if it did.
	ProbeRequests int    `json:"probe_requests,omitempty"`
	Note          string `json:"note,omitempty"`
}

// merge adds what probing learned to the recorded users.
func (c *collector) merge(probes map[string]*attributeProbe) {
	for a, pr := range probes {
		for id, st := range pr.states {
			if u := c.users[id]; u != nil {
				if _, known := u.attrs[a]; !known {
					u.attrs[a] = st
				}
			}
		}
	}
}

func (c *collector) attributeSummary(probes map[string]*attributeProbe) map[string]AttributeSummary {
	out := map[string]AttributeSummary{}
	for _, a := range c.attributes {
		var s AttributeSummary
		for _, u := range c.seen {
			st, known := u.attrs[a]
			switch {
			case !known:
				s.Unknown++
			case st.has:
				s.WithValue++
			default:
				s.WithoutValue++
			}
			if known && st.probed {
				s.Probed++
			}
		}
		if pr := probes[a]; pr != nil {
			s.ProbeRequests, s.Note = pr.requests, pr.note
		}
		switch {
		case s.WithValue+s.WithoutValue == 0:
			s.Status = "unknown"
		case s.Unknown > 0:
			s.Status = "partial"
		case s.Probed > 0:
			s.Status = "learned"
		default:
			s.Status = "observed"
		}
		out[a] = s
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
