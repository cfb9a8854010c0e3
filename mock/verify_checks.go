package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// verifier runs the checks of one Verify call. Checks are independent: each
// sends what it needs (the client answers repeats from its cache) and
// judges one behaviour, so a provider that breaks one behaviour fails one
// check. Checks that compare answers compare the provider with itself
// where they can (a split window with the whole, a filter in another case
// with the same filter), so one broken rule does not fail the others.
type verifier struct {
	c        *Contract
	client   *verifyClient
	base     *url.URL
	from, to time.Time
	probed   bool
	picks    map[string]*filterPick
}

// verifyCheck is one named check.
type verifyCheck struct {
	name, desc string
	run        func(context.Context, *CheckResult)
}

func newVerifier(ctx context.Context, opts VerifyOptions) (*verifier, error) {
	base, err := url.Parse(strings.TrimSpace(opts.BaseURL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q: want http:// or https:// and a host", opts.BaseURL)
	}
	if opts.Token == "" {
		return nil, errors.New("no API token: the checks need one the provider accepts")
	}
	if opts.From.IsZero() != opts.To.IsZero() {
		return nil, errors.New("give both ends of the window, or neither to probe for it")
	}
	if opts.To.Before(opts.From) {
		return nil, fmt.Errorf("window %s to %s ends before it starts", opts.From.Format(time.DateTime), opts.To.Format(time.DateTime))
	}
	if opts.Rate < 0 || math.IsNaN(opts.Rate) {
		return nil, fmt.Errorf("rate %v: want a positive number of requests a second", opts.Rate)
	}
	if opts.MaxRequests < 0 {
		return nil, fmt.Errorf("max requests %d: must not be negative", opts.MaxRequests)
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultVerifyRate
	}
	if opts.MaxRequests == 0 {
		opts.MaxRequests = DefaultVerifyMaxRequests
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.sleep == nil {
		opts.sleep = sleepCtx
	}
	c := opts.Contract
	if c == nil {
		if c, err = DefaultContract(ctx); err != nil {
			return nil, err
		}
	}
	endpoint := *base
	endpoint.Path = strings.TrimSuffix(base.Path, "/") + c.Path()
	endpoint.RawQuery, endpoint.Fragment = "", ""
	return &verifier{
		c:    c,
		base: base,
		from: opts.From.UTC(), to: opts.To.UTC(),
		picks: map[string]*filterPick{},
		client: &verifyClient{
			opts:     opts,
			endpoint: &endpoint,
			path:     endpoint.Path,
			interval: time.Duration(float64(time.Second) / opts.Rate),
			cache:    map[string]*vResponse{},
		},
	}, nil
}

// probeSpans are the windows up to now tried, in order, when no window is
// given: the first with data is used.
var probeSpans = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour, 3650 * 24 * time.Hour}

// findWindow probes for a window with data when none was given, and makes
// sure the provider answers at all.
func (v *verifier) findWindow(ctx context.Context) error {
	given := !v.from.IsZero()
	v.probed = !given
	now := time.Now().UTC().Truncate(time.Second)
	for _, span := range probeSpans {
		if !given {
			v.from, v.to = now.Add(-span), now
		}
		r := v.window(ctx)
		switch {
		case r.err != nil:
			return fmt.Errorf("provider does not answer: %s: %w", r.label, r.err)
		case r.status == http.StatusUnauthorized:
			// Every other check would fail for it: say it once.
			return fmt.Errorf("provider rejects the token: %s: status 401, body %s", r.label, snippet(r.body))
		case given || r.status != http.StatusOK || countInteractions(r.users) > 0:
			return nil // the data check reports a bad status
		}
	}
	return nil
}

// checks lists the checks in the order they run and are reported.
func (v *verifier) checks() []verifyCheck {
	cs := []verifyCheck{
		{"data", "a valid query over the window answers 200 with interactions", v.checkData},
		{"unauthenticated", "401 {\"message\":\"Unauthenticated.\"} without a token and with a wrong one", v.checkUnauthenticated},
		{"invalid:required", "422 with the page's body when from and to are missing", v.checkRequired},
		{"invalid:format", "422 on the date field that is not YYYY-MM-DD HH:MM:SS", v.checkFormat},
		{"invalid:filter", "422 with the page's body for a filter name the contract does not allow", v.checkUnknownFilter},
		{"empty", "a range without data answers 200 {\"data\":[]}", v.checkEmpty},
		{"range:inclusive", "an interaction at exactly from, and at exactly to, is returned", v.checkInclusive},
		{"range:within", "every returned interaction is within from and to", v.checkWithin},
		{"range:split", "the window split in two halves returns the whole window's interactions, each once", v.checkSplit},
		{"range:echo", "each user's from and to are the query's bounds", v.checkEcho},
		{"user_id", "user_id returns that user only, with all their interactions", v.checkUserID},
	}
	for _, attr := range v.c.attributes {
		cs = append(cs, verifyCheck{"filter:" + attr,
			"a partial " + attr + " returns only users whose " + attr + " contains it, and all of them",
			func(ctx context.Context, res *CheckResult) { v.checkFilter(ctx, res, attr) }})
	}
	return append(cs,
		verifyCheck{"filter:case-insensitive", "a filter in another case returns the same users", v.checkCaseInsensitive},
		verifyCheck{"filter:and", "two filters return the users both return", v.checkAnd},
		verifyCheck{"bot-excluded", "no returned interaction is a bot message", v.checkBotExcluded},
		verifyCheck{"schema", "every answer matches openapi.yaml: status, headers and body", v.checkSchema},
		verifyCheck{"fields:known", "every field of every answer is one openapi.yaml names", v.checkKnownFields},
	)
}

// rangeQuery is the query for from..to, in the contract's date format.
func (v *verifier) rangeQuery(from, to time.Time, extra ...param) []param {
	q := []param{
		{v.c.dateParams[0], from.Format(v.c.dateLayout)},
		{v.c.dateParams[1], to.Format(v.c.dateLayout)},
	}
	return append(q, extra...)
}

func (v *verifier) get(ctx context.Context, q []param) *vResponse {
	return v.client.get(ctx, q, authToken)
}

// window is the answer for the whole window: the baseline other checks
// compare with.
func (v *verifier) window(ctx context.Context) *vResponse {
	return v.get(ctx, v.rangeQuery(v.from, v.to))
}

// baseline returns the whole window's users, or skips the check when there
// are none to compare with.
func (v *verifier) baseline(ctx context.Context, res *CheckResult) ([]vUser, bool) {
	r := v.window(ctx)
	if r.err != nil || r.status != http.StatusOK || r.parseErr != nil || countInteractions(r.users) == 0 {
		res.skip("needs interactions in the window (see check data)")
		return nil, false
	}
	return r.users, true
}

// answered fails the check unless r has status want.
func answered(res *CheckResult, r *vResponse, want int) bool {
	if r.err != nil {
		res.fail(r, "no answer: %v", r.err)
		return false
	}
	if r.status != want {
		res.fail(r, "status %d, want %d; body %s", r.status, want, snippet(r.body))
		return false
	}
	return true
}

// users fails the check unless r is a 200 with the contract's body.
func users(res *CheckResult, r *vResponse) ([]vUser, bool) {
	if !answered(res, r, http.StatusOK) {
		return nil, false
	}
	if r.parseErr != nil {
		res.fail(r, "%v", r.parseErr)
		return nil, false
	}
	return r.users, true
}

func snippet(b []byte) string {
	const n = 300
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

func countInteractions(us []vUser) int {
	n := 0
	for _, u := range us {
		n += len(u.Interactions)
	}
	return n
}

func (v *verifier) checkData(ctx context.Context, res *CheckResult) {
	r := v.window(ctx)
	us, ok := users(res, r)
	if ok && countInteractions(us) == 0 {
		res.fail(r, "no interactions from %s to %s: give a window where the provider has data (--from, --to)",
			v.from.Format(time.DateTime), v.to.Format(time.DateTime))
	}
}

func (v *verifier) checkUnauthenticated(ctx context.Context, res *CheckResult) {
	for _, auth := range []string{authNone, authWrong} {
		r := v.client.get(ctx, v.rangeQuery(v.from, v.to), auth)
		if !answered(res, r, http.StatusUnauthorized) {
			continue
		}
		var body struct {
			Message *string `json:"message"`
		}
		if json.Unmarshal(r.body, &body) != nil || body.Message == nil || *body.Message != msgUnauthenticated {
			res.fail(r, "body %s, want {\"message\":%q}", snippet(r.body), msgUnauthenticated)
		}
	}
}

// validationBody is a 422 body.
type validationBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// expect422 fails the check unless r is a 422 whose body equals want.
func expect422(res *CheckResult, r *vResponse, want validationBody) {
	if !answered(res, r, http.StatusUnprocessableEntity) {
		return
	}
	var got validationBody
	if err := json.Unmarshal(r.body, &got); err != nil || !reflect.DeepEqual(got, want) {
		w, _ := json.Marshal(want)
		res.fail(r, "body %s, want %s", snippet(r.body), w)
	}
}

func (v *verifier) checkRequired(ctx context.Context, res *CheckResult) {
	want := validationBody{Message: msgInvalidData, Errors: map[string][]string{}}
	for _, p := range v.c.dateParams {
		want.Errors[p] = []string{msgRequired(p)}
	}
	expect422(res, v.get(ctx, nil), want)
}

func (v *verifier) checkUnknownFilter(ctx context.Context, res *CheckResult) {
	const name = "invalid_param" // the page's own example
	msg := msgFilterNotAllowed(name)
	want := validationBody{Message: msg, Errors: map[string][]string{"filters." + name: {msg}}}
	expect422(res, v.get(ctx, v.rangeQuery(v.from, v.to, param{name, "1"})), want)
}

// checkFormat sends each date in a format the page does not allow, the
// other date right, and wants a 422 that names the wrong date only.
func (v *verifier) checkFormat(ctx context.Context, res *CheckResult) {
	from, to := v.c.dateParams[0], v.c.dateParams[1]
	tests := []struct {
		bad   string
		query []param
	}{
		{from, []param{{from, v.from.Format(time.DateOnly)}, {to, v.to.Format(v.c.dateLayout)}}},
		{to, []param{{from, v.from.Format(v.c.dateLayout)}, {to, v.to.Format("2006-01-02T15:04:05")}}},
	}
	for _, tt := range tests {
		r := v.get(ctx, tt.query)
		if !answered(res, r, http.StatusUnprocessableEntity) {
			continue
		}
		var got validationBody
		if err := json.Unmarshal(r.body, &got); err != nil {
			res.fail(r, "body %s is not {\"message\":...,\"errors\":{...}}", snippet(r.body))
			continue
		}
		keys := make([]string, 0, len(got.Errors))
		for k := range got.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if got.Message != msgInvalidData || !slices.Equal(keys, []string{tt.bad}) {
			res.fail(r, "message %q with errors for %v, want %q with errors for [%s] only", got.Message, keys, msgInvalidData, tt.bad)
		}
	}
}

// emptyWindow is long before any workspace existed.
var emptyWindow = [2]time.Time{
	time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(1971, 1, 1, 23, 59, 59, 0, time.UTC),
}

func (v *verifier) checkEmpty(ctx context.Context, res *CheckResult) {
	r := v.get(ctx, v.rangeQuery(emptyWindow[0], emptyWindow[1]))
	if !answered(res, r, http.StatusOK) {
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &body); err != nil || len(body) != 1 || strings.Join(strings.Fields(string(body["data"])), "") != "[]" {
		res.fail(r, "body %s, want {\"data\":[]}", snippet(r.body))
	}
}

// anchor is an interaction of the baseline whose date the range checks use.
func anchor(us []vUser) (user string, at time.Time, ok bool) {
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
func (v *verifier) boundQueries(us []vUser) (user string, at time.Time, lower, upper []param, ok bool) {
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
	}{{v.c.dateParams[0], lower}, {v.c.dateParams[1], upper}} {
		r := v.get(ctx, tt.q)
		us, ok := users(res, r)
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
func (v *verifier) splitQueries(us []vUser) (a, b []param, ok bool) {
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
	ua, okA := users(res, ra)
	ub, okB := users(res, rb)
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
		r  *vResponse
		us []vUser
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
func (v *verifier) queryBounds(r *vResponse) (from, to time.Time) {
	q, _ := url.ParseQuery(r.query)
	from, _ = time.Parse(v.c.dateLayout, q.Get(v.c.dateParams[0]))
	to, _ = time.Parse(v.c.dateLayout, q.Get(v.c.dateParams[1]))
	return from, to
}

// rangeAnswers are the answers of the range checks' queries.
func (v *verifier) rangeAnswers(ctx context.Context, base []vUser) []*vResponse {
	rs := []*vResponse{v.window(ctx)}
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
		us, ok := users(res, r)
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
		us, ok := users(res, r)
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

func (v *verifier) checkUserID(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	id := base[0].Key
	want := map[string]int{}
	for _, u := range base {
		if u.Key == id {
			for _, in := range u.Interactions {
				want[interactionKey(u.Key, in)]++
			}
		}
	}
	r := v.get(ctx, v.rangeQuery(v.from, v.to, param{v.c.idParam, id}))
	us, ok := users(res, r)
	if !ok {
		return
	}
	got := map[string]int{}
	for _, u := range us {
		if u.Key != id || u.UserID != id {
			res.fail(r, "user %q (user_id %q) returned, want only %q", u.Key, u.UserID, id)
			continue
		}
		for _, in := range u.Interactions {
			got[interactionKey(u.Key, in)]++
		}
	}
	if len(us) == 0 {
		res.fail(r, "no user returned, want %q", id)
	}
	if res.Status != CheckFail && !reflect.DeepEqual(got, want) {
		res.fail(r, "%d interactions of %s, the whole window has %d of theirs", len(got), id, len(want))
	}
}

// filterPick is a filter value that tells the window's users apart: a
// part of one user's attribute.
type filterPick struct {
	attr, user, value, sub string
}

// pickFilter chooses a value for a filter on attr from the baseline, or
// says why none can be chosen honestly.
func (v *verifier) pickFilter(base []vUser, attr string) (*filterPick, string) {
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
func matching(us []vUser, attr, sub string, ignoreCase bool) map[string]bool {
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

func keys(us []vUser) map[string]bool {
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
	us, ok := users(res, r)
	if !ok {
		return
	}
	baseByKey := map[string]*vUser{}
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
		if matching([]vUser{u}, attr, p.sub, false)[u.Key] && !got[u.Key] {
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
	for _, attr := range v.c.attributes {
		p, _ := v.pickFilter(base, attr)
		if p == nil || swapCase(p.sub) == p.sub {
			continue
		}
		r := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, p.sub}))
		rs := v.get(ctx, v.rangeQuery(v.from, v.to, param{attr, swapCase(p.sub)}))
		us, ok := users(res, r)
		uss, okS := users(res, rs)
		if ok && okS {
			diffUsers(res, rs, keys(uss), keys(us), fmt.Sprintf("%s=%q", attr, p.sub))
		}
		return
	}
	res.skip("no filter value with letters to change the case of")
}

// diffUsers fails the check where got's users differ from want's.
func diffUsers(res *CheckResult, r *vResponse, got, want map[string]bool, wantFrom string) {
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
	byKey := map[string]*vUser{}
	for i := range base {
		byKey[base[i].Key] = &base[i]
	}
	for _, a := range v.c.attributes {
		pa, _ := v.pickFilter(base, a)
		if pa == nil {
			continue
		}
		ma := matching(base, a, pa.sub, true)
		u := byKey[pa.user]
		for _, b := range v.c.attributes {
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
				ua, okA := users(res, ra)
				ub, okB := users(res, rb)
				uab, okAB := users(res, rab)
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

// botOnlyTypes are the types of OpenDialog's bot messages that a user never
// sends.
var botOnlyTypes = []string{"image", "list", "long_text", "rich", "cta", "autocomplete", "date-picker", "meta", "hand-to-system", "empty"}

// botSign says why an interaction looks like the bot's, or "".
func botSign(in vInteraction) string {
	if slices.Contains(botOnlyTypes, in.Type) {
		return "its type " + in.Type + " is a bot message's"
	}
	var data map[string]json.RawMessage
	isNull := len(in.Data) == 0 || string(in.Data) == "null"
	_ = json.Unmarshal(in.Data, &data)
	switch in.Type {
	case "button":
		// A user's button says which button; the bot's offers buttons.
		if isNull || data["buttons"] != nil {
			return "a button without the button chosen is the bot offering buttons"
		}
	case "form":
		// A user's form carries the values; the bot's asks for them.
		if isNull || data["elements"] != nil {
			return "a form without values is the bot's form"
		}
	}
	return ""
}

func (v *verifier) checkBotExcluded(ctx context.Context, res *CheckResult) {
	base, ok := v.baseline(ctx, res)
	if !ok {
		return
	}
	r := v.window(ctx)
	for _, u := range base {
		for _, in := range u.Interactions {
			if why := botSign(in); why != "" {
				res.fail(r, "user %s's %s interaction at %s, %q, looks like the bot's: %s", u.Key, in.Type, in.Date, in.Text, why)
			}
		}
	}
}

// checkSchema checks every answer of the run, 429s included.
func (v *verifier) checkSchema(ctx context.Context, res *CheckResult) {
	for _, r := range v.client.all {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://provider"+v.c.Path()+"?"+r.query, nil)
		if err != nil {
			res.fail(r, "build request: %v", err)
			continue
		}
		if err := v.c.ValidateResponse(ctx, req, r.status, r.header, r.body); err != nil {
			for _, p := range schemaProblems(err) {
				res.fail(r, "status %d breaks openapi.yaml: %s", r.status, p)
			}
		}
	}
}

// schemaProblems turns kin-openapi's error into one short line per
// problem: where, what, and the value found, without the schema dump.
func schemaProblems(err error) []string {
	msg := err.Error()
	if msg == "status is not supported" {
		return []string{"the contract defines no such status for this operation"}
	}
	var out []string
	for _, part := range strings.Split(msg, "\n | ") {
		if i := strings.Index(part, "Error at "); i >= 0 {
			part = part[i+len("Error at "):]
		}
		head, rest, _ := strings.Cut(part, "\nSchema:")
		if _, value, ok := strings.Cut(rest, "\nValue:\n"); ok {
			head += " (found " + oneLine(value) + ")"
		}
		out = append(out, oneLine(head))
	}
	return out
}

// oneLine squeezes kin-openapi's multi-line errors into a short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// checkKnownFields looks for fields the contract does not name: JSON
// Schema lets them through, but a provider that sends them has moved on
// from the contract, and the mock with it should.
func (v *verifier) checkKnownFields(ctx context.Context, res *CheckResult) {
	reported := map[string]bool{}
	for _, r := range v.client.all {
		s := v.responseSchema(r.status)
		var body any
		if s == nil || json.Unmarshal(r.body, &body) != nil {
			continue // no schema to compare with, or not JSON: see schema
		}
		var found []string
		unknownFields(s, body, "", &found)
		for _, path := range found {
			if !reported[path] {
				reported[path] = true
				res.fail(r, "field %s is not in openapi.yaml", path)
			}
		}
	}
}

// responseSchema is the JSON schema of the operation's answer with status.
func (v *verifier) responseSchema(status int) *openapi3.Schema {
	ref := v.c.route.Operation.Responses.Status(status)
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// unknownFields appends the paths of v's fields that s does not name, with
// user IDs and array indexes as *, so each kind of field is listed once.
func unknownFields(s *openapi3.Schema, v any, path string, out *[]string) {
	if s == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			switch ap := s.AdditionalProperties; {
			case s.Properties[k] != nil:
				unknownFields(s.Properties[k].Value, x[k], path+"/"+k, out)
			case ap.Schema != nil:
				unknownFields(ap.Schema.Value, x[k], path+"/*", out)
			case ap.Has != nil && *ap.Has:
				// free-form, as an interaction's data
			case len(s.Properties) > 0:
				p := path + "/" + k
				if !slices.Contains(*out, p) {
					*out = append(*out, p)
				}
			}
		}
	case []any:
		if s.Items != nil {
			for _, e := range x {
				unknownFields(s.Items.Value, e, path+"/*", out)
			}
		}
	}
}
