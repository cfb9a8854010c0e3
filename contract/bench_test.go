package contract

import (
	"testing"
)

// The contract's part of a request: go test ./contract -run '^$' -bench . -benchmem

const (
	benchOneUser = "from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59&user_id=user_12345"
	benchInvalid = "to=2024-01-31%2023:59:59"
)

func BenchmarkValidate(b *testing.B) {
	c := testContract(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ValidateQuery(benchOneUser); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateInvalid(b *testing.B) {
	c := testContract(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ValidateQuery(benchInvalid); err == nil {
			b.Fatal("valid")
		}
	}
}
