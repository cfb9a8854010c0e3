package record

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/odmock/odmock/verify"
)

// Probing (Options.ProbeAttributes) learns attributes the answers do not
// carry, by filtered requests that use the provider's own semantics: a
// filter matches LIKE '%v%' ignoring case, where "_" is any one character
// and "%" any run. So, per attribute and within the recorded windows:
//
//   - "%" finds who has a value at all; a recorded user it does not match
//     has none;
//   - "_" repeated n times matches values of n characters or more: a
//     search over n learns each value's length;
//   - a pattern exactly as long as the value is anchored at both ends:
//     "ab" followed by "_" to the value's length matches the values that
//     begin with "ab", and "_" i times, a character, then "_" to the
//     length, the values with that character at i. Candidates (the page's
//     example, the values OpenDialog's webchat writes, values already
//     learned) are tried first, then character by character.
//
// A provider trims filter values (Laravel's TrimStrings), so no pattern
// begins or ends with a space: a value's first and last characters are
// never learned to be spaces. Every request is one of the recording's budget; what the budget does
// not reach is left unknown, and the manifest says per attribute whether
// it was learned, partly learned (and for how many users), or not at all.
// A pattern answers for every recorded user of a window at once, so the
// cost grows with the distinct values, not with the users.

// probeWindow is a span probes ask over: consecutive recorded chunks
// whose answers together stayed under Options.MaxAnswerBytes, so a
// filtered answer (a part of theirs) is never larger.
type probeWindow struct {
	from, to string // query dates, as recorded
	users    map[string]bool
}

// probeUser is what probing knows of one user's value of one attribute.
type probeUser struct {
	id     string
	has    int8 // -1 not known, 0 no value, 1 a value
	lo, hi int  // bounds of the value's length in characters
	chars  []rune
	not    []map[rune]bool // per position, characters the value has not
	failed bool            // a character outside what probing tries
}

func (u *probeUser) lengthKnown() bool { return u.has == 1 && u.lo == u.hi && u.hi <= maxProbeLength }

func (u *probeUser) resolved() bool {
	if u.has == 0 {
		return true
	}
	if !u.lengthKnown() {
		return false
	}
	return !slices.Contains(u.chars, 0)
}

// Probe is one probing request, as probes.jsonl keeps it.
type Probe struct {
	Seq       int    `json:"seq"`
	Attribute string `json:"attribute"`
	// Query is the request's query; a personal attribute's pattern is
	// withheld when the recording is pseudonymised.
	Query  string   `json:"query"`
	Status int      `json:"status"`
	Users  []string `json:"users"` // the users the answer held, in its order
}

// attributeProbe is the outcome of probing one attribute.
type attributeProbe struct {
	states   map[string]attrState // learned per user, pseudonymised where personal
	requests int
	note     string
}

// prober probes the attributes of one recording.
type prober struct {
	r       *recorder
	windows []probeWindow
	log     []Probe
	stopped error // the budget ran out, or the context ended
}

// probeAttributes learns, for each attribute some recorded user has no
// known state of, what it can within the request budget.
func (r *recorder) probeAttributes(ctx context.Context, col *collector, xs []Exchange) (map[string]*attributeProbe, []Probe, error) {
	pr := &prober{r: r, windows: probeWindows(col, xs, r.opts.MaxAnswerBytes)}
	out := map[string]*attributeProbe{}
	for _, a := range probeOrder(col.attributes) {
		var users []*probeUser
		for _, u := range col.seen {
			if _, known := u.attrs[a]; !known {
				users = append(users, &probeUser{id: u.id, has: -1, hi: maxProbeLength + 1})
			}
		}
		if len(users) == 0 {
			continue
		}
		before := r.client.Requests()
		res := &attributeProbe{states: map[string]attrState{}}
		out[a] = res
		if pr.stopped == nil {
			err := pr.attribute(ctx, a, users)
			switch {
			case ctx.Err() != nil:
				return out, pr.log, fmt.Errorf("%w while probing %s: %w: run the same command to continue", ErrInterrupted, a, ctx.Err())
			case errors.Is(err, verify.ErrBudget):
				pr.stopped = err
				res.note = "the request budget ran out while probing"
			case err != nil:
				res.note = err.Error()
			}
		} else {
			res.note = "not probed: the request budget ran out"
		}
		res.requests = r.client.Requests() - before
		for _, u := range users {
			if !u.resolved() {
				continue
			}
			st := attrState{probed: true}
			if u.has == 1 {
				st.value, st.has = r.attributeValue(a, string(u.chars)), true
			}
			res.states[u.id] = st
		}
		if r.opts.Progress != nil {
			fmt.Fprintf(r.opts.Progress, "probed %s: %d of %d users learned, %d requests\n", a, len(res.states), len(users), res.requests)
		}
	}
	return out, pr.log, nil
}

// probeOrder puts the attributes cheap to learn first (few values,
// candidates known), so a budget that runs out leaves the costly ones
// (IP addresses: every user's own, digit by digit) unknown.
func probeOrder(attrs []string) []string {
	cheap := []string{"platform", "os", "country", "browser_language", "timezone", "browser", "selected_scenario"}
	var out []string
	for _, a := range cheap {
		if slices.Contains(attrs, a) {
			out = append(out, a)
		}
	}
	for _, a := range attrs {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// attributeValue is a learned value as the recording keeps it:
// pseudonymised where it is personal.
func (r *recorder) attributeValue(attr, v string) string {
	switch {
	case !r.p.Enabled() || keptFields[attr]:
		return v
	case attr == "ip_address":
		return r.p.IP(v)
	case attr == "email" && looksLikeEmail(v):
		return r.p.Email(v)
	}
	return r.p.text(v, identity{})
}

// attribute learns attr's values of users.
func (pr *prober) attribute(ctx context.Context, attr string, users []*probeUser) error {
	byID := map[string]*probeUser{}
	for _, u := range users {
		byID[u.id] = u
	}
	// Who has a value at all.
	matched, covered, err := pr.match(ctx, attr, "%", users)
	if err != nil {
		return err
	}
	for _, u := range users {
		switch {
		case matched[u.id]:
			u.has, u.lo = 1, 0
		case covered[u.id]:
			u.has = 0
		}
	}
	// Lengths: a search shared by every user, each pattern splitting the
	// range of every user it falls in.
	for {
		var pick *probeUser
		for _, u := range users {
			if u.has == 1 && u.lo < u.hi {
				pick = u
				break
			}
		}
		if pick == nil {
			break
		}
		n := (pick.lo + pick.hi + 1) / 2
		var targets []*probeUser
		for _, u := range users {
			if u.has == 1 && u.lo < n && n <= u.hi {
				targets = append(targets, u)
			}
		}
		matched, covered, err := pr.match(ctx, attr, strings.Repeat("_", n), targets)
		if err != nil {
			return err
		}
		for _, u := range targets {
			switch {
			case matched[u.id]:
				u.lo = n
			case covered[u.id]:
				u.hi = n - 1
			default:
				u.has = -1 // in no window
			}
		}
	}
	groups := map[int][]*probeUser{}
	var lengths []int
	for _, u := range users {
		if u.lengthKnown() {
			u.chars, u.not = make([]rune, u.lo), make([]map[rune]bool, u.lo)
			if groups[u.lo] == nil {
				lengths = append(lengths, u.lo)
			}
			groups[u.lo] = append(groups[u.lo], u)
		}
	}
	slices.Sort(lengths)
	learned := slices.Clone(probeCandidates[attr])
	if ex := pr.r.opts.Contract.ParamExample(attr); ex != "" {
		learned = append([]string{ex}, learned...)
	}
	for _, l := range lengths {
		if err := pr.group(ctx, attr, l, groups[l], &learned); err != nil {
			return err
		}
	}
	return nil
}

// group learns the values of users whose values are l characters long:
// candidates as prefixes first, then user by user, character by
// character; a value learned is tried whole on the others.
func (pr *prober) group(ctx context.Context, attr string, l int, users []*probeUser, learned *[]string) error {
	unresolved := func(fits func(*probeUser) bool) []*probeUser {
		var out []*probeUser
		for _, u := range users {
			if !u.resolved() && !u.failed && (fits == nil || fits(u)) {
				out = append(out, u)
			}
		}
		return out
	}
	// tryPrefix asks whether values begin with c (the whole value when c
	// is l long), of the users it could be true of.
	tryPrefix := func(c string) error {
		rs := []rune(c)
		if len(rs) > l || len(rs) == 0 || (len(rs) == l && strings.TrimSpace(c) != c) || unicode.IsSpace(rs[0]) {
			return nil // the provider trims a filter: its ends must not be space
		}
		targets := unresolved(func(u *probeUser) bool { return agrees(u, rs) })
		if len(targets) == 0 {
			return nil
		}
		matched, _, err := pr.match(ctx, attr, escapeLike(c)+strings.Repeat("_", l-len(rs)), targets)
		for _, u := range targets {
			if matched[u.id] {
				copy(u.chars, rs)
			}
		}
		return err
	}
	for _, c := range *learned {
		if len(unresolved(nil)) == 0 {
			return nil
		}
		if err := tryPrefix(c); err != nil {
			return err
		}
	}
	for _, u := range users {
		for i := 0; i < l && !u.resolved() && !u.failed; i++ {
			if u.chars[i] != 0 {
				continue
			}
			var prev rune
			if i > 0 {
				prev = u.chars[i-1]
			}
			for _, c := range pr.order(i, l, prev, *learned) {
				if u.chars[i] != 0 {
					break
				}
				if u.not[i][c] || (unicode.IsSpace(c) && (i == 0 || i == l-1)) {
					continue // trimmed away by the provider, as its own input was
				}
				targets := unresolved(func(v *probeUser) bool { return v.chars[i] == 0 && !v.not[i][c] })
				matched, covered, err := pr.match(ctx, attr, strings.Repeat("_", i)+escapeLike(string(c))+strings.Repeat("_", l-i-1), targets)
				if err != nil {
					return err
				}
				for _, v := range targets {
					switch {
					case matched[v.id]:
						v.chars[i] = c
					case covered[v.id]:
						if v.not[i] == nil {
							v.not[i] = map[rune]bool{}
						}
						v.not[i][c] = true
					}
				}
			}
			if u.chars[i] == 0 {
				u.failed = true // a character probing does not try
			}
		}
		if u.resolved() && u.has == 1 {
			v := string(u.chars)
			if !slices.ContainsFunc(*learned, func(s string) bool { return strings.EqualFold(s, v) }) {
				*learned = append(*learned, v)
				if err := tryPrefix(v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
