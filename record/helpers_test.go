package record

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/internal/liketest"
	"github.com/odmock/odmock/mock"
)

const providerToken = "provider-token"

// testWindow is the provider's data and the recording's window.
var testWindow = dataset.Window{
	Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	End:   time.Date(2024, 1, 6, 23, 59, 59, 0, time.UTC),
}

// provider is odmock on another seed, behind the real API's rate limit,
// served on 127.0.0.1: the workspace a test records.
func provider(t testing.TB, wrap func(http.Handler) http.Handler) (*httptest.Server, *mock.Server) {
	t.Helper()
	return providerWith(t, 60, wrap)
}

// providerWith is provider with another rate limit (0: off).
func providerWith(t testing.TB, rateLimit int, wrap func(http.Handler) http.Handler) (*httptest.Server, *mock.Server) {
	t.Helper()
	cfg := mock.DefaultConfig()
	cfg.Seed, cfg.Users, cfg.Window = 77, 40, testWindow
	cfg.Tokens = []string{providerToken}
	cfg.RateLimit = rateLimit
	cfg.ScenariosDir, cfg.FixturesDir, cfg.JournalSize = "", "", 0
	srv, err := mock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, srv
}

// workspaceFixture is a raw, personal-looking workspace: consumer e-mail
// domains, public IP addresses, phone numbers in messages.
const workspaceFixture = "testdata/workspace.yaml"

// workspace is odmock serving workspaceFixture as a page-faithful
// provider serves a real workspace: chatbot_user_data is {id, name,
// email}, every other attribute is hidden from the answers. No rate
// limit: probing asks many questions quickly.
func workspace(t testing.TB) *httptest.Server {
	t.Helper()
	cfg := mock.DefaultConfig()
	cfg.Tokens = []string{providerToken}
	cfg.Fixtures = workspaceFixture
	cfg.RateLimit = 0
	cfg.ScenariosDir, cfg.FixturesDir, cfg.JournalSize = "", "", 0
	srv, err := mock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// probing is an Options edit: probe attributes, with a budget to spare.
func probing(o *Options) { o.ProbeAttributes, o.MaxRequests = true, 4000 }

// sleeps records the waits a recording asks for, without waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// testKey is a fixed key, so recordings compare across runs.
func testKey(b byte) Key {
	k := make(Key, KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

// options records ts over testWindow into dir, quickly.
func options(ts *httptest.Server, dir string, key Key) Options {
	var sl sleeps
	return Options{
		BaseURL: ts.URL, Token: providerToken, From: testWindow.Start, To: testWindow.End,
		Dir: dir, Key: key, KeepPersonalData: key == nil, Rate: 1000, Version: "test",
		sleep: sl.sleep,
	}
}

// serveDir is the engine serving a recording's directory, as
// `odmock --fixtures DIR` does.
func serveDir(t testing.TB, dir string) http.Handler {
	t.Helper()
	cfg := mock.DefaultConfig()
	cfg.Tokens = []string{selfCheckToken}
	cfg.Fixtures = dir
	cfg.ScenariosDir, cfg.FixturesDir, cfg.JournalSize = "", "", 0
	srv, err := mock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv.Handler()
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
			ok = ok && has && liketest.Regexp(v).MatchString(strings.ToLower(val))
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
