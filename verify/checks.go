package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
)

// verifier runs the checks of one Run. Checks are independent: each
// sends what it needs (the client answers repeats from its cache) and
// judges one behaviour, so a provider that breaks one behaviour fails one
// check. Checks that compare answers compare the provider with itself
// where they can (a split window with the whole, a filter in another case
// with the same filter), so one broken rule does not fail the others.
type verifier struct {
	c                  *contract.Contract
	fromParam, toParam string // the contract's date parameters
	client             *client
	base               *url.URL
	from, to           time.Time
	probed             bool
	picks              map[string]*filterPick
}

// check is one named check.
type check struct {
	name, desc string
	run        func(context.Context, *CheckResult)
}

func newVerifier(ctx context.Context, opts Options) (*verifier, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	base, _ := url.Parse(strings.TrimSpace(opts.BaseURL)) // checked by Validate
	var err error
	c := opts.Contract
	if c == nil {
		if c, err = contract.Default(ctx); err != nil {
			return nil, err
		}
	}
	endpoint := *base
	endpoint.Path = strings.TrimSuffix(base.Path, "/") + c.Path()
	endpoint.RawQuery, endpoint.Fragment = "", ""
	fromParam, toParam := c.DateParams()
	return &verifier{
		c:         c,
		fromParam: fromParam, toParam: toParam,
		base: base,
		from: opts.From.UTC(), to: opts.To.UTC(),
		picks: map[string]*filterPick{},
		client: &client{
			Client: &Client{
				Endpoint: &endpoint, Token: opts.Token,
				Rate: opts.Rate, MaxRequests: opts.MaxRequests,
				MaxRetryAfter: opts.MaxRetryAfter, MaxRetries: 3,
				// So the provider's logs tell verification from real traffic.
				UserAgent: "odmock-verify",
				HTTP:      opts.Client, Sleep: opts.sleep,
			},
			path:  endpoint.Path,
			cache: map[string]*response{},
		},
	}, nil
}

// probeSpans are the windows up to now tried, in order, when no window is
// given: the first with data is used.
func probeSpans() []time.Duration {
	return []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour, 365 * 24 * time.Hour, 3650 * 24 * time.Hour}
}

// findWindow probes for a window with data when none was given, and makes
// sure the provider answers at all.
func (v *verifier) findWindow(ctx context.Context) error {
	given := !v.from.IsZero()
	v.probed = !given
	now := time.Now().UTC().Truncate(time.Second)
	for _, span := range probeSpans() {
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
func (v *verifier) checks() []check {
	cs := []check{
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
	for _, attr := range v.c.Attributes() {
		cs = append(cs, check{"filter:" + attr,
			"a partial " + attr + " returns only users whose " + attr + " contains it, and all of them",
			func(ctx context.Context, res *CheckResult) { v.checkFilter(ctx, res, attr) }})
	}
	return append(cs,
		check{"filter:applied", "each user's selected_scenario and browser are the filters sent, null when not sent", v.checkApplied},
		check{"filter:case-insensitive", "a filter in another case returns the same users", v.checkCaseInsensitive},
		check{"filter:and", "two filters return the users both return", v.checkAnd},
		check{"bot-excluded", "no returned interaction is a bot message", v.checkBotExcluded},
		check{"schema", "every answer matches openapi.yaml: status, headers and body", v.checkSchema},
		check{"fields:known", "every field of every answer is one openapi.yaml names", v.checkKnownFields},
	)
}

// rangeQuery is the query for from..to, in the contract's date format.
func (v *verifier) rangeQuery(from, to time.Time, extra ...param) []param {
	q := []param{
		{v.fromParam, from.Format(v.c.DateLayout())},
		{v.toParam, to.Format(v.c.DateLayout())},
	}
	return append(q, extra...)
}

func (v *verifier) get(ctx context.Context, q []param) *response {
	return v.client.get(ctx, q, AuthToken)
}

// window is the answer for the whole window: the baseline other checks
// compare with.
func (v *verifier) window(ctx context.Context) *response {
	return v.get(ctx, v.rangeQuery(v.from, v.to))
}

// baseline returns the whole window's users, or skips the check when there
// are none to compare with.
func (v *verifier) baseline(ctx context.Context, res *CheckResult) ([]user, bool) {
	r := v.window(ctx)
	if r.err != nil || r.status != http.StatusOK || r.parseErr != nil || countInteractions(r.users) == 0 {
		res.skip("needs interactions in the window (see check data)")
		return nil, false
	}
	return r.users, true
}

// answered fails the check unless r has status want.
func answered(res *CheckResult, r *response, want int) bool {
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
func usersOf(res *CheckResult, r *response) ([]user, bool) {
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

func countInteractions(us []user) int {
	n := 0
	for _, u := range us {
		n += len(u.Interactions)
	}
	return n
}

func (v *verifier) checkData(ctx context.Context, res *CheckResult) {
	r := v.window(ctx)
	us, ok := usersOf(res, r)
	if ok && countInteractions(us) == 0 {
		res.fail(r, "no interactions from %s to %s: give a window where the provider has data (--from, --to)",
			v.from.Format(time.DateTime), v.to.Format(time.DateTime))
	}
}

func (v *verifier) checkUnauthenticated(ctx context.Context, res *CheckResult) {
	for _, auth := range []Auth{AuthNone, AuthWrong} {
		r := v.client.get(ctx, v.rangeQuery(v.from, v.to), auth)
		if !answered(res, r, http.StatusUnauthorized) {
			continue
		}
		var body struct {
			Message *string `json:"message"`
		}
		if json.Unmarshal(r.body, &body) != nil || body.Message == nil || *body.Message != contract.MsgUnauthenticated {
			res.fail(r, "body %s, want {\"message\":%q}", snippet(r.body), contract.MsgUnauthenticated)
		}
	}
}

// validationBody is a 422 body.
type validationBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors"`
}

// expect422 fails the check unless r is a 422 whose body equals want.
func expect422(res *CheckResult, r *response, want validationBody) {
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
	want := validationBody{Message: contract.MsgInvalidData, Errors: map[string][]string{}}
	for _, p := range []string{v.fromParam, v.toParam} {
		want.Errors[p] = []string{contract.MsgRequired(p)}
	}
	expect422(res, v.get(ctx, nil), want)
}

func (v *verifier) checkUnknownFilter(ctx context.Context, res *CheckResult) {
	const name = "invalid_param" // the page's own example
	msg := contract.MsgFilterNotAllowed(name)
	want := validationBody{Message: msg, Errors: map[string][]string{"filters." + name: {msg}}}
	expect422(res, v.get(ctx, v.rangeQuery(v.from, v.to, param{name, "1"})), want)
}

// checkFormat sends each date in a format the page does not allow, the
// other date right, and wants a 422 that names the wrong date only.
func (v *verifier) checkFormat(ctx context.Context, res *CheckResult) {
	from, to := v.fromParam, v.toParam
	tests := []struct {
		bad   string
		query []param
	}{
		{from, []param{{from, v.from.Format(time.DateOnly)}, {to, v.to.Format(v.c.DateLayout())}}},
		{to, []param{{from, v.from.Format(v.c.DateLayout())}, {to, v.to.Format("2006-01-02T15:04:05")}}},
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
		if got.Message != contract.MsgInvalidData || !slices.Equal(keys, []string{tt.bad}) {
			res.fail(r, "message %q with errors for %v, want %q with errors for [%s] only", got.Message, keys, contract.MsgInvalidData, tt.bad)
		}
	}
}

// emptyWindow is a day long before any workspace existed.
func emptyWindow() (from, to time.Time) {
	return time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1971, 1, 1, 23, 59, 59, 0, time.UTC)
}

func (v *verifier) checkEmpty(ctx context.Context, res *CheckResult) {
	r := v.get(ctx, v.rangeQuery(emptyWindow()))
	if !answered(res, r, http.StatusOK) {
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &body); err != nil || len(body) != 1 || strings.Join(strings.Fields(string(body["data"])), "") != "[]" {
		res.fail(r, "body %s, want {\"data\":[]}", snippet(r.body))
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
	r := v.get(ctx, v.rangeQuery(v.from, v.to, param{v.c.IDParam(), id}))
	us, ok := usersOf(res, r)
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

// botOnlyTypes are the types of OpenDialog's bot messages that a user never
// sends.
func botOnlyTypes() []string {
	return []string{"image", "list", "long_text", "rich", "cta", "autocomplete", "date-picker", "meta", "hand-to-system", "empty"}
}

// botSign says why an interaction looks like the bot's, or "".
func botSign(in interaction) string {
	if slices.Contains(botOnlyTypes(), in.Type) {
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
