package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
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

// get asks h for the interactions of rawQuery and returns the body.
func get(t *testing.T, h http.Handler, token, rawQuery string) []byte {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/public/api/user-interactions?"+rawQuery, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET ?%s: status %d: %s", rawQuery, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// replay is the engine serving a recording's directory.
func replay(t *testing.T, dir string) http.Handler {
	t.Helper()
	sc, err := SelfCheckDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	mustPass(t, sc)
	srv := serveDir(t, dir)
	return srv
}

// refUser is a recorded user as the test reads the transcript, with
// encoding/json and nothing of the recorder.
type refUser struct {
	id    string
	attrs map[string]string
	msgs  []refMsg
}

type refMsg struct {
	at   time.Time
	json string // the interaction, compacted
}

// refUsers reads the recorded users from a transcript, in first-seen order.
func refUsers(t *testing.T, dir string) []*refUser {
	t.Helper()
	xs, err := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []*refUser
	byID := map[string]*refUser{}
	for _, x := range xs {
		var doc struct {
			Data []map[string]struct {
				Chatbot      map[string]any    `json:"chatbot_user_data"`
				Interactions []json.RawMessage `json:"interactions"`
			} `json:"data"`
		}
		if err := json.Unmarshal(x.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, entry := range doc.Data {
			for id, u := range entry {
				ru := byID[id]
				if ru == nil {
					ru = &refUser{id: id, attrs: map[string]string{}}
					byID[id] = ru
					out = append(out, ru)
				}
				for k, v := range u.Chatbot {
					if s, ok := v.(string); ok && k != "id" && k != "name" {
						ru.attrs[k] = s
					}
				}
				for _, in := range u.Interactions {
					var m struct {
						Date string `json:"date"`
					}
					_ = json.Unmarshal(in, &m)
					at, _ := time.Parse(time.RFC3339Nano, m.Date)
					var c bytes.Buffer
					_ = json.Compact(&c, in)
					ru.msgs = append(ru.msgs, refMsg{at: at, json: c.String()})
				}
			}
		}
	}
	return out
}

// likeRE mirrors dataset's reference: LIKE '%v%' over lower-cased text.
func likeRE(v string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^.*`)
	rs := []rune(strings.ToLower(v))
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		case r == '%':
			b.WriteString(`.*`)
		case r == '_':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`.*$`)
	return regexp.MustCompile(b.String())
}

// scan is the brute-force answer over the recorded users: user IDs in
// order of their first interaction in the range, each with those
// interactions, as "id: interaction, interaction".
func scan(users []*refUser, from, to time.Time, userID string, filters map[string]string) []string {
	type hit struct {
		first time.Time
		line  string
	}
	var hits []hit
	for _, u := range users {
		if userID != "" && u.id != userID {
			continue
		}
		ok := true
		for k, v := range filters {
			val, has := u.attrs[k]
			ok = ok && has && likeRE(v).MatchString(strings.ToLower(val))
		}
		var in []string
		var first time.Time
		for _, m := range u.msgs {
			if !m.at.Before(from) && !m.at.After(to) {
				if len(in) == 0 {
					first = m.at
				}
				in = append(in, m.json)
			}
		}
		if ok && len(in) > 0 {
			hits = append(hits, hit{first, u.id + ": " + strings.Join(in, ", ")})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].first.Before(hits[j].first) })
	out := []string{}
	for _, h := range hits {
		out = append(out, h.line)
	}
	return out
}

// summary is an answer in scan's terms.
func summary(t *testing.T, body []byte) []string {
	t.Helper()
	var doc struct {
		Data []map[string]struct {
			Interactions []json.RawMessage `json:"interactions"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, entry := range doc.Data {
		for id, u := range entry {
			var in []string
			for _, m := range u.Interactions {
				var c bytes.Buffer
				_ = json.Compact(&c, m)
				in = append(in, c.String())
			}
			out = append(out, id+": "+strings.Join(in, ", "))
		}
	}
	return out
}

func q(from, to string, extra ...string) string {
	v := "from=" + url.QueryEscape(from) + "&to=" + url.QueryEscape(to)
	for i := 0; i+1 < len(extra); i += 2 {
		v += "&" + extra[i] + "=" + url.QueryEscape(extra[i+1])
	}
	return v
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
		case u.attrs["email"] == "" && anon == nil:
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

// originals are the workspace's personal values: e-mails, IP addresses,
// phone numbers, account numbers, names and IDs.
func originals(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(workspaceFixture)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	values := emailRE.FindAllString(text, -1)
	for _, m := range append(ip4RE.FindAllString(text, -1), ip6RE.FindAllString(text, -1)...) {
		if _, err := netip.ParseAddr(m); err == nil { // not a time of day
			values = append(values, m)
		}
	}
	values = append(values,
		"7c0e1d3a-5b8f-4a21-9d6e-2f4c8b1a9e07", "3f9a2c44-8e71-4b0d-a6c5-0d9e7b2f1c33", "447700183456",
		"María González", "González", "O'Brien", "Priya Shah", "Klaus Müller", "Müller", "Chloé Martin", "Tom Baker",
		"612 345 678", "87 123 4567", "087 123 4567", "0171 2345678", "555-7731", "06 12 34 56 78",
		"48213377", "0087652231", "4471982")
	if len(values) < 40 {
		t.Fatalf("only %d original values", len(values))
	}
	return values
}

// TestNoOriginalsInFiles: no original value is in any file a recording
// writes, attributes learned by probing included, and lint
// --personal-data finds nothing; in a raw recording it finds e-mails and
// IP addresses.
func TestNoOriginalsInFiles(t *testing.T) {
	ts := workspace(t)
	dir, res := record(t, ts, testKey(1), probing)
	mustPass(t, res.SelfCheck)
	if s := res.Manifest.Attributes["ip_address"]; s.Status != "learned" || s.WithValue != 7 {
		t.Errorf("ip_address: %+v, want learned for the 7 users who have one", s)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 4 {
		t.Errorf("files %v, want fixture, manifest, transcript and probes", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), `\/`, "/")
		for _, v := range originals(t) {
			escaped := string(contract.AppendString(nil, v))
			if strings.Contains(strings.ToLower(text), strings.ToLower(v)) || strings.Contains(string(b), escaped[1:len(escaped)-1]) {
				t.Errorf("%s holds the original %q", filepath.Base(f), v)
			}
		}
	}
	found, err := LintPersonalData([]string{dir}, nil)
	if err != nil || len(found) > 0 {
		t.Errorf("lint --personal-data on a pseudonymised recording: %v %v", found, err)
	}
	raw, _ := record(t, ts, nil, probing)
	found, _ = LintPersonalData([]string{raw}, nil)
	var kinds []string
	for _, f := range found {
		for _, k := range []string{"e-mail", "IP address"} {
			if strings.Contains(f.Message, k) && !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	if len(kinds) != 2 {
		t.Errorf("lint --personal-data on a raw recording finds %v, want e-mails and IP addresses", kinds)
	}
}

// fixtureValues lists a field's values in a recording's fixture, in order.
func fixtureValues(t *testing.T, dir, field string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*-? *`+field+`: (.+)$`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestStablePseudonyms: one key, the same files; another key, other
// pseudonyms for every ID, e-mail and IP address.
func TestStablePseudonyms(t *testing.T) {
	ts := workspace(t)
	a, _ := record(t, ts, testKey(1), probing)
	b, _ := record(t, ts, testKey(1), probing)
	for _, f := range []string{FixtureFile, ManifestFile, TranscriptFile, ProbesFile} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) || len(x) == 0 {
			t.Errorf("%s differs between two recordings with one key", f)
		}
	}
	c, _ := record(t, ts, testKey(9), probing)
	for _, field := range []string{"id", "email", "ip_address"} {
		va, vc := fixtureValues(t, a, field), fixtureValues(t, c, field)
		if len(va) != len(vc) || len(va) < 5 {
			t.Fatalf("%s: %d values, then %d", field, len(va), len(vc))
		}
		for i := range va {
			if va[i] == vc[i] {
				t.Errorf("%s %s is the same under another key", field, va[i])
			}
		}
	}
	d, err := DiffDirs(context.Background(), a, b)
	if err != nil || d.Changed() {
		t.Errorf("diff of two recordings with one key: %+v %v", d, err)
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
				cancel() // ^C while the fourth chunk is asked
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
