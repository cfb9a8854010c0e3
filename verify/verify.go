package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
)

// Run checks a provider, any server that claims to serve openapi.yaml (a
// real OpenDialog workspace, a staging copy, or odmock itself), with a
// bounded set of read-only requests, paced so that a real workspace's rate
// limit is never reached. It returns a report of named checks, one per
// behaviour of the contract: data, unauthenticated, invalid:required,
// invalid:format, invalid:filter, empty, range:inclusive, range:within,
// range:split, range:echo, user_id, filter:NAME for each filter,
// filter:case-insensitive, filter:and, bot-excluded, schema and
// fields:known (docs/verify-and-coverage.md says what each wants).
//
// The error is for what stops verification before any check can run: bad
// options, or a provider that cannot be reached at all. A provider that
// answers wrongly is a report with failed checks, not an error.
func Run(ctx context.Context, opts Options) (*Report, error) {
	v, err := newVerifier(ctx, opts)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	if err := v.findWindow(ctx); err != nil {
		return nil, err
	}
	rep := &Report{BaseURL: v.base.Redacted(), From: v.from, To: v.to, Probed: v.probed}
	for _, c := range v.checks() {
		res := CheckResult{Name: c.name, Description: c.desc, Status: CheckPass}
		t0 := time.Now()
		c.run(ctx, &res)
		res.Duration = time.Since(t0)
		rep.Checks = append(rep.Checks, res)
	}
	rep.Requests, rep.Retries = v.client.requests, v.client.retries
	rep.Duration = time.Since(started)
	return rep, nil
}

// Defaults of Options.
const (
	// DefaultRate is one request a second: under the real API's
	// throttle of 60 requests a minute, with room for the client's other
	// traffic.
	DefaultRate = 1.0
	// DefaultMaxRequests bounds a run; a full run needs about 30.
	DefaultMaxRequests = 100
	// DefaultMaxRetryAfter is the longest Retry-After a run waits for.
	DefaultMaxRetryAfter = 2 * time.Minute
)

// Options configures Verify.
type Options struct {
	// BaseURL is the provider's address, e.g.
	// https://your-workspace.cloud.opendialog.ai; the contract's path is
	// added to it.
	BaseURL string
	// Token is an API token the provider accepts.
	Token string
	// From and To bound the window where the provider has data, inclusive.
	// When both are zero, Verify probes for it: the last day, week, 30
	// days, year and ten years up to now, and takes the first with data.
	From, To time.Time
	// Rate is the most requests a second Verify sends; 0 means
	// DefaultRate.
	Rate float64
	// MaxRequests bounds the requests of a run, 429 retries included; 0
	// means DefaultMaxRequests.
	MaxRequests int
	// MaxRetryAfter is the longest Retry-After honoured on a 429; a longer
	// one fails the request. 0 means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Client sends the requests; nil means a client with a 30s timeout.
	Client *http.Client
	// Contract is the contract to check against; nil means the embedded
	// openapi.yaml.
	Contract *contract.Contract

	// sleep waits, or returns ctx's error; tests replace it to run fast.
	sleep func(context.Context, time.Duration) error
}

// OptionError is a bad field of Options. Field names it as the Go field
// (BaseURL, Token, From, To, Rate, MaxRequests), so a command line can
// name its own flag instead; Value is the bad value as text, "" when it
// says nothing.
type OptionError struct {
	Field   string
	Value   string
	Problem string
	Missing bool // the field is required and was not given
}

// Error names the field in words, its value and its problem:
// "rate -1: want a positive number of requests a second".
func (e *OptionError) Error() string {
	words := map[string]string{"BaseURL": "base URL", "MaxRequests": "max requests"}
	name, ok := words[e.Field]
	if !ok {
		name = strings.ToLower(e.Field)
	}
	return e.Describe(name)
}

// Describe is Error with the field called name, e.g. a flag.
func (e *OptionError) Describe(name string) string {
	if e.Missing {
		return name + " is required: " + e.Problem
	}
	if e.Value != "" {
		name += " " + e.Value
	}
	return name + ": " + e.Problem
}

// Validate checks the options, each field once: a bad one is an
// *OptionError. Run calls it first.
func (o Options) Validate() error {
	base, err := url.Parse(strings.TrimSpace(o.BaseURL))
	switch {
	case o.BaseURL == "":
		return &OptionError{Field: "BaseURL", Problem: "want http:// or https:// and a host", Missing: true}
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		return &OptionError{Field: "BaseURL", Value: strconv.Quote(o.BaseURL), Problem: "want http:// or https:// and a host"}
	case o.Token == "":
		return &OptionError{Field: "Token", Problem: "no API token, and the checks need one the provider accepts", Missing: true}
	case o.From.IsZero() != o.To.IsZero():
		return &OptionError{Field: "From", Problem: "give both ends of the window, or neither to probe for it"}
	case o.To.Before(o.From):
		return &OptionError{Field: "To", Value: o.To.Format(time.DateTime), Problem: fmt.Sprintf("the window from %s ends before it starts", o.From.Format(time.DateTime))}
	case o.Rate < 0 || math.IsNaN(o.Rate) || math.IsInf(o.Rate, 0):
		return &OptionError{Field: "Rate", Value: fmt.Sprint(o.Rate), Problem: "want a positive number of requests a second"}
	case o.MaxRequests < 0:
		return &OptionError{Field: "MaxRequests", Value: strconv.Itoa(o.MaxRequests), Problem: "must not be negative"}
	}
	return nil
}

// withDefaults fills the zero fields.
func (o Options) withDefaults() Options {
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.MaxRequests == 0 {
		o.MaxRequests = DefaultMaxRequests
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if o.sleep == nil {
		o.sleep = sleep
	}
	return o
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CheckStatus is the outcome of one check.
type CheckStatus string

// The outcomes of a check.
const (
	CheckPass CheckStatus = "pass"
	CheckFail CheckStatus = "fail"
	// CheckSkip means the check could not be made honestly, e.g. the
	// provider does not return the attribute a filter check needs.
	CheckSkip CheckStatus = "skip"
)

// Report is the result of Verify.
type Report struct {
	BaseURL  string        `json:"base_url"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Probed   bool          `json:"probed"` // From and To were found by probing
	Checks   []CheckResult `json:"checks"`
	Requests int           `json:"requests"` // requests sent, retries included
	Retries  int           `json:"retries"`  // requests repeated after a 429
	Duration time.Duration `json:"-"`
}

// CheckResult is one check of a report.
type CheckResult struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Status      CheckStatus `json:"status"`
	// Reason says why the check was skipped.
	Reason string `json:"reason,omitempty"`
	// Failures lists what went wrong, each with its request.
	Failures []CheckFailure `json:"failures,omitempty"`
	Duration time.Duration  `json:"-"`
}

// CheckFailure is one difference between what the provider answered and
// what the contract wants.
type CheckFailure struct {
	Request string `json:"request"` // e.g. GET /public/api/user-interactions?from=...
	Problem string `json:"problem"`
}

// Passed reports whether no check failed. Skipped checks do not fail a run.
func (r *Report) Passed() bool { return r.Count(CheckFail) == 0 }

// Count is the number of checks with status st.
func (r *Report) Count(st CheckStatus) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == st {
			n++
		}
	}
	return n
}

// Check returns the check named name, or nil.
func (r *Report) Check(name string) *CheckResult {
	for i := range r.Checks {
		if r.Checks[i].Name == name {
			return &r.Checks[i]
		}
	}
	return nil
}

// maxFailures is how many failures a check lists; the rest are counted.
const maxFailures = 8

// fail records a failure of the check on resp (nil for none).
func (c *CheckResult) fail(resp *response, format string, args ...any) {
	c.Status = CheckFail
	req := ""
	if resp != nil {
		req = resp.label
	}
	if len(c.Failures) == maxFailures {
		c.Failures = append(c.Failures, CheckFailure{Problem: "and more (only the first are listed)"})
	}
	if len(c.Failures) > maxFailures {
		return
	}
	c.Failures = append(c.Failures, CheckFailure{Request: req, Problem: fmt.Sprintf(format, args...)})
}

// skip marks the check as one that could not be made, unless it failed.
func (c *CheckResult) skip(format string, args ...any) {
	if c.Status == CheckPass {
		c.Status, c.Reason = CheckSkip, fmt.Sprintf(format, args...)
	}
}

// errBudget means a run used up its requests.
var errBudget = errors.New("request budget exhausted (raise --max-requests)")

// How the client authenticates a request.
const (
	authToken = "token" // the configured token
	authNone  = "none"  // no Authorization header
	authWrong = "wrong" // a token no provider issued
)

// wrongToken is a token no provider accepts.
const wrongToken = "odmock-verify-not-a-token"

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

// client sends paced, counted, cached requests to the provider.
type client struct {
	opts     Options
	endpoint *url.URL
	path     string
	interval time.Duration
	last     time.Time
	requests int
	retries  int
	cache    map[string]*response
	all      []*response // every answer, 429s included, for the schema check
}

// get sends GET path?query, or answers it from the cache: no request is
// sent twice in a run.
func (vc *client) get(ctx context.Context, query []param, auth string) *response {
	raw := encodeQuery(query)
	key := auth + " " + raw
	if r, ok := vc.cache[key]; ok {
		return r
	}
	label := "GET " + vc.path
	if raw != "" {
		label += "?" + raw
	}
	switch auth {
	case authNone:
		label += " (no token)"
	case authWrong:
		label += " (wrong token)"
	}
	r := &response{label: label, query: raw}
	vc.cache[key] = r
	for attempt := 0; ; attempt++ {
		status, header, body, err := vc.send(ctx, raw, auth)
		if err != nil {
			r.err = err
			return r
		}
		r.status, r.header, r.body = status, header, body
		vc.all = append(vc.all, &response{label: label, query: raw, status: status, header: header, body: body})
		if status != http.StatusTooManyRequests || attempt == 3 {
			break
		}
		wait, err := vc.retryAfter(header)
		if err != nil {
			r.err = err
			return r
		}
		vc.retries++
		if err := vc.opts.sleep(ctx, wait); err != nil {
			r.err = err
			return r
		}
	}
	if r.status == http.StatusOK {
		r.users, r.parseErr = parseUsers(r.body)
	}
	return r
}

// retryAfter reads a 429's Retry-After: seconds or an HTTP date. Without
// one, the throttle's window, a minute, is waited out.
func (vc *client) retryAfter(h http.Header) (time.Duration, error) {
	wait := time.Minute
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			wait = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			wait = time.Until(t)
		} else {
			return 0, fmt.Errorf("429 with Retry-After %q: neither seconds nor an HTTP date", v)
		}
	}
	if wait > vc.opts.MaxRetryAfter {
		return 0, fmt.Errorf("429 with Retry-After %s, longer than the %s allowed", wait, vc.opts.MaxRetryAfter)
	}
	return max(wait, 0), nil
}

// send sends one request, after waiting its turn.
func (vc *client) send(ctx context.Context, rawQuery, auth string) (int, http.Header, []byte, error) {
	if vc.requests >= vc.opts.MaxRequests {
		return 0, nil, nil, errBudget
	}
	if !vc.last.IsZero() {
		if d := time.Until(vc.last.Add(vc.interval)); d > 0 {
			if err := vc.opts.sleep(ctx, d); err != nil {
				return 0, nil, nil, err
			}
		}
	}
	vc.last = time.Now()
	vc.requests++
	u := *vc.endpoint
	u.RawQuery = rawQuery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	// So the provider's logs tell verification from real traffic.
	req.Header.Set("User-Agent", "odmock-verify")
	switch auth {
	case authToken:
		req.Header.Set("Authorization", "Bearer "+vc.opts.Token)
	case authWrong:
		req.Header.Set("Authorization", "Bearer "+wrongToken)
	}
	resp, err := vc.opts.Client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, resp.Header, body, nil
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

// attribute is the user's value of a filterable attribute: from
// chatbot_user_data, or for browser and selected_scenario the user's own
// fields. present says whether the answer carries the attribute at all.
func (u *user) attribute(name string) (value string, ok, present bool) {
	if v, has := u.Chatbot[name]; has {
		s, isString := v.(string)
		return s, isString, true
	}
	var field *string
	switch name {
	case "browser":
		field = u.Browser
	case "selected_scenario":
		field = u.SelectedScenario
	default:
		return "", false, false
	}
	if field == nil {
		return "", false, false
	}
	return *field, true, true
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
