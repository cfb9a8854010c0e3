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
