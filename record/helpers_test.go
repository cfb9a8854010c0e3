package record

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
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
