package mocktest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/mock"
)

// Server is an odmock server running in the test's process.
type Server struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234, without a
	// trailing slash.
	URL string
	// Token is an API token the server accepts.
	Token string
	// Mock is the server itself: its dataset, contract and journal.
	Mock *mock.Server

	transport *http.Transport
}

// Option changes the server's configuration.
type Option func(*mock.Config)

// WithSeed sets the dataset's seed (default 1): the same seed serves the
// same bytes.
func WithSeed(seed uint64) Option { return func(c *mock.Config) { c.Seed = seed } }

// WithUsers sets the number of generated users (default 500). One of them
// is always the public page's example user, user_12345.
func WithUsers(n int) Option { return func(c *mock.Config) { c.Users = n } }

// WithWindow sets the span of the generated conversations (default January
// 2024).
func WithWindow(w dataset.Window) Option { return func(c *mock.Config) { c.Window = w } }

// WithScenario puts the server in a scenario from the start: one shipped
// with odmock (unauthorized, token-expires, rate-limited, slow, ...), or
// one of dir when WithScenariosDir is given too.
func WithScenario(name string) Option { return func(c *mock.Config) { c.Scenario = name } }

// WithScenariosDir reads scenarios from dir instead of the shipped ones.
func WithScenariosDir(dir string) Option { return func(c *mock.Config) { c.ScenariosDir = dir } }

// WithFixtures serves a fixture file or directory instead of generated users.
func WithFixtures(path string) Option { return func(c *mock.Config) { c.Fixtures = path } }

// WithTokens sets the accepted API tokens; Server.Token is the first.
func WithTokens(tokens ...string) Option { return func(c *mock.Config) { c.Tokens = tokens } }

// WithLogger sends the server's request log to l (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(c *mock.Config) { c.Logger = l } }

// WithConfig changes any other field of the configuration.
func WithConfig(fn func(*mock.Config)) Option { return Option(fn) }

// NewServer starts a server for the test t and closes it when the test
// and its subtests end. It stops the test if the server cannot start.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("mocktest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (in TestMain, or an example); the
// caller must Close it.
func Start(opts ...Option) (*Server, error) {
	cfg := mock.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	for _, o := range opts {
		o(&cfg)
	}
	m, err := mock.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start odmock: %w", err)
	}
	if err := m.Start(); err != nil {
		return nil, fmt.Errorf("start odmock: %w", err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	return &Server{URL: m.URL(), Token: cfg.Tokens[0], Mock: m, transport: tr}, nil
}

// Close stops the server, waiting up to five seconds for requests in
// flight to be answered.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.Mock.Shutdown(ctx) //nolint:errcheck // nothing more to do on a timeout
	s.transport.CloseIdleConnections()
}

// Client returns an HTTP client that sends the server's token with every
// request, as a client of the real API sends its own.
func (s *Server) Client() *http.Client { return s.SessionClient("") }

// SessionClient is Client that also names its requests' session, so that
// Requests(session) finds them among other tests' requests.
func (s *Server) SessionClient(session string) *http.Client {
	return &http.Client{
		Transport: &authTransport{base: s.transport, token: s.Token, session: session},
		Timeout:   30 * time.Second,
	}
}

// Get sends GET to the server's URL plus path, with the token.
func (s *Server) Get(path string) (*http.Response, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return s.Client().Get(s.URL + path)
}

// InteractionsURL is the URL of the API for a date range, in the API's
// format (2024-01-01 00:00:00), and filters as name, value pairs.
func (s *Server) InteractionsURL(from, to string, filters ...string) string {
	u := s.URL + s.Mock.Contract().Path() + "?from=" + escape(from) + "&to=" + escape(to)
	for i := 0; i+1 < len(filters); i += 2 {
		u += "&" + escape(filters[i]) + "=" + escape(filters[i+1])
	}
	return u
}

// escape writes a query value as the public page does: spaces as %20.
func escape(v string) string {
	r := strings.NewReplacer("%", "%25", " ", "%20", "&", "%26", "+", "%2B", "#", "%23", "=", "%3D")
	return r.Replace(v)
}

// Requests returns the requests the server has answered, oldest first,
// from its journal (the latest 1000 by default): only session's when
// session is not "". Requests to /__odmock/ are not in it.
func (s *Server) Requests(session string) []mock.JournalEntry {
	s.Mock.Settle()
	return s.Mock.Journal().Entries(mock.JournalFilter{Session: session})
}

// ClearRequests empties the journal of session's requests, or of all
// requests when session is "".
func (s *Server) ClearRequests(session string) {
	s.Mock.Settle()
	s.Mock.Journal().Clear(session)
}

// authTransport adds the token and the session to every request.
type authTransport struct {
	base    http.RoundTripper
	token   string
	session string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+t.token)
	}
	if t.session != "" {
		req.Header.Set("X-Odmock-Session", t.session)
	}
	return t.base.RoundTrip(req)
}
