package dataset

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseMessages reads a --messages value: a number of user messages
// (15000000, 15M, 1.5k, 100M), or a rate per day over the window w
// (10k/d, 10k/day), which is the rate times the window's days.
func ParseMessages(s string, w Window) (int64, error) {
	s = strings.TrimSpace(s)
	num, per, rate := strings.Cut(s, "/")
	n, err := parseCount(num)
	if err != nil {
		return 0, fmt.Errorf("messages %q: %w", s, err)
	}
	if rate {
		if per != "d" && per != "day" {
			return 0, fmt.Errorf("messages %q: a rate is per day (10k/d)", s)
		}
		days := w.End.Sub(w.Start).Seconds() / (24 * time.Hour).Seconds()
		n = math.Round(n * days)
	}
	if n < 1 || n > 2e9 {
		return 0, fmt.Errorf("messages %q: want 1 to 2G user messages", s)
	}
	return int64(n), nil
}

// parseCount reads a count with an optional k, M or G suffix.
func parseCount(s string) (float64, error) {
	mult := 1.0
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			mult = 1e3
		case 'm', 'M':
			mult = 1e6
		case 'g', 'G':
			mult = 1e9
		}
		if mult != 1 {
			s = s[:len(s)-1]
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("want a number, with k, M or G, e.g. 15M or 10k/d")
	}
	return v * mult, nil
}

// ParseBytes reads a size in bytes: 64MiB, 64MB, 512k, 0.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"kB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"k", 1 << 10}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<40 {
		return 0, fmt.Errorf("size %q: want bytes, e.g. 64MiB, 512k or 0", s)
	}
	return int64(v * float64(mult)), nil
}
