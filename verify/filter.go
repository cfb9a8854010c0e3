package verify

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// filterPick is a filter value that tells the window's users apart: a
// part of one user's attribute, or, when the provider does not return the
// attribute (the page's chatbot_user_data is {id, name, email}), a probe
// value the provider's own answer showed to match some users but not all.
type filterPick struct {
	attr, user, value, sub string
	// blind is set when the provider does not return attr: the users
	// sub matches are only known from the provider's answer, matched.
	blind   bool
	matched map[string]bool
	why     string // when no value could be picked: why
}

// blindProbes are the values tried, in order, for a filter whose attribute
// the provider does not return: the contract's example for the parameter,
// then single characters common in every attribute's values.
func (v *verifier) blindProbes(attr string) []string {
	probes := []string{}
	if ex := v.c.ParamExample(attr); ex != "" {
		probes = append(probes, ex)
	}
	for _, p := range []string{"e", "a", ".", "1"} {
		if !slices.Contains(probes, p) {
			probes = append(probes, p)
		}
	}
	return probes
}

// noSuchValue is a filter value no real attribute contains: no wildcard,
// and characters no attribute the contract names is made of.
const noSuchValue = "zq~no~such~value~7f3d"

// pickFilter chooses a value for a filter on attr, or says why none can
// be chosen honestly. Picks are kept: the checks that need one agree.
func (v *verifier) pickFilter(ctx context.Context, res *CheckResult, base []user, attr string) *filterPick {
	if p, ok := v.picks[attr]; ok {
		if p.why != "" {
			return nil
		}
		return p
	}
	p := v.choose(ctx, res, base, attr)
	v.picks[attr] = p
	if p.why != "" {
		return nil
	}
	return p
}

func (v *verifier) choose(ctx context.Context, res *CheckResult, base []user, attr string) *filterPick {
	returned := false
	for i := range base {
		if _, _, present := base[i].attribute(attr); present {
			returned = true
			break
		}
	}
	if !returned {
		for _, probe := range v.blindProbes(attr) {
			us, ok := usersOf(res, v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, probe})))
			if !ok {
				return &filterPick{why: "the provider did not answer a filter on " + attr}
			}
			if len(us) > 0 && len(us) < len(base) {
				return &filterPick{attr: attr, sub: probe, blind: true, matched: keys(us)}
			}
		}
		return &filterPick{why: "no probe value (" + strings.Join(v.blindProbes(attr), ", ") + ") tells the window's users apart by " + attr}
	}
	for i := range base {
		val, ok, _ := base[i].attribute(attr)
		if !ok {
			continue
		}
		for _, sub := range filterCandidates(val) {
			if m := matching(base, attr, sub, true); len(m) < len(base) {
				return &filterPick{attr: attr, user: base[i].Key, value: val, sub: sub, matched: m}
			}
		}
	}
	return &filterPick{why: "no part of any user's " + attr + " tells the window's users apart"}
}

// filterCandidates are parts of a value worth filtering on: no LIKE
// wildcards, no spaces at the ends (Laravel trims them), and shorter than
// the value, so that a partial match is needed.
func filterCandidates(val string) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && s != val && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	segs := strings.FieldsFunc(val, func(r rune) bool { return r == '%' || r == '_' || r == '\\' })
	sort.SliceStable(segs, func(i, j int) bool { return len(segs[i]) > len(segs[j]) })
	for _, seg := range segs {
		if utf8.RuneCountInString(seg) >= 2 {
			_, first := utf8.DecodeRuneInString(seg)
			_, last := utf8.DecodeLastRuneInString(seg)
			add(seg[first:])
			add(seg[:len(seg)-last])
		}
		add(seg)
	}
	return out
}

// matching are the keys of the users whose attr contains sub, ignoring
// case or not.
func matching(us []user, attr, sub string, ignoreCase bool) map[string]bool {
	m := map[string]bool{}
	if ignoreCase {
		sub = strings.ToLower(sub)
	}
	for i := range us {
		val, ok, _ := us[i].attribute(attr)
		if ignoreCase {
			val = strings.ToLower(val)
		}
		if ok && strings.Contains(val, sub) {
			m[us[i].Key] = true
		}
	}
	return m
}

func keys(us []user) map[string]bool {
	m := make(map[string]bool, len(us))
	for _, u := range us {
		m[u.Key] = true
	}
	return m
}

func (v *verifier) checkFilter(ctx context.Context, res *CheckResult, attr string) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	// Whatever the provider returns, a value nobody has matches nobody:
	// this catches a filter that is ignored.
	none := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, noSuchValue}))
	if us, ok := usersOf(res, none); !ok {
		return
	} else if len(us) > 0 {
		res.fail(none, "%s=%q, a value no user can have, returns %d users: the filter is ignored", attr, noSuchValue, len(us))
		return
	}
	p := v.pickFilter(ctx, res, base, attr)
	if p == nil {
		res.skip("%s", v.picks[attr].why)
		return
	}
	r := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, p.sub}))
	us, ok := usersOf(res, r)
	if !ok {
		return
	}
	if p.blind {
		v.checkBlindFilter(ctx, res, base, p, r, us)
		return
	}
	baseByKey := map[string]*user{}
	for i := range base {
		baseByKey[base[i].Key] = &base[i]
	}
	lower := strings.ToLower(p.sub)
	for i := range us {
		u := &us[i]
		val, ok, present := u.attribute(attr)
		if !present && baseByKey[u.Key] != nil {
			val, ok, _ = baseByKey[u.Key].attribute(attr)
		}
		if !ok {
			res.fail(r, "user %s has no %s, yet matched %s=%q", u.Key, attr, attr, p.sub)
		} else if !strings.Contains(strings.ToLower(val), lower) {
			res.fail(r, "user %s has %s %q, which does not contain %q", u.Key, attr, val, p.sub)
		}
	}
	got := keys(us)
	// Whatever the case rules, users whose value contains the filter in
	// its very case must match.
	for _, u := range base {
		if matching([]user{u}, attr, p.sub, false)[u.Key] && !got[u.Key] {
			val, _, _ := u.attribute(attr)
			res.fail(r, "user %s has %s %q, which contains %q, but is not returned", u.Key, attr, val, p.sub)
		}
	}
}

// checkBlindFilter judges a filter whose values the provider does not
// return: the users it returns are users of the window, with the same
// interactions, and a shorter part of the value matches at least them.
func (v *verifier) checkBlindFilter(ctx context.Context, res *CheckResult, base []user, p *filterPick, r *response, us []user) {
	byKey := map[string]*user{}
	for i := range base {
		byKey[base[i].Key] = &base[i]
	}
	for i := range us {
		b := byKey[us[i].Key]
		if b == nil {
			res.fail(r, "user %s matched %s=%q but is not in the window's answer", us[i].Key, p.attr, p.sub)
			continue
		}
		if len(b.Interactions) != len(us[i].Interactions) {
			res.fail(r, "user %s has %d interactions filtered by %s=%q, %d without: a filter selects users, not messages",
				us[i].Key, len(us[i].Interactions), p.attr, p.sub, len(b.Interactions))
		}
	}
	if n := utf8.RuneCountInString(p.sub); n > 1 {
		_, last := utf8.DecodeLastRuneInString(p.sub)
		shorter := p.sub[:len(p.sub)-last]
		rs := v.get(ctx, v.rangeQuery(v.from, v.to, param{p.attr, shorter}))
		if uss, ok := usersOf(res, rs); ok {
			wider := keys(uss)
			for k := range keys(us) {
				if !wider[k] {
					res.fail(rs, "user %s matches %s=%q but not %q, a part of it: not a partial match", k, p.attr, p.sub, shorter)
				}
			}
		}
	}
}

// appliedFilters are the filters each user of an answer echoes, as the
// page says: "The scenario filter that was applied", "The browser filter
// that was applied".
func appliedFilters() []string { return []string{"selected_scenario", "browser"} }

// checkApplied judges the per-user selected_scenario and browser: null in
// an answer to a query without them, the value sent in one with it.
func (v *verifier) checkApplied(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	window := v.window(ctx)
	echoes := func(r *response, us []user, sent map[string]string) {
		for i := range us {
			for _, name := range appliedFilters() {
				got := us[i].SelectedScenario
				if name == "browser" {
					got = us[i].Browser
				}
				want, given := sent[name]
				switch {
				case !given && got != nil:
					res.fail(r, "user %s has %s %q, want null: the query has no %s filter", us[i].Key, name, *got, name)
					return
				case given && (got == nil || *got != want):
					res.fail(r, "user %s has %s %s, want %q: the filter that was applied", us[i].Key, name, quoteOrNull(got), want)
					return
				}
			}
		}
	}
	echoes(window, base, nil)
	judged := false
	for _, name := range appliedFilters() {
		p := v.pickFilter(ctx, res, base, name)
		if p == nil {
			continue
		}
		r := v.get(ctx, v.rangeQuery(v.from, v.to, param{name, p.sub}))
		if us, ok := usersOf(res, r); ok {
			echoes(r, us, map[string]string{name: p.sub})
			judged = true
		}
	}
	if !judged {
		res.skip("no selected_scenario or browser filter matches some users of the window")
	}
}

func quoteOrNull(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", *s)
}

// swapCase turns upper-case letters to lower case and the others up.
func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, s)
}

func (v *verifier) checkCaseInsensitive(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	for _, attr := range v.c.Attributes() {
		p := v.pickFilter(ctx, res, base, attr)
		if p == nil || swapCase(p.sub) == p.sub {
			continue
		}
		r := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, p.sub}))
		rs := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, swapCase(p.sub)}))
		us, ok := usersOf(res, r)
		uss, okS := usersOf(res, rs)
		if ok && okS {
			diffUsers(res, rs, keys(uss), keys(us), fmt.Sprintf("%s=%q", attr, p.sub))
		}
		return
	}
	res.skip("no filter value with letters to change the case of")
}

// diffUsers fails the check where got's users differ from want's.
func diffUsers(res *CheckResult, r *response, got, want map[string]bool, wantFrom string) {
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		res.fail(r, "%d users returned by %s are missing: %s", len(missing), wantFrom, list(missing))
	}
	if len(extra) > 0 {
		res.fail(r, "%d users not returned by %s are returned: %s", len(extra), wantFrom, list(extra))
	}
}

func list(ids []string) string {
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return strings.Join(ids, ", ")
}

// checkAnd compares two filters together with the provider's own answers
// to each alone, so that it judges how filters combine, not each filter.
// The pair is one whose users overlap without either containing the
// other, so that AND, OR and either filter alone all answer differently.
func (v *verifier) checkAnd(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	attrs := v.c.Attributes()
	for i, a := range attrs {
		pa := v.pickFilter(ctx, res, base, a)
		if pa == nil {
			continue
		}
		for _, b := range attrs[i+1:] {
			pb := v.pickFilter(ctx, res, base, b)
			if pb == nil || !tellsAndApart(pa.matched, pb.matched) {
				continue
			}
			ra := v.get(ctx, v.rangeQuery(v.from, v.to, param{a, pa.sub}))
			rb := v.get(ctx, v.rangeQuery(v.from, v.to, param{b, pb.sub}))
			rab := v.get(ctx, v.rangeQuery(v.from, v.to, param{a, pa.sub}, param{b, pb.sub}))
			ua, okA := usersOf(res, ra)
			ub, okB := usersOf(res, rb)
			uab, okAB := usersOf(res, rab)
			if !okA || !okB || !okAB {
				return
			}
			both := map[string]bool{}
			kb := keys(ub)
			for k := range keys(ua) {
				if kb[k] {
					both[k] = true
				}
			}
			diffUsers(res, rab, keys(uab), both, fmt.Sprintf("both %s=%q and %s=%q", a, pa.sub, b, pb.sub))
			return
		}
	}
	res.skip("no two filters whose users overlap without one holding the other's")
}

// tellsAndApart reports whether filters matching a and b overlap, and
// neither holds the other: AND, OR, a and b then all differ.
func tellsAndApart(a, b map[string]bool) bool {
	common := 0
	for k := range a {
		if b[k] {
			common++
		}
	}
	return common > 0 && common < len(a) && common < len(b)
}
