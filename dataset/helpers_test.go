package dataset

import (
	"context"
	"sync"
	"testing"

	"github.com/odmock/odmock/contract"
)

// Query and Filter are the contract's, short for the tables of tests.
type (
	Query  = contract.Query
	Filter = contract.Filter
)

// parsed is the embedded contract, parsed once for all tests.
var parsed = sync.OnceValues(func() (*contract.Contract, error) {
	return contract.Default(context.Background())
})

func testContract(t testing.TB) *contract.Contract {
	t.Helper()
	c, err := parsed()
	if err != nil {
		t.Fatalf("contract.Default: %v", err)
	}
	return c
}

// raceShare is the queries a test runs: all of them, or every fourth under
// the race detector, which makes each ten times slower and has only the
// concurrent paths to look at; the plain go test runs them all.
func raceShare(qs []Query) []Query {
	if !raceDetector {
		return qs
	}
	var out []Query
	for i := 0; i < len(qs); i += 4 {
		out = append(out, qs[i])
	}
	return out
}
