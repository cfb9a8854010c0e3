package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/odmock/odmock/contract"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current answers")

const apiPath = "/public/api/user-interactions"

// parsedContract parses the embedded contract once for all tests.
var parsedContract = sync.OnceValues(func() (*contract.Contract, error) {
	return contract.Default(context.Background())
})

// Query and Filter are the contract's, short for the tables of tests.
type (
	Query  = contract.Query
	Filter = contract.Filter
)

func testContract(t testing.TB) *contract.Contract {
	t.Helper()
	c, err := parsedContract()
	if err != nil {
		t.Fatalf("DefaultContract: %v", err)
	}
	return c
}

// testServer is an odmock server behind a real HTTP transport, whose every
// answer is checked against openapi.yaml.
type testServer struct {
	t   testing.TB
	srv *Server
	ts  *httptest.Server
}

func newTestServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	srv, err := New(withTestState(t, cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.shared.close() // what Shutdown does for a server that Start served
	})
	return &testServer{t: t, srv: srv, ts: ts}
}

// smallConfig is a quick dataset for tests that need users, not many.
func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Users = 60
	return cfg
}

// response is what a client received.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get sends GET path with the default token.
func (s *testServer) get(path string) response {
	s.t.Helper()
	return s.do(http.MethodGet, path, http.Header{"Authorization": {"Bearer " + DefaultToken}})
}

// do sends a request and checks the answer against the contract: an answer
// on the API's path must be one the contract defines, and any other answer
// must still be JSON {"message": "..."}.
func (s *testServer) do(method, path string, header http.Header) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, nil)
	if err != nil {
		s.t.Fatalf("new request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	// Redirects (the non-JSON clients mode) are answers to check, not to
	// follow.
	client := *s.ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	checkContract(s.t, testContract(s.t), req, r)
	return r
}

// checkContract fails the test if an answer breaks openapi.yaml.
func checkContract(t testing.TB, c *contract.Contract, req *http.Request, r response) {
	t.Helper()
	// Laravel's answer to a plain OPTIONS is empty: 200 and Allow.
	emptyOptions := req.Method == http.MethodOptions && r.status == http.StatusOK && len(r.body) == 0
	// A scripted proxy page (gateway-timeout) and the real server's
	// redirects to clients that do not ask for JSON are HTML, and say they
	// are outside the contract.
	if r.header.Get(OutsideContractHeader) == "true" && strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		return
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" && !(req.Method == http.MethodHead || r.status == http.StatusNoContent || emptyOptions) {
		t.Errorf("%s %s: Content-Type = %q, want application/json", req.Method, req.URL, ct)
	}
	err := c.ValidateResponse(context.Background(), req, r.status, r.header, r.body)
	if r.header.Get(OutsideContractHeader) == "true" {
		err = contract.ErrNotInContract // marked as such: JSON, but no contract answer
	}
	if errors.Is(err, contract.ErrNotInContract) {
		// Outside the contract, odmock still answers JSON, and errors
		// in Laravel's {"message": ...} shape.
		if req.Method == http.MethodHead || r.status == http.StatusNoContent || emptyOptions {
			return
		}
		var m struct {
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(r.body, &m); err != nil || r.status >= 400 && m.Message == nil {
			t.Errorf("%s %s: status %d, body %q is not JSON {\"message\": ...}", req.Method, req.URL, r.status, r.body)
		}
		return
	}
	if err != nil {
		t.Errorf("%s %s: answer breaks openapi.yaml: %v\nstatus %d, body: %.500s", req.Method, req.URL, err, r.status, r.body)
	}
}

// golden compares got with testdata/name.golden, or rewrites the file when
// the test runs with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./mock -update to make it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("body differs from %s (go test ./mock -update rewrites it)\n got: %.800s\nwant: %.800s", path, got, want)
	}
}

// withTestState runs the test against the Redis at ODMOCK_TEST_STATE,
// when set and cfg names none, under a prefix of its own: .ci/run runs
// the whole package so, to show that the state's semantics do not depend
// on where it lives.
func withTestState(t testing.TB, cfg Config) Config {
	if url := os.Getenv("ODMOCK_TEST_STATE"); url != "" && cfg.State == "" {
		cfg.State, cfg.StatePrefix = url, uniquePrefix(t)
	}
	return cfg
}
