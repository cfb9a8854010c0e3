package dataset

import (
	"strings"
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 24, 14, 37, 12, 0, time.UTC)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		in         string
		start, end string
		err        string
	}{
		{in: "2024-01-01/2024-01-31", start: "2024-01-01 00:00:00", end: "2024-01-31 23:59:59"},
		{in: "2024-01-01 08:00:00/2024-01-01 17:30:00", start: "2024-01-01 08:00:00", end: "2024-01-01 17:30:00"},
		{in: "2024-01-01T08:00:00+02:00/2024-01-02", start: "2024-01-01 06:00:00", end: "2024-01-02 23:59:59"},
		{in: "30d", start: "2026-10-25 14:00:00", end: "2026-11-24 13:59:59"},
		{in: "2w", start: "2026-11-10 14:00:00", end: "2026-11-24 13:59:59"},
		{in: "2024-02-01/2024-01-01", err: "ends before it starts"},
		{in: "2024-02-30/2024-03-01", err: "window start:"},
		{in: "soon", err: `window "soon": want START/END`},
		{in: "0d", err: "want START/END"},
		{in: "-3d", err: "want START/END"},
	}
	for _, tt := range tests {
		w, err := ParseWindow(tt.in, now)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseWindow(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !w.Start.Equal(at(tt.start)) || !w.End.Equal(at(tt.end)) {
			t.Errorf("ParseWindow(%q) = %s, %v; want %s/%s", tt.in, w, err, tt.start, tt.end)
		}
	}
}
