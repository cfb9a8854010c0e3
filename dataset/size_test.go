package dataset

import (
	"testing"
	"time"
)

func TestParseMessages(t *testing.T) {
	t.Parallel()
	year := Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"15000000", 15_000_000, true}, {"100M", 100_000_000, true}, {"1.5k", 1500, true},
		{"10k/d", 3_660_000, true}, {"10k/day", 3_660_000, true},
		{"10k/h", 0, false}, {"", 0, false}, {"-5", 0, false}, {"0", 0, false}, {"lots", 0, false}, {"3G", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMessages(tt.in, year)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMessages(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseBytes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"64MiB": 64 << 20, "0": 0, "512k": 512 << 10, "1GB": 1e9, "100": 100} {
		if got, err := ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "lots", "2TiB"} {
		if _, err := ParseBytes(in); err == nil {
			t.Errorf("ParseBytes(%q): no error", in)
		}
	}
}

// TestUsersForMessages checks that a number of messages gives about that
// many.
func TestUsersForMessages(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	n := UsersForMessages(1, DefaultWindow(), 50_000)
	d, err := NewSeeded(c, 1, n, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Messages(); got < 47_500 || got > 52_500 {
		t.Errorf("50000 messages: %d users sent %d", n, got)
	}
}
