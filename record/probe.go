package record

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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

// maxProbeLength bounds the length of a value probing learns.
const maxProbeLength = 128

// probeAlphabet is what a position is tried with, after the characters
// the candidates and learned values suggest for it. Lower case only:
// filters ignore case.
const probeAlphabet = "eaoinrtslcdumhpgbfywkvxzjq0123456789 .-/_:+(),'@&#"

// probeCandidates are values, or the beginnings of values, a provider's
// attributes are likely to hold: what OpenDialog's webchat writes
// (detect-browser's names before a version, its OS names), IANA time
// zone regions, common locales and countries.
var probeCandidates = map[string][]string{
	"platform":         {"webchat", "whatsapp", "messenger", "teams"},
	"os":               {"Windows 10", "Mac OS", "iOS", "Android OS", "Linux", "Chrome OS"},
	"browser":          {"chrome ", "safari ", "firefox ", "edge-chromium ", "ios ", "crios ", "samsung ", "opera ", "edge "},
	"browser_language": {"en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-BR", "pt-PT", "nl-NL", "en"},
	"timezone": {"Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
		"Europe/Amsterdam", "Europe/Brussels", "Europe/Lisbon", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen",
		"Europe/Helsinki", "Europe/Warsaw", "Europe/Vienna", "Europe/Zurich", "Europe/Athens", "Europe/Istanbul",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
		"America/Vancouver", "America/Mexico_City", "America/Sao_Paulo", "America/Buenos_Aires", "America/Bogota",
		"Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Asia/Dubai", "Asia/Shanghai", "Asia/Hong_Kong",
		"Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland", "Africa/Johannesburg", "Africa/Lagos", "UTC",
		"Europe/", "America/", "Asia/", "Australia/", "Africa/", "Pacific/"},
	"country":           {"GB", "US", "DE", "FR", "ES", "IT", "NL", "IE", "PT", "BR", "CA", "AU", "IN", "MX"},
	"selected_scenario": {"customer_support"},
}

// personalAttributes are attributes whose learned values are replaced by
// pseudonyms, and whose probe patterns the recording does not keep.
var personalAttributes = map[string]bool{"ip_address": true, "email": true}

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

// probeWindows merges the recorded chunks into as few windows as the
// answer size allows.
func probeWindows(col *collector, xs []Exchange, maxBytes int) []probeWindow {
	var out []probeWindow
	size := 0
	for _, x := range xs {
		if x.Status != 200 {
			continue
		}
		v, err := url.ParseQuery(x.Query)
		if err != nil {
			continue
		}
		users := map[string]bool{}
		if root, err := parseJSON(x.Bytes()); err == nil {
			if data := root.get("data"); data != nil {
				for _, item := range data.values {
					if item.kind == '{' && len(item.keys) == 1 {
						users[item.keys[0]] = true
					}
				}
			}
		}
		n := len(x.Bytes())
		if k := len(out) - 1; k >= 0 && size+n <= maxBytes {
			out[k].to = v.Get("to")
			for id := range users {
				out[k].users[id] = true
			}
			size += n
			continue
		}
		out = append(out, probeWindow{from: v.Get("from"), to: v.Get("to"), users: users})
		size = n
	}
	return out
}

// match asks for pattern on attr over the windows that hold targets, and
// returns who matched and who the answers could have held.
func (pr *prober) match(ctx context.Context, attr, pattern string, targets []*probeUser) (matched, covered map[string]bool, err error) {
	matched, covered = map[string]bool{}, map[string]bool{}
	left := map[string]bool{}
	for _, u := range targets {
		left[u.id] = true
	}
	for len(left) > 0 {
		best, bestN := -1, 0
		for i, w := range pr.windows {
			n := 0
			for id := range left {
				if w.users[id] {
					n++
				}
			}
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			return matched, covered, nil // in no window: not to be learned
		}
		w := pr.windows[best]
		for id := range w.users {
			covered[id] = true
			delete(left, id)
		}
		query := "from=" + queryEscape(w.from) + "&to=" + queryEscape(w.to) + "&" + attr + "=" + queryEscape(pattern)
		answers, err := pr.r.client.Get(ctx, query, verify.AuthToken)
		if err != nil {
			return matched, covered, err
		}
		last := answers[len(answers)-1]
		for _, a := range answers {
			for _, d := range verify.Drift(ctx, pr.r.opts.Contract, query, a) {
				pr.r.res.Drift = append(pr.r.res.Drift, "GET "+pr.r.endpoint.Path+"?"+query+": "+d)
			}
		}
		logged := query
		if pr.r.p.Enabled() && personalAttributes[attr] {
			logged = "from=" + queryEscape(w.from) + "&to=" + queryEscape(w.to) + "&" + attr + "=(withheld)"
		}
		p := Probe{Seq: len(pr.log) + 1, Attribute: attr, Query: logged, Status: last.Status, Users: []string{}}
		if last.Status != 200 {
			pr.log = append(pr.log, p)
			return matched, covered, fmt.Errorf("a probe was answered %d: %s", last.Status, snippet(last.Body))
		}
		root, err := parseJSON(last.Body)
		if err != nil {
			return matched, covered, fmt.Errorf("a probe's answer: %w", err)
		}
		if data := root.get("data"); data != nil {
			for _, item := range data.values {
				if item.kind == '{' && len(item.keys) == 1 {
					id := pr.r.p.UserID(item.keys[0])
					matched[id] = true
					p.Users = append(p.Users, id)
				}
			}
		}
		pr.log = append(pr.log, p)
	}
	return matched, covered, nil
}

// queryEscape writes a query value as the page's examples do: spaces as
// %20, colons as they are.
func queryEscape(s string) string {
	return strings.NewReplacer("+", "%20", "%3A", ":").Replace(url.QueryEscape(s))
}

// escapeLike makes s match itself: LIKE's %, _ and \ escaped.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
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

// agrees reports whether u's known characters allow a value beginning
// with rs.
func agrees(u *probeUser, rs []rune) bool {
	for i, r := range rs {
		if i >= len(u.chars) {
			return false
		}
		lr := []rune(strings.ToLower(string(r)))[0]
		if c := u.chars[i]; c != 0 && []rune(strings.ToLower(string(c)))[0] != lr {
			return false
		}
		if u.not[i][lr] {
			return false
		}
	}
	return true
}

// order is the characters to try at position i of a value l long: those
// the learned values and candidates have there, most often first, then
// the alphabet, the class of the character before first (digits and dots
// after a digit: a version, an address).
func (pr *prober) order(i, l int, prev rune, learned []string) []rune {
	count := map[rune]int{}
	var seen []rune
	for _, s := range learned {
		rs := []rune(strings.ToLower(s))
		if i < len(rs) && len(rs) <= l {
			if count[rs[i]] == 0 {
				seen = append(seen, rs[i])
			}
			count[rs[i]]++
		}
	}
	slices.SortStableFunc(seen, func(a, b rune) int { return count[b] - count[a] })
	alphabet := []rune(probeAlphabet)
	if unicode.IsDigit(prev) || prev == '.' || prev == ':' {
		slices.SortStableFunc(alphabet, func(a, b rune) int { return digitClass(b) - digitClass(a) })
	}
	for _, r := range alphabet {
		if count[r] == 0 {
			seen = append(seen, r)
		}
	}
	return seen
}

// digitClass ranks what follows a digit: digits, then separators.
func digitClass(r rune) int {
	switch {
	case unicode.IsDigit(r):
		return 2
	case r == '.' || r == ':':
		return 1
	}
	return 0
}
