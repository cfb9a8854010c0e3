package verify

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"
)

// anchor is an interaction of the baseline whose date the range checks use.
func anchor(us []user) (user string, at time.Time, ok bool) {
	for _, u := range us {
		for _, in := range u.Interactions {
			if t, ok := parseTimestamp(in.Date); ok {
				return u.Key, t, true
			}
		}
	}
	return "", time.Time{}, false
}

// boundQueries are a minute that starts at an interaction and a minute
// that ends at it.
func (v *verifier) boundQueries(us []user) (user string, at time.Time, lower, upper []param, ok bool) {
	user, at, ok = anchor(us)
	lower = v.rangeQuery(at, at.Add(59*time.Second))
	upper = v.rangeQuery(at.Add(-59*time.Second), at)
	return user, at, lower, upper, ok
}

func (v *verifier) checkInclusive(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	user, at, lower, upper, ok := v.boundQueries(base)
	if !ok {
		res.skip("no interaction in the window has a date to anchor on")
		return
	}
	for _, tt := range []struct {
		bound string
		q     []param
	}{{v.fromParam, lower}, {v.toParam, upper}} {
		r := v.get(ctx, tt.q)
		us, ok := usersOf(res, r)
		if !ok {
			continue
		}
		found := false
		for _, u := range us {
			for _, in := range u.Interactions {
				if t, ok := parseTimestamp(in.Date); ok && u.Key == user && t.Equal(at) {
					found = true
				}
			}
		}
		if !found {
			res.fail(r, "user %s's interaction at %s, exactly %s, is missing: %s is not inclusive",
				user, at.Format(time.DateTime), tt.bound, tt.bound)
		}
	}
}

// splitQueries are the window's two halves, split between two seconds in
// which nothing happened: whether a bound is inclusive is range:inclusive's
// business, not this check's.
func (v *verifier) splitQueries(us []user) (a, b []param, ok bool) {
	seen := map[int64]bool{}
	var secs []int64
	for _, u := range us {
		for _, in := range u.Interactions {
			if t, ok := parseTimestamp(in.Date); ok && !seen[t.Unix()] {
				seen[t.Unix()] = true
				secs = append(secs, t.Unix())
			}
		}
	}
	slices.Sort(secs)
	from, to := v.from.Unix(), v.to.Unix()
	// From the median outwards, the first quiet two seconds before an
	// interaction: the first half ends with one, the second starts with
	// the other.
	for d := 0; d < len(secs); d++ {
		for _, i := range []int{len(secs)/2 + d, len(secs)/2 - d} {
			if i < 1 || i >= len(secs) {
				continue
			}
			mid := secs[i] - 2
			if !seen[mid] && !seen[mid+1] && mid >= from && mid < to {
				m := time.Unix(mid, 0).UTC()
				return v.rangeQuery(v.from, m), v.rangeQuery(m.Add(time.Second), v.to), true
			}
		}
	}
	return nil, nil, false
}

func (v *verifier) checkSplit(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	qa, qb, ok := v.splitQueries(base)
	if !ok {
		res.skip("the window's interactions are not at two different times")
		return
	}
	whole := v.window(ctx)
	ra, rb := v.get(ctx, qa), v.get(ctx, qb)
	ua, okA := usersOf(res, ra)
	ub, okB := usersOf(res, rb)
	if !okA || !okB {
		return
	}
	count := map[string]int{}
	for _, u := range base {
		for _, in := range u.Interactions {
			count[interactionKey(u.Key, in)]++
		}
	}
	for _, half := range []struct {
		r  *response
		us []user
	}{{ra, ua}, {rb, ub}} {
		for _, u := range half.us {
			for _, in := range u.Interactions {
				k := interactionKey(u.Key, in)
				count[k]--
				if count[k] < 0 {
					res.fail(half.r, "user %s's %s interaction at %s is not in the whole window's answer, or is in both halves",
						u.Key, in.Type, in.Date)
				}
			}
		}
	}
	for _, u := range base {
		for _, in := range u.Interactions {
			if k := interactionKey(u.Key, in); count[k] > 0 {
				count[k] = 0
				res.fail(whole, "user %s's %s interaction at %s is in the whole window but in neither half (%s, %s)",
					u.Key, in.Type, in.Date, ra.query, rb.query)
			}
		}
	}
	if res.Status == CheckFail {
		res.Failures = append([]CheckFailure{{Problem: fmt.Sprintf("halves have %d and %d interactions, the whole window %d",
			countInteractions(ua), countInteractions(ub), countInteractions(base))}}, res.Failures...)
	}
}

// queryBounds reads the bounds a query asked for.
func (v *verifier) queryBounds(r *response) (from, to time.Time) {
	q, _ := url.ParseQuery(r.query)
	from, _ = time.Parse(v.c.DateLayout(), q.Get(v.fromParam))
	to, _ = time.Parse(v.c.DateLayout(), q.Get(v.toParam))
	return from, to
}

// rangeAnswers are the answers of the range checks' queries.
func (v *verifier) rangeAnswers(ctx context.Context, base []user) []*response {
	rs := []*response{v.window(ctx)}
	if a, b, ok := v.splitQueries(base); ok {
		rs = append(rs, v.get(ctx, a), v.get(ctx, b))
	}
	if _, _, lower, upper, ok := v.boundQueries(base); ok {
		rs = append(rs, v.get(ctx, lower), v.get(ctx, upper))
	}
	return rs
}

func (v *verifier) checkWithin(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	for _, r := range v.rangeAnswers(ctx, base) {
		us, ok := usersOf(res, r)
		if !ok {
			continue
		}
		from, to := v.queryBounds(r)
		for _, u := range us {
			for _, in := range u.Interactions {
				t, ok := parseTimestamp(in.Date)
				if ok && (t.Before(from) || t.After(to)) {
					res.fail(r, "user %s's %s interaction at %s is outside the range", u.Key, in.Type, in.Date)
				}
			}
		}
	}
}

func (v *verifier) checkEcho(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	for _, r := range v.rangeAnswers(ctx, base) {
		us, ok := usersOf(res, r)
		if !ok {
			continue
		}
		from, to := v.queryBounds(r)
		for _, u := range us {
			f, okF := parseTimestamp(u.From)
			t, okT := parseTimestamp(u.To)
			if !okF || !okT || !f.Equal(from) || !t.Equal(to) {
				res.fail(r, "user %s has from %q and to %q, want the query's %s and %s",
					u.Key, u.From, u.To, from.Format(time.DateTime), to.Format(time.DateTime))
				break
			}
		}
	}
}
