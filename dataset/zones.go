package dataset

import "time"

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
}

func zoneTable() []zone {
	h := func(hours float64) time.Duration { return time.Duration(hours * float64(time.Hour)) }
	return []zone{
		{"America/New_York", h(-5), dstUS}, {"America/Chicago", h(-6), dstUS},
		{"America/Denver", h(-7), dstUS}, {"America/Phoenix", h(-7), dstNone},
		{"America/Los_Angeles", h(-8), dstUS}, {"America/Anchorage", h(-9), dstUS},
		{"Pacific/Honolulu", h(-10), dstNone},
		{"America/Toronto", h(-5), dstUS}, {"America/Vancouver", h(-8), dstUS},
		{"America/Edmonton", h(-7), dstUS}, {"America/Winnipeg", h(-6), dstUS},
		{"America/Halifax", h(-4), dstUS}, {"America/Regina", h(-6), dstNone},
		{"America/St_Johns", h(-3.5), dstUS},
		{"America/Mexico_City", h(-6), dstNone}, {"America/Monterrey", h(-6), dstNone},
		{"America/Tijuana", h(-8), dstUS}, {"America/Cancun", h(-5), dstNone},
		{"America/Sao_Paulo", h(-3), dstNone}, {"America/Bahia", h(-3), dstNone},
		{"America/Fortaleza", h(-3), dstNone}, {"America/Manaus", h(-4), dstNone},
		{"America/Bogota", h(-5), dstNone}, {"America/Argentina/Buenos_Aires", h(-3), dstNone},
		{"Europe/London", 0, dstEU}, {"Europe/Dublin", 0, dstEU}, {"Europe/Lisbon", 0, dstEU},
		{"Atlantic/Madeira", 0, dstEU}, {"Atlantic/Azores", h(-1), dstEU}, {"Atlantic/Canary", 0, dstEU},
		{"Europe/Berlin", h(1), dstEU}, {"Europe/Paris", h(1), dstEU}, {"Europe/Madrid", h(1), dstEU},
		{"Europe/Rome", h(1), dstEU}, {"Europe/Amsterdam", h(1), dstEU}, {"Europe/Brussels", h(1), dstEU},
		{"Europe/Vienna", h(1), dstEU}, {"Europe/Zurich", h(1), dstEU},
		{"Asia/Kolkata", h(5.5), dstNone},
		{"Australia/Sydney", h(10), dstAU}, {"Australia/Melbourne", h(10), dstAU},
		{"Australia/Brisbane", h(10), dstNone}, {"Australia/Adelaide", h(9.5), dstAU},
		{"Australia/Perth", h(8), dstNone}, {"Australia/Hobart", h(10), dstAU},
		{"Pacific/Auckland", h(12), dstNZ},
	}
}

// offsetAt is the zone's offset from UTC at the instant t.
func (z *zone) offsetAt(t time.Time) time.Duration {
	if z.inDST(t.UTC()) {
		return z.offset + time.Hour
	}
	return z.offset
}

// local is t on the zone's clock, as a UTC time.Time holding local fields.
func (z *zone) local(t time.Time) time.Time { return t.UTC().Add(z.offsetAt(t)) }

func (z *zone) inDST(t time.Time) bool {
	y := t.Year()
	switch z.rule {
	case dstEU:
		start := sunday(y, time.March, -1).Add(time.Hour)
		end := sunday(y, time.October, -1).Add(time.Hour)
		return !t.Before(start) && t.Before(end)
	case dstUS:
		start := sunday(y, time.March, 2).Add(2*time.Hour - z.offset)
		end := sunday(y, time.November, 1).Add(time.Hour - z.offset)
		return !t.Before(start) && t.Before(end)
	case dstAU:
		end := sunday(y, time.April, 1).Add(2*time.Hour - z.offset)
		start := sunday(y, time.October, 1).Add(2*time.Hour - z.offset)
		return t.Before(end) || !t.Before(start)
	case dstNZ:
		end := sunday(y, time.April, 1).Add(2*time.Hour - z.offset)
		start := sunday(y, time.September, -1).Add(2*time.Hour - z.offset)
		return t.Before(end) || !t.Before(start)
	}
	return false
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
