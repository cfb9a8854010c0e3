package contract

import (
	"context"
	"sync"
	"testing"
)

// parsed is the embedded contract, parsed once for all tests.
var parsed = sync.OnceValues(func() (*Contract, error) {
	return Default(context.Background())
})

func testContract(t testing.TB) *Contract {
	t.Helper()
	c, err := parsed()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}
