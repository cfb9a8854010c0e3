package verify

import (
	"context"
	"fmt"
	"time"
)

// Run checks a provider, any server that claims to serve openapi.yaml (a
// real OpenDialog workspace, a staging copy, or odmock itself), with a
// bounded set of read-only requests, paced so that a real workspace's rate
// limit is never reached. It returns a report of named checks, one per
// behaviour of the contract: data, unauthenticated, invalid:required,
// invalid:format, invalid:filter, empty, range:inclusive, range:within,
// range:split, range:echo, user_id, filter:NAME for each filter,
// filter:case-insensitive, filter:and, bot-excluded, schema and
// fields:known (README.md, "odmock verify: check a provider", says what
// each wants).
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
	rep.Requests, rep.Retries = v.client.Requests(), v.client.Retries()
	rep.Duration = time.Since(started)
	return rep, nil
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

// Report is the result of Run.
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
