package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/mock"
)

// verifyOptions points Verify at url, fast: in-process providers need no
// pacing.
func verifyOptions(url string) Options {
	return Options{
		BaseURL: url,
		Token:   mock.DefaultToken,
		From:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		To:      time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC),
		Rate:    1e6,
	}
}

func runVerify(t *testing.T, opts Options) *Report {
	t.Helper()
	rep, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func reportText(rep *Report) string {
	var b strings.Builder
	rep.WriteText(&b)
	return b.String()
}

// notPassed lists the checks that did not pass, with their status.
func notPassed(rep *Report) []string {
	var out []string
	for _, c := range rep.Checks {
		if c.Status != CheckPass {
			out = append(out, c.Name+" ("+string(c.Status)+")")
		}
	}
	return out
}

func TestVerifyOdmockPasses(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	rep := runVerify(t, verifyOptions(s.ts.URL))
	if np := notPassed(rep); len(np) != 0 {
		t.Errorf("verify odmock: not passed %v, want every check to pass\n%s", np, reportText(rep))
	}
	if !rep.Passed() {
		t.Error("Passed() = false, want true")
	}
	// Bounded: about one request per check, nothing asked twice.
	if rep.Requests < 20 || rep.Requests > 40 {
		t.Errorf("requests = %d, want between 20 and 40", rep.Requests)
	}
}

// sleeps records the waits Verify asks for, without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

// throttled answers 429, as Laravel's throttle does, to the requests whose
// number (from 1) is in limited.
func throttled(h http.Handler, retryAfter string, limited ...int) http.Handler {
	var mu sync.Mutex
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		hit := false
		for _, l := range limited {
			hit = hit || l == n
		}
		mu.Unlock()
		if !hit {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", retryAfter)
		w.Header().Set("X-RateLimit-Limit", "60")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(contract.MessageBody(contract.MsgTooManyAttempts))
	})
}

func TestVerifyPacesAndHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	s, err := mock.New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(throttled(s.Handler(), "7", 3, 8))
	t.Cleanup(ts.Close)
	var sl sleeps
	opts := verifyOptions(ts.URL)
	opts.Rate = 0 // the default, one a second: sleep is recorded, not done
	opts.sleep = sl.sleep
	rep := runVerify(t, opts)
	if np := notPassed(rep); len(np) != 0 {
		t.Errorf("not passed %v, want none: 429s are retried\n%s", np, reportText(rep))
	}
	if rep.Retries != 2 {
		t.Errorf("retries = %d, want 2", rep.Retries)
	}
	var retryWaits, paceWaits int
	for _, d := range sl.d {
		switch {
		case d == 7*time.Second:
			retryWaits++
		case d > 0 && d <= time.Second:
			paceWaits++
		default:
			t.Errorf("waited %s: neither Retry-After (7s) nor pacing (at most 1s)", d)
		}
	}
	if retryWaits != 2 {
		t.Errorf("waits of Retry-After's 7s = %d, want 2", retryWaits)
	}
	// Requests are sent back to back here, so each after the first waits
	// for its turn (minus the nanoseconds the last one took).
	if paceWaits < rep.Requests-3 {
		t.Errorf("pacing waits = %d for %d requests, want one before nearly every request", paceWaits, rep.Requests)
	}
}

func TestVerifyRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	s, err := mock.New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(throttled(s.Handler(), "3600", 1))
	t.Cleanup(ts.Close)
	_, err = Run(context.Background(), verifyOptions(ts.URL))
	if err == nil || !strings.Contains(err.Error(), "Retry-After 1h0m0s, longer than the 2m0s allowed") {
		t.Errorf("Verify with Retry-After 3600 = %v, want an error about the wait", err)
	}
}

func TestVerifyRequestBudget(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	opts := verifyOptions(s.ts.URL)
	opts.MaxRequests = 5
	rep := runVerify(t, opts)
	if rep.Requests != 5 {
		t.Errorf("requests = %d, want the budget, 5", rep.Requests)
	}
	if rep.Passed() || !strings.Contains(reportText(rep), "request budget exhausted") {
		t.Errorf("a run out of budget should fail saying so:\n%s", reportText(rep))
	}
}

func TestVerifyProbesForData(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	now := time.Now().UTC().Truncate(time.Hour)
	cfg.Window = dataset.Window{Start: now.Add(-5 * 24 * time.Hour), End: now.Add(-time.Second)}
	s := newTestServer(t, cfg)
	opts := verifyOptions(s.ts.URL)
	opts.From, opts.To = time.Time{}, time.Time{}
	rep := runVerify(t, opts)
	if !rep.Probed || rep.To.Before(now) || rep.From.After(cfg.Window.End) {
		t.Errorf("probed window %s to %s (probed %v), want one ending now", rep.From, rep.To, rep.Probed)
	}
	if np := notPassed(rep); len(np) != 0 {
		t.Errorf("not passed %v, want none\n%s", np, reportText(rep))
	}
}

func TestVerifyEmptyProviderFailsData(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Users = 0
	s := newTestServer(t, cfg)
	rep := runVerify(t, verifyOptions(s.ts.URL))
	c := rep.Check("data")
	if c.Status != CheckFail || !strings.Contains(c.Failures[0].Problem, "--from, --to") {
		t.Errorf("data check on an empty provider = %+v, want a failure asking for a window", c)
	}
	// Checks that need data are skipped, not failed: only data fails.
	if rep.Count(CheckFail) != 1 {
		t.Errorf("failed = %d, want 1 (data)\n%s", rep.Count(CheckFail), reportText(rep))
	}
}

func TestVerifyBadOptions(t *testing.T) {
	t.Parallel()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no URL", func(o *Options) { o.BaseURL = "" }, "want http:// or https://"},
		{"not HTTP", func(o *Options) { o.BaseURL = "ftp://example.com" }, "want http:// or https://"},
		{"no token", func(o *Options) { o.Token = "" }, "no API token"},
		{"one end", func(o *Options) { o.To = time.Time{} }, "both ends"},
		{"inverted", func(o *Options) { o.From, o.To = day.Add(time.Hour), day }, "ends before it starts"},
		{"negative rate", func(o *Options) { o.Rate = -1 }, "rate -1"},
		{"unreachable", func(o *Options) { o.BaseURL = closedURL(t) }, "provider does not answer"},
		{"token rejected", func(o *Options) { o.BaseURL, o.Token = odmockURL(t), "nope" }, "provider rejects the token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := verifyOptions("http://127.0.0.1:1")
			tt.edit(&opts)
			_, err := Run(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// odmockURL is the URL of a small odmock.
func odmockURL(t *testing.T) string {
	return newTestServer(t, smallConfig()).ts.URL
}

// closedURL is the URL of a server that is no longer there.
func closedURL(t *testing.T) string {
	ts := httptest.NewServer(http.NotFoundHandler())
	ts.Close()
	return ts.URL
}

// driftReport is a report with one failure and some skips.
func driftReport(t *testing.T) *Report {
	s, err := mock.New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+mock.DefaultToken) // no 401
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	opts := verifyOptions(ts.URL)
	opts.Contract = testContract(t)
	return runVerify(t, opts)
}

func TestVerifyJUnit(t *testing.T) {
	t.Parallel()
	rep := driftReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Tests   int      `xml:"tests,attr"`
		Failed  int      `xml:"failures,attr"`
		Suites  []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JUnit output does not parse as XML: %v\n%s", err, buf.String())
	}
	if len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != len(rep.Checks) || doc.Tests != len(rep.Checks) {
		t.Fatalf("JUnit has %d suites, want 1 with %d testcases, one per check\n%s", len(doc.Suites), len(rep.Checks), buf.String())
	}
	for i, tc := range doc.Suites[0].Cases {
		c := rep.Checks[i]
		if tc.Name != c.Name {
			t.Errorf("testcase %d = %q, want %q", i, tc.Name, c.Name)
		}
		if (tc.Failure != nil) != (c.Status == CheckFail) || (tc.Skipped != nil) != (c.Status == CheckSkip) {
			t.Errorf("testcase %s: failure %v, skipped %v; check status %s", tc.Name, tc.Failure != nil, tc.Skipped != nil, c.Status)
		}
		if tc.Failure != nil && !strings.Contains(tc.Failure.Text, "GET /public/api/user-interactions") {
			t.Errorf("testcase %s's failure does not name its request: %q", tc.Name, tc.Failure.Text)
		}
	}
	if doc.Failed != 1 {
		t.Errorf("failures = %d, want 1", doc.Failed)
	}
}

func TestVerifyJSON(t *testing.T) {
	t.Parallel()
	rep := driftReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BaseURL  string `json:"base_url"`
		From     string `json:"from"`
		Passed   bool   `json:"passed"`
		Requests int    `json:"requests"`
		Checks   []struct {
			Name     string `json:"name"`
			Status   string `json:"status"`
			Failures []struct {
				Request string `json:"request"`
				Problem string `json:"problem"`
			} `json:"failures"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, buf.String())
	}
	if doc.Passed || doc.From != "2024-01-01 00:00:00" || doc.Requests != rep.Requests || len(doc.Checks) != len(rep.Checks) {
		t.Errorf("JSON report = passed %v, from %q, %d requests, %d checks; want false, 2024-01-01 00:00:00, %d, %d",
			doc.Passed, doc.From, doc.Requests, len(doc.Checks), rep.Requests, len(rep.Checks))
	}
	for _, c := range doc.Checks {
		if c.Name == "unauthenticated" && (c.Status != "fail" || len(c.Failures) == 0 || c.Failures[0].Request == "") {
			t.Errorf("unauthenticated in JSON = %+v, want a failure naming its request", c)
		}
	}
}

func ExampleRun() {
	srv, err := mock.New(mock.DefaultConfig())
	if err != nil {
		panic(err)
	}
	provider := httptest.NewServer(srv.Handler())
	defer provider.Close()

	rep, err := Run(context.Background(), Options{
		BaseURL: provider.URL,
		Token:   mock.DefaultToken,
		From:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		To:      time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC),
		Rate:    1000, // an in-process provider needs no pacing
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("passed:", rep.Passed())
	fmt.Println(rep.Check("filter:browser").Status)
	// Output:
	// passed: true
	// pass
}

// TestVerifyIdentifiesItself: a provider's logs can tell verification
// from real traffic, and every request asks for JSON, as Laravel needs to
// answer errors in JSON.
func TestVerifyIdentifiesItself(t *testing.T) {
	t.Parallel()
	s, err := mock.New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	h := s.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.UserAgent()+" "+r.Header.Get("Accept")]++
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	rep := runVerify(t, verifyOptions(ts.URL))
	want := map[string]int{"GET odmock-verify application/json": rep.Requests}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("requests seen = %v, want %v", seen, want)
	}
}
