package dataset

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseWindow reads a --window value:
//
//   - START/END: absolute, inclusive, in UTC. Each side is a date
//     (2024-01-31), a query date (2024-01-31 23:59:59) or RFC 3339. A date
//     alone as END means the end of that day.
//   - Nd or Nw: the N days (or weeks) up to now, now rounded down to the
//     hour, so a dashboard sees recent data that stays the same for an hour.
func ParseWindow(s string, now time.Time) (Window, error) {
	s = strings.TrimSpace(s)
	if start, end, ok := strings.Cut(s, "/"); ok {
		var w Window
		var err error
		if w.Start, _, err = parseWindowTime(start); err != nil {
			return Window{}, fmt.Errorf("window start: %w", err)
		}
		var dateOnly bool
		if w.End, dateOnly, err = parseWindowTime(end); err != nil {
			return Window{}, fmt.Errorf("window end: %w", err)
		}
		if dateOnly {
			w.End = w.End.Add(24*time.Hour - time.Second)
		}
		if w.End.Before(w.Start) {
			return Window{}, fmt.Errorf("window %q ends before it starts", s)
		}
		return w, nil
	}
	if len(s) >= 2 {
		unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
		n, err := strconv.Atoi(s[:len(s)-1])
		if unit != 0 && err == nil && n > 0 && n <= 3660 {
			end := now.UTC().Truncate(time.Hour)
			return Window{Start: end.Add(-time.Duration(n) * unit), End: end.Add(-time.Second)}, nil
		}
	}
	return Window{}, fmt.Errorf("window %q: want START/END (2024-01-01/2024-01-31) or a span up to now (30d, 2w)", s)
}

func parseWindowTime(s string) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true, nil
	}
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, false, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), false, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (2024-01-31), a date and time (2024-01-31 23:59:59) or RFC 3339", s)
}

// Window is the span of time generated conversations fall in, inclusive.
type Window struct {
	Start, End time.Time
}

// DefaultWindow is January 2024, so the public page's example requests
// return data.
func DefaultWindow() Window {
	return Window{
		Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		End:   time.Date(2024, 1, 31, 23, 59, 59, 0, time.UTC),
	}
}

// String formats the window as START/END in the API's query format.
func (w Window) String() string {
	const layout = "2006-01-02 15:04:05"
	return w.Start.Format(layout) + "/" + w.End.Format(layout)
}
