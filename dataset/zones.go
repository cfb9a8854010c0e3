package dataset

import (
	"slices"
	"time"
)

// The time zones of generated users, with their offsets computed here
// rather than by time.LoadLocation: the data must be the same on every
// machine, including one without a time zone database (a scratch
// container), and the generator asks for an offset per conversation.
// The rules are those in force since 2023 (Mexico dropped daylight saving
// time in October 2022); TestZoneOffsetsMatchTZData compares them with the
// system's database.

// dstRule is when a zone keeps daylight saving time, one hour ahead.
type dstRule uint8

const (
	dstNone dstRule = iota
	dstEU           // last Sunday of March to last Sunday of October, 01:00 UTC
	dstUS           // second Sunday of March to first Sunday of November, 02:00 local
	dstAU           // first Sunday of October to first Sunday of April, 02:00 standard
	dstNZ           // last Sunday of September to first Sunday of April, 02:00 standard
)

// zone is a time zone: its standard offset from UTC and its rule.
type zone struct {
	name   string
	offset time.Duration // standard time
	rule   dstRule
	// switches are the instants (Unix seconds) the zone changes between
	// standard and summer time over the years a catalog needs, so that
	// offsetAt is a binary search there; dstFirst is whether summer time
	// holds before the first of them.
	switches []int64
	dstFirst bool
	from, to int64 // the span switches cover
	offsetS  int64 // offset in seconds
}

// prepare computes the zone's switches for the years from y0 to y1.
func (z *zone) prepare(y0, y1 int) {
	z.offsetS = int64(z.offset / time.Second)
	if z.rule == dstNone {
		return
	}
	for y := y0; y <= y1; y++ {
		start, end := z.bounds(y)
		lo, hi := min(start.Unix(), end.Unix()), max(start.Unix(), end.Unix())
		z.switches = append(z.switches, lo, hi)
	}
	z.from = time.Date(y0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	z.to = time.Date(y1+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	z.dstFirst = z.inDST(time.Unix(z.from, 0).UTC())
}

func zoneTable() []zone {
	h := func(hours float64) time.Duration { return time.Duration(hours * float64(time.Hour)) }
	return []zone{
		{name: "America/New_York", offset: h(-5), rule: dstUS}, {name: "America/Chicago", offset: h(-6), rule: dstUS},
		{name: "America/Denver", offset: h(-7), rule: dstUS}, {name: "America/Phoenix", offset: h(-7), rule: dstNone},
		{name: "America/Los_Angeles", offset: h(-8), rule: dstUS}, {name: "America/Anchorage", offset: h(-9), rule: dstUS},
		{name: "Pacific/Honolulu", offset: h(-10), rule: dstNone},
		{name: "America/Toronto", offset: h(-5), rule: dstUS}, {name: "America/Vancouver", offset: h(-8), rule: dstUS},
		{name: "America/Edmonton", offset: h(-7), rule: dstUS}, {name: "America/Winnipeg", offset: h(-6), rule: dstUS},
		{name: "America/Halifax", offset: h(-4), rule: dstUS}, {name: "America/Regina", offset: h(-6), rule: dstNone},
		{name: "America/St_Johns", offset: h(-3.5), rule: dstUS},
		{name: "America/Mexico_City", offset: h(-6), rule: dstNone}, {name: "America/Monterrey", offset: h(-6), rule: dstNone},
		{name: "America/Tijuana", offset: h(-8), rule: dstUS}, {name: "America/Cancun", offset: h(-5), rule: dstNone},
		{name: "America/Sao_Paulo", offset: h(-3), rule: dstNone}, {name: "America/Bahia", offset: h(-3), rule: dstNone},
		{name: "America/Fortaleza", offset: h(-3), rule: dstNone}, {name: "America/Manaus", offset: h(-4), rule: dstNone},
		{name: "America/Bogota", offset: h(-5), rule: dstNone}, {name: "America/Argentina/Buenos_Aires", offset: h(-3), rule: dstNone},
		{name: "Europe/London", offset: 0, rule: dstEU}, {name: "Europe/Dublin", offset: 0, rule: dstEU}, {name: "Europe/Lisbon", offset: 0, rule: dstEU},
		{name: "Atlantic/Madeira", offset: 0, rule: dstEU}, {name: "Atlantic/Azores", offset: h(-1), rule: dstEU}, {name: "Atlantic/Canary", offset: 0, rule: dstEU},
		{name: "Europe/Berlin", offset: h(1), rule: dstEU}, {name: "Europe/Paris", offset: h(1), rule: dstEU}, {name: "Europe/Madrid", offset: h(1), rule: dstEU},
		{name: "Europe/Rome", offset: h(1), rule: dstEU}, {name: "Europe/Amsterdam", offset: h(1), rule: dstEU}, {name: "Europe/Brussels", offset: h(1), rule: dstEU},
		{name: "Europe/Vienna", offset: h(1), rule: dstEU}, {name: "Europe/Zurich", offset: h(1), rule: dstEU},
		{name: "Asia/Kolkata", offset: h(5.5), rule: dstNone},
		{name: "Australia/Sydney", offset: h(10), rule: dstAU}, {name: "Australia/Melbourne", offset: h(10), rule: dstAU},
		{name: "Australia/Brisbane", offset: h(10), rule: dstNone}, {name: "Australia/Adelaide", offset: h(9.5), rule: dstAU},
		{name: "Australia/Perth", offset: h(8), rule: dstNone}, {name: "Australia/Hobart", offset: h(10), rule: dstAU},
		{name: "Pacific/Auckland", offset: h(12), rule: dstNZ},
	}
}

// offsetAt is the zone's offset from UTC at the instant t.
func (z *zone) offsetAt(t time.Time) time.Duration {
	if sw := z.switches; len(sw) > 0 {
		u := t.Unix()
		if u >= z.from && u < z.to {
			n, _ := slices.BinarySearch(sw, u+1) // switches at or before u
			if z.dstFirst != (n%2 == 1) {
				return z.offset + time.Hour
			}
			return z.offset
		}
	}
	if z.inDST(t.UTC()) {
		return z.offset + time.Hour
	}
	return z.offset
}

// offsetSec is offsetAt in seconds, at u (Unix seconds).
func (z *zone) offsetSec(u int64) int64 {
	if z.rule == dstNone {
		return z.offsetS
	}
	if sw := z.switches; len(sw) > 0 && u >= z.from && u < z.to {
		n := 0 // switches at or before u, counted without a branch
		if len(sw) <= 32 {
			for _, at := range sw {
				n += int(uint64(at-u-1) >> 63)
			}
		} else {
			n, _ = slices.BinarySearch(sw, u+1)
		}
		if z.dstFirst != (n%2 == 1) {
			return z.offsetS + 3600
		}
		return z.offsetS
	}
	return int64(z.offsetAt(time.Unix(u, 0)) / time.Second)
}

// local is t on the zone's clock, as a UTC time.Time holding local fields.
func (z *zone) local(t time.Time) time.Time { return t.UTC().Add(z.offsetAt(t)) }

func (z *zone) inDST(t time.Time) bool {
	start, end := z.bounds(t.Year())
	switch z.rule {
	case dstEU, dstUS:
		return !t.Before(start) && t.Before(end)
	case dstAU, dstNZ:
		return t.Before(end) || !t.Before(start)
	}
	return false
}

// bounds are when summer time starts and ends in year y (in the southern
// hemisphere, the end comes first).
func (z *zone) bounds(y int) (start, end time.Time) {
	switch z.rule {
	case dstEU:
		return sunday(y, time.March, -1).Add(time.Hour), sunday(y, time.October, -1).Add(time.Hour)
	case dstUS:
		return sunday(y, time.March, 2).Add(2*time.Hour - z.offset), sunday(y, time.November, 1).Add(time.Hour - z.offset)
	case dstAU:
		return sunday(y, time.October, 1).Add(2*time.Hour - z.offset), sunday(y, time.April, 1).Add(2*time.Hour - z.offset)
	case dstNZ:
		return sunday(y, time.September, -1).Add(2*time.Hour - z.offset), sunday(y, time.April, 1).Add(2*time.Hour - z.offset)
	}
	return time.Time{}, time.Time{}
}

// sunday is midnight (UTC) of the nth Sunday of the month, or with n = -1
// its last Sunday.
func sunday(year int, month time.Month, n int) time.Time {
	if n < 0 {
		last := time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC)
		return last.AddDate(0, 0, -int(last.Weekday()))
	}
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	days := (7 - int(first.Weekday())) % 7
	return first.AddDate(0, 0, days+7*(n-1))
}

// zonesByName indexes zones by name.
func zonesByName(zones []zone) map[string]*zone {
	m := make(map[string]*zone, len(zones))
	for i := range zones {
		m[zones[i].name] = &zones[i]
	}
	return m
}
