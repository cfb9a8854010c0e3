package dataset

import (
	"fmt"
	"slices"
	"time"

	"github.com/odmock/odmock/contract"
)

// Explanation is why a query answers what it does: the engine's own
// arithmetic, step by step. It is computed by the code paths Query runs
// (the same timeline, range search and LIKE matchers), so it cannot tell
// a story the answer does not.
type Explanation struct {
	From string `json:"from"` // the range, as the query gave it (Y-m-d H:i:s, UTC)
	To   string `json:"to"`
	// Inverted is set when from is after to: the range is empty.
	Inverted bool `json:"inverted"`
	// InRange counts the users with at least one user-sent message in the
	// range, and MessagesInRange those messages: where the answer starts.
	InRange         int `json:"in_range"`
	MessagesInRange int `json:"messages_in_range"`
	// Steps narrow InRange down, in the query's order: user_id first when
	// given, then each filter.
	Steps []Step `json:"steps"`
	// Users and Messages are the answer's: users kept, interactions
	// returned.
	Users    int `json:"users"`
	Messages int `json:"messages"`
}

// Step is one narrowing of an explanation: a parameter, how it tests a
// user, and how many users were left before and after it.
type Step struct {
	Param  string `json:"param"`
	Value  string `json:"value"`
	Test   string `json:"test"` // `= "user_12345"`, or `LIKE '%fr%'`
	Before int    `json:"before"`
	After  int    `json:"after"`
}

// The verdicts of a UserVerdict.
const (
	VerdictKept         = "kept"           // in the answer
	VerdictNoSuchUser   = "no-such-user"   // no user has the ID
	VerdictOtherUser    = "other-user"     // the query's user_id names someone else
	VerdictNoMessage    = "no-message"     // no user-sent message in the range
	VerdictFilteredOut  = "filtered-out"   // a filter dropped the user
	VerdictUnknownParam = "unknown-filter" // a filter the dataset does not have (Go API only)
)

// UserVerdict says why one user is or is not in a query's answer.
type UserVerdict struct {
	UserID  string `json:"user_id"`
	Verdict string `json:"verdict"`
	// Reason says it in a sentence.
	Reason string `json:"reason"`
	// Messages counts the user's own messages in the range, kept or not.
	Messages int `json:"messages"`
	// BotInRange are the times of the bot's messages in the range, which
	// the API never returns (at most maxVerdictTimes of them).
	BotInRange []string `json:"bot_messages_in_range"`
	// LastBefore and FirstAfter are the user's own messages nearest the
	// range, outside it; "" when there is none.
	LastBefore string `json:"last_before"`
	FirstAfter string `json:"first_after"`
	// Filter is the filter that dropped the user, for VerdictFilteredOut.
	Filter *FilterMiss `json:"filter,omitempty"`
}

// FilterMiss is a filter a user failed: the attribute's value (nil when
// the user has none) and the pattern it did not match.
type FilterMiss struct {
	Param   string  `json:"param"`
	Pattern string  `json:"pattern"` // LIKE '%value%'
	Value   *string `json:"value"`
}

// maxVerdictTimes bounds the message times a verdict lists.
const maxVerdictTimes = 20

// queryTime formats a time as queries write it.
func queryTime(t time.Time) string { return t.UTC().Format(time.DateTime) }

func likeText(v string) string { return "LIKE '%" + v + "%'" }

// Explain answers q's arithmetic: users with a message in the range, then
// after each step, then the answer's users and messages.
func (d *Dataset) Explain(q contract.Query) Explanation {
	from, to := q.From.Unix(), q.To.Unix()
	e := Explanation{From: queryTime(q.From), To: queryTime(q.To), Inverted: from > to, Steps: []Step{}}
	ft := filterer{d: d}
	var tests []func(u int) bool
	if q.UserID != "" {
		e.Steps = append(e.Steps, Step{Param: "user_id", Value: q.UserID, Test: fmt.Sprintf("= %q", q.UserID)})
		want, found := d.st.lookup(q.UserID)
		tests = append(tests, func(u int) bool { return found && u == want })
	}
	for _, f := range q.Filters {
		e.Steps = append(e.Steps, Step{Param: f.Attribute, Value: f.Value, Test: likeText(f.Value)})
		cf, ok := d.compileFilters([]contract.Filter{f})
		if !ok {
			tests = append(tests, func(int) bool { return false })
			continue
		}
		tests = append(tests, func(u int) bool { return ft.keeps(&cf[0], u) })
	}
	if e.Inverted {
		return e
	}
	passed := make([]int, len(tests))
	visit := func(u int) {
		g, ok := d.groupOf(u, from, to)
		if !ok {
			return
		}
		n := d.groupMessages(&g)
		e.InRange++
		e.MessagesInRange += n
		for k, t := range tests {
			if !t(u) {
				return
			}
			passed[k]++
		}
		e.Users++
		e.Messages += n
	}
	d.candidates(from, to, visit) // the users Query considers
	before := e.InRange
	for k := range e.Steps {
		e.Steps[k].Before, e.Steps[k].After = before, passed[k]
		before = passed[k]
	}
	return e
}

// ExplainUser says why the user with id is or is not in q's answer, in
// the order Explain narrows: the ID, the range, then each filter.
func (d *Dataset) ExplainUser(q contract.Query, id string) UserVerdict {
	v := UserVerdict{UserID: id, BotInRange: []string{}}
	i, ok := d.st.lookup(id)
	if !ok {
		v.Verdict, v.Reason = VerdictNoSuchUser, fmt.Sprintf("no user has the id %q (ids are exact: case and spaces count)", id)
		return v
	}
	times := d.userTimes(i)
	from, to := q.From.Unix(), q.To.Unix()
	lo, hi := 0, 0
	if from <= to {
		lo, _ = slices.BinarySearch(times, from)
		hi, _ = slices.BinarySearch(times, to+1)
	}
	v.Messages = hi - lo
	if lo > 0 {
		v.LastBefore = queryTime(time.Unix(times[lo-1], 0))
	}
	if hi < len(times) {
		v.FirstAfter = queryTime(time.Unix(times[hi], 0))
	}
	if q.UserID != "" && q.UserID != id {
		v.Verdict, v.Reason = VerdictOtherUser, fmt.Sprintf("the query asks for user_id %q only", q.UserID)
		return v
	}
	if lo == hi {
		v.Verdict = VerdictNoMessage
		v.BotInRange = d.botTimes(i, q)
		switch {
		case from > to:
			v.Reason = "from is after to: the range holds nothing"
		case len(times) == 0:
			v.Reason = "the user has sent no message at all (the API returns only the user's own messages)"
		default:
			v.Reason = "the user sent no message between " + queryTime(q.From) + " and " + queryTime(q.To)
			if len(v.BotInRange) > 0 {
				v.Reason += fmt.Sprintf("; the bot did (%d), and the API never returns the bot's messages", len(v.BotInRange))
			}
			if v.LastBefore != "" {
				v.Reason += "; the last one before is at " + v.LastBefore
			}
			if v.FirstAfter != "" {
				v.Reason += "; the first one after is at " + v.FirstAfter
			}
		}
		return v
	}
	ft := filterer{d: d}
	for _, f := range q.Filters {
		cf, ok := d.compileFilters([]contract.Filter{f})
		if !ok {
			v.Verdict, v.Reason = VerdictUnknownParam, fmt.Sprintf("%s is not an attribute of the data", f.Attribute)
			return v
		}
		if ft.keeps(&cf[0], i) {
			continue
		}
		miss := &FilterMiss{Param: f.Attribute, Pattern: likeText(f.Value)}
		v.Verdict, v.Filter = VerdictFilteredOut, miss
		if val, has := d.source(i).Attributes[f.Attribute]; has {
			miss.Value = &val
			v.Reason = fmt.Sprintf("%s %q does not match %s (case-insensitive)", f.Attribute, val, miss.Pattern)
		} else {
			v.Reason = fmt.Sprintf("the user has no %s (null), which matches no LIKE pattern", f.Attribute)
		}
		return v
	}
	v.Verdict = VerdictKept
	v.Reason = fmt.Sprintf("in the answer, with %d message(s) in the range", v.Messages)
	return v
}

// botTimes lists the bot's messages to user i within q's range.
func (d *Dataset) botTimes(i int, q contract.Query) []string {
	out := []string{}
	if q.From.After(q.To) {
		return out
	}
	u := d.source(i)
	var times []time.Time
	for _, m := range u.Messages {
		if m.FromBot() && !m.Date.Before(q.From) && !m.Date.After(q.To) {
			times = append(times, m.Date)
		}
	}
	slices.SortFunc(times, time.Time.Compare)
	for _, t := range times[:min(len(times), maxVerdictTimes)] {
		out = append(out, queryTime(t))
	}
	return out
}

// User is the user with id as the data holds them: attributes as written
// and every message, the bot's too, in date order.
func (d *Dataset) User(id string) (User, bool) {
	i, ok := d.st.lookup(id)
	if !ok {
		return User{}, false
	}
	u := d.source(i)
	u.Messages = slices.Clone(u.Messages)
	slices.SortStableFunc(u.Messages, func(a, b Message) int { return a.Date.Compare(b.Date) })
	return u, true
}
