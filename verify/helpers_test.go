package verify

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/mock"
)

// The tests judge odmock itself, and odmock made to drift: the judge
// imports the defendant in tests only.

// parsedContract is the embedded contract, parsed once for all tests.
var parsedContract = sync.OnceValues(func() (*contract.Contract, error) {
	return contract.Default(context.Background())
})

func testContract(t testing.TB) *contract.Contract {
	t.Helper()
	c, err := parsedContract()
	if err != nil {
		t.Fatalf("contract.Default: %v", err)
	}
	return c
}

// smallConfig is a quick odmock for tests that need users, not many.
func smallConfig() mock.Config {
	cfg := mock.DefaultConfig()
	cfg.Users = 60
	return cfg
}

// testServer is odmock behind a real HTTP transport.
type testServer struct {
	srv *mock.Server
	ts  *httptest.Server
}

func newTestServer(t testing.TB, cfg mock.Config) *testServer {
	t.Helper()
	srv, err := mock.New(cfg)
	if err != nil {
		t.Fatalf("mock.New: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &testServer{srv: srv, ts: ts}
}
