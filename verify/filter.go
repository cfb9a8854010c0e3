package verify

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// filterPick is a filter value that tells the window's users apart: a
// part of one user's attribute.
type filterPick struct {
	attr, user, value, sub string
}

// pickFilter chooses a value for a filter on attr from the baseline, or
// says why none can be chosen honestly.
func (v *verifier) pickFilter(base []user, attr string) (*filterPick, string) {
	if p, ok := v.picks[attr]; ok {
		return p, ""
	}
	returned := false
	for i := range base {
		if _, _, present := base[i].attribute(attr); present {
			returned = true
			break
		}
	}
	if !returned {
		return nil, "provider does not return attribute " + attr + ": cannot tell which users should match"
	}
	for i := range base {
		val, ok, _ := base[i].attribute(attr)
		if !ok {
			continue
		}
		for _, sub := range filterCandidates(val) {
			if n := len(matching(base, attr, sub, true)); n < len(base) {
				p := &filterPick{attr: attr, user: base[i].Key, value: val, sub: sub}
				v.picks[attr] = p
				return p, ""
			}
		}
	}
	return nil, "no part of any user's " + attr + " tells the window's users apart"
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
	p, why := v.pickFilter(base, attr)
	if p == nil {
		res.skip("%s", why)
		return
	}
	r := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, p.sub}))
	us, ok := usersOf(res, r)
	if !ok {
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
		p, _ := v.pickFilter(base, attr)
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
func (v *verifier) checkAnd(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	byKey := map[string]*user{}
	for i := range base {
		byKey[base[i].Key] = &base[i]
	}
	for _, a := range v.c.Attributes() {
		pa, _ := v.pickFilter(base, a)
		if pa == nil {
			continue
		}
		ma := matching(base, a, pa.sub, true)
		u := byKey[pa.user]
		for _, b := range v.c.Attributes() {
			val, ok, _ := u.attribute(b)
			if b == a || !ok {
				continue
			}
			for _, sub := range filterCandidates(val) {
				mb := matching(base, b, sub, true)
				if len(mb) == len(base) || reflect.DeepEqual(ma, mb) {
					continue // the pair would not tell AND from OR
				}
				ra := v.get(ctx, v.rangeQuery(v.from, v.to, param{a, pa.sub}))
				rb := v.get(ctx, v.rangeQuery(v.from, v.to, param{b, sub}))
				rab := v.get(ctx, v.rangeQuery(v.from, v.to, param{a, pa.sub}, param{b, sub}))
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
				diffUsers(res, rab, keys(uab), both, fmt.Sprintf("both %s=%q and %s=%q", a, pa.sub, b, sub))
				return
			}
		}
	}
	res.skip("no user has two attributes whose values tell the window's users apart")
}
