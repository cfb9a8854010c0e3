package record

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odmock/odmock/verify"
)

// record records ts into a new directory and fails the test on an error.
func record(t *testing.T, ts *httptest.Server, key Key, edit func(*Options)) (string, *Result) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rec")
	opts := options(ts, dir, key)
	if edit != nil {
		edit(&opts)
	}
	res, err := Record(context.Background(), opts)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	return dir, res
}

func mustPass(t *testing.T, sc *SelfCheck) {
	t.Helper()
	if sc == nil || sc.Exchanges == 0 {
		t.Fatalf("self-check replayed nothing: %+v", sc)
	}
	for _, m := range sc.Mismatches {
		t.Errorf("self-check: exchange %d (%s): %s", m.Seq, m.Query, m.Problem)
	}
}

// TestRecordReplay is the end-to-end test: odmock on another seed,
// behind its rate limit, recorded; replayed, every recorded query comes
// back byte for byte (the self-check), and new range, user_id and e-mail
// combinations answer as a brute-force scan of the recorded users. The
// page's answers carry no other attribute: filters on them match no one,
// in the replay as in the scan.
func TestRecordReplay(t *testing.T) {
	ts, _ := provider(t, nil)
	dir, res := record(t, ts, testKey(1), nil)
	mustPass(t, res.SelfCheck)
	if len(res.Drift) > 0 {
		t.Errorf("drift from odmock itself: %v", res.Drift)
	}
	if res.Manifest.Counts.Exchanges != 6 || res.Manifest.Counts.Users == 0 {
		t.Errorf("counts = %+v, want 6 day-sized exchanges and users", res.Manifest.Counts)
	}
	h := replay(t, dir)
	users := refUsers(t, dir)
	var some, anon *refUser
	for _, u := range users {
		switch {
		case u.attrs["email"] != "" && some == nil:
			some = u
		case u.attrs["email"] == "" && anon == nil && sentAfter(u, "2024-01-03 00:00:00"):
			anon = u
		}
	}
	if some == nil || anon == nil {
		t.Fatalf("want a known and an anonymous user among %d", len(users))
	}
	email := some.attrs["email"]
	local, domain, _ := strings.Cut(email, "@")
	cases := []struct {
		name     string
		from, to string
		userID   string
		filters  map[string]string
	}{
		{"across chunks", "2024-01-02 12:00:00", "2024-01-04 06:30:00", "", nil},
		{"one second", "2024-01-03 00:00:00", "2024-01-03 00:00:00", "", nil},
		{"whole window", "2024-01-01 00:00:00", "2024-01-06 23:59:59", "", nil},
		{"beyond the window", "2023-12-01 00:00:00", "2024-02-01 00:00:00", "", nil},
		{"user", "2024-01-01 00:00:00", "2024-01-06 23:59:59", some.id, nil},
		{"anonymous user, part of the window", "2024-01-03 00:00:00", "2024-01-06 23:59:59", anon.id, nil},
		{"pseudonymous e-mail, partial", "2024-01-01 00:00:00", "2024-01-06 23:59:59", "", map[string]string{"email": local[2:]}},
		{"e-mail domain, upper case", "2024-01-02 00:00:00", "2024-01-05 00:00:00", "", map[string]string{"email": strings.ToUpper(domain)}},
		{"e-mail wildcard", "2024-01-01 00:00:00", "2024-01-06 23:59:59", "", map[string]string{"email": "%.%@example._rg"}},
		{"user and their e-mail", "2024-01-01 00:00:00", "2024-01-06 23:59:59", some.id, map[string]string{"email": email}},
		{"user and another e-mail", "2024-01-01 00:00:00", "2024-01-06 23:59:59", anon.id, map[string]string{"email": "@"}},
		{"unknown attribute", "2024-01-01 00:00:00", "2024-01-06 23:59:59", "", map[string]string{"browser": "chrome"}},
		{"e-mail and an unknown attribute", "2024-01-01 00:00:00", "2024-01-06 23:59:59", "", map[string]string{"email": "@", "country": "_"}},
	}
	for _, tt := range cases {
		var extra []string
		if tt.userID != "" {
			extra = append(extra, "user_id", tt.userID)
		}
		for _, k := range sortedKeys(tt.filters) {
			extra = append(extra, k, tt.filters[k])
		}
		from, _ := time.Parse(time.DateTime, tt.from)
		to, _ := time.Parse(time.DateTime, tt.to)
		got := summary(t, get(t, h, selfCheckToken, q(tt.from, tt.to, extra...)))
		want := scan(users, from, to, tt.userID, tt.filters)
		if !slices.Equal(got, want) {
			t.Errorf("%s: replay has %d users, the scan %d:\n got %.300q\nwant %.300q", tt.name, len(got), len(want), got, want)
		}
		if len(want) == 0 && !strings.Contains(tt.name, "unknown") && !strings.Contains(tt.name, "another") && !strings.Contains(tt.name, "second") {
			t.Errorf("%s: the scan finds no one: the case shows nothing", tt.name)
		}
	}
}

// sentAfter reports whether u sent a message at or after the time: the
// anonymous user's case asks for the second part of the window.
func sentAfter(u *refUser, at string) bool {
	t, _ := time.Parse(time.DateTime, at)
	for _, m := range u.msgs {
		if !m.at.Before(t) {
			return true
		}
	}
	return false
}

// heldQueries are queries within the workspace's window: ranges, users,
// and a filter on every attribute, learned or observed.
func heldQueries() []string {
	all := func(extra ...string) string { return q("2024-01-01 00:00:00", "2024-01-06 23:59:59", extra...) }
	return []string{
		all(),
		q("2024-01-02 07:00:00", "2024-01-05 13:14:15"),
		all("user_id", "james.obrien@outlook.com"),
		all("user_id", "7c0e1d3a-5b8f-4a21-9d6e-2f4c8b1a9e07", "browser", "safari"),
		all("email", "@"),
		all("email", "GMAIL"),
		all("browser", "chrome"),
		all("browser", "120.0.0", "os", "windows"),
		all("country", "g", "os", "o"),
		all("browser_language", "en-"),
		all("timezone", "europe/"),
		all("platform", "whatsapp"),
		all("platform", "web", "selected_scenario", "bill"),
		all("selected_scenario", "_"),
		all("ip_address", "."),
		all("ip_address", "2a02:"),
		all("ip_address", "88.12.34.201"),
		q("2024-01-02 00:00:00", "2024-01-04 23:59:59", "country", "e_"),
	}
}

// TestKeepPersonalData: without pseudonyms, after probing, the replay is
// the provider, byte for byte, for queries within the recorded window,
// filters on the attributes the answers hide included.
func TestKeepPersonalData(t *testing.T) {
	ts := workspace(t)
	dir, res := record(t, ts, nil, probing)
	mustPass(t, res.SelfCheck)
	if res.Manifest.Pseudonymisation.Enabled {
		t.Error("manifest says pseudonymised")
	}
	for a, s := range res.Manifest.Attributes {
		if s.Status != "learned" && s.Status != "observed" {
			t.Errorf("%s: %+v, want learned", a, s)
		}
	}
	if res.SelfCheck.Probes == 0 {
		t.Error("the self-check asked no probe again")
	}
	h := replay(t, dir)
	for _, query := range heldQueries() {
		want := get(t, ts.Config.Handler, providerToken, query)
		if got := get(t, h, selfCheckToken, query); !bytes.Equal(got, want) {
			t.Errorf("?%s: replay differs from the provider: %s", query, firstDifference(got, want))
		}
		if bytes.Equal(want, []byte(`{"data":[]}`)) {
			t.Errorf("?%s: the provider holds no one: the query shows nothing", query)
		}
	}
}

// TestInterruptAndResume: a recording stopped mid-way continues where it
// stopped, and ends as an uninterrupted one.
func TestInterruptAndResume(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	var armed atomic.Bool
	ts, _ := provider(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && n.Add(1) == 4 {
				// ^C while the fourth chunk is asked: it is never
				// answered (the client gives up first), so the resumed
				// run asks exactly the last three, whatever the timing.
				cancel()
				<-r.Context().Done()
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	want, _ := record(t, ts, testKey(1), nil)
	armed.Store(true)
	dir := filepath.Join(t.TempDir(), "rec")
	opts := options(ts, dir, testKey(1))
	_, err := Record(ctx, opts)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted recording: err = %v, want ErrInterrupted", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err == nil {
		t.Error("an interrupted recording wrote its manifest")
	}
	// A crash mid-line leaves half an exchange: it is asked again.
	f, _ := os.OpenFile(filepath.Join(dir, TranscriptFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":99,"query":"from=`)
	f.Close()
	res, err := Record(context.Background(), opts)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if !res.Resumed || res.Requests != 3 {
		t.Errorf("resumed = %v after %d requests, want a resumed run asking the last 3 chunks", res.Resumed, res.Requests)
	}
	mustPass(t, res.SelfCheck)
	for _, f := range []string{FixtureFile, ManifestFile, TranscriptFile} {
		x, _ := os.ReadFile(filepath.Join(want, f))
		y, _ := os.ReadFile(filepath.Join(dir, f))
		if !bytes.Equal(x, y) {
			t.Errorf("%s after resuming differs from an uninterrupted recording", f)
		}
	}
	if _, err := Record(context.Background(), opts); !errors.Is(err, ErrFinished) {
		t.Errorf("recording again into a finished recording: err = %v, want ErrFinished", err)
	}
}

// TestRetryAfter429: a 429 is waited out as its Retry-After says, and the
// recording completes.
func TestRetryAfter429(t *testing.T) {
	var n atomic.Int32
	ts, _ := provider(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if k := n.Add(1); k == 2 || k == 5 || k == 6 {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "7")
				w.Header().Set("X-RateLimit-Limit", "60")
				w.Header().Set("X-RateLimit-Remaining", "0")
				w.Header().Set("X-RateLimit-Reset", "1704067200")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"message":"Too Many Attempts."}`)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	var sl sleeps
	_, res := record(t, ts, testKey(1), func(o *Options) { o.sleep = sl.sleep; o.Rate = 1 })
	mustPass(t, res.SelfCheck)
	if res.Retries != 3 || res.Requests != 9 {
		t.Errorf("requests = %d, retries = %d, want 9 and 3", res.Requests, res.Retries)
	}
	waited := 0
	for _, d := range sl.waits {
		if d == 7*time.Second {
			waited++
		}
		if d > 7*time.Second {
			t.Errorf("waited %s", d)
		}
	}
	if waited != 3 {
		t.Errorf("waited Retry-After 7s %d times, want 3 (waits %v)", waited, sl.waits)
	}
	if len(sl.waits) < 8 {
		t.Errorf("only %d waits: requests were not paced at 1 a second", len(sl.waits))
	}
	if len(res.Drift) > 0 {
		t.Errorf("the 429s break the contract: %v", res.Drift)
	}
}

// TestBudget: a recording that runs out of requests stops, resumable.
func TestBudget(t *testing.T) {
	ts, _ := provider(t, nil)
	dir := filepath.Join(t.TempDir(), "rec")
	opts := options(ts, dir, testKey(1))
	opts.MaxRequests = 4
	res, err := Record(context.Background(), opts)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, verify.ErrBudget) {
		t.Fatalf("err = %v, want ErrInterrupted and ErrBudget", err)
	}
	if res.Requests != 4 {
		t.Errorf("requests = %d, want the budget, 4", res.Requests)
	}
	xs, _ := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if len(xs) != 4 {
		t.Errorf("%d exchanges kept, want 4", len(xs))
	}
	res, err = Record(context.Background(), opts)
	if err != nil {
		t.Fatalf("continue: %v", err)
	}
	mustPass(t, res.SelfCheck)
	if res.Manifest.Counts.Exchanges != 6 {
		t.Errorf("exchanges = %d, want 6", res.Manifest.Counts.Exchanges)
	}
}

// TestDriftMidRecording: a provider that starts sending a field the
// contract does not name is reported, and the recording goes on; the
// self-check names the exchanges odmock cannot replay.
func TestDriftMidRecording(t *testing.T) {
	var n atomic.Int32
	ts, _ := provider(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 3 {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(`"interactions":[`), []byte(`"session":"s1","interactions":[`))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	})
	dir, res := record(t, ts, testKey(1), nil)
	if len(res.Drift) == 0 || !strings.Contains(strings.Join(res.Drift, "\n"), "session") {
		t.Errorf("drift = %v, want the new field named", res.Drift)
	}
	xs, _ := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if len(xs) != 6 || len(xs[2].Drift) != 0 || len(xs[3].Drift) == 0 {
		t.Errorf("drift by exchange: %d exchanges, want 6, the 4th on drifting", len(xs))
	}
	if !slices.Contains(res.Manifest.Fields, "user.session") || len(res.Manifest.Drift) == 0 {
		t.Errorf("manifest fields %v, drift %v", res.Manifest.Fields, res.Manifest.Drift)
	}
	var bad []int
	for _, m := range res.SelfCheck.Mismatches {
		bad = append(bad, m.Seq)
	}
	if !slices.Equal(bad, []int{4, 5, 6}) {
		t.Errorf("self-check mismatches at %v, want the drifted exchanges 4, 5, 6", bad)
	}
}

// TestSmallerChunks: a provider that times out on wide ranges, and large
// answers, make the chunks smaller; the recording is still complete.
func TestSmallerChunks(t *testing.T) {
	// No rate limit: the test's clock does not wait, and asks for many
	// chunks at once.
	ts, _ := providerWith(t, 0, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			from, _ := time.Parse(time.DateTime, r.URL.Query().Get("from"))
			to, _ := time.Parse(time.DateTime, r.URL.Query().Get("to"))
			if to.Sub(from) > 8*time.Hour {
				w.WriteHeader(http.StatusGatewayTimeout) // a proxy's page
				io.WriteString(w, "<html>504 Gateway Time-out</html>")
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	dir, res := record(t, ts, testKey(1), func(o *Options) { o.MaxAnswerBytes = 3000 })
	mustPass(t, res.SelfCheck)
	xs, _ := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if len(xs) < 18 {
		t.Errorf("%d exchanges, want at least 18 chunks of at most 8 hours", len(xs))
	}
	_, whole := record(t, ts, testKey(1), func(o *Options) { o.Chunk = 6 * time.Hour })
	if res.Manifest.Counts.Interactions != whole.Manifest.Counts.Interactions {
		t.Errorf("%d interactions in smaller chunks, %d in 6-hour ones", res.Manifest.Counts.Interactions, whole.Manifest.Counts.Interactions)
	}
}
