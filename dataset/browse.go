package dataset

import (
	"cmp"
	"slices"
	"time"

	"github.com/odmock/odmock/contract"
)

// UserSummary is a user as a listing shows them: who, their attributes as
// written, and how much they said.
type UserSummary struct {
	ID          string            `json:"id"`
	Name        *string           `json:"name"`
	Attributes  map[string]string `json:"attributes"`
	Messages    int               `json:"messages"`     // user-sent: what queries return
	BotMessages int               `json:"bot_messages"` // never returned
	First       string            `json:"first"`        // the first user-sent message, "" without any
	Last        string            `json:"last"`
}

// Browse lists the users the filters keep (the API's own LIKE '%v%'
// semantics, whatever their dates), in the dataset's order: at most
// limit from offset, and how many the filters keep in all.
func (d *Dataset) Browse(filters []contract.Filter, offset, limit int) (page []UserSummary, total int) {
	page = []UserSummary{}
	cf, ok := d.compileFilters(filters)
	if !ok {
		return page, 0
	}
	for i := range d.users {
		u := &d.users[i]
		keep := true
		for k := range cf {
			if !cf[k].keeps(u) {
				keep = false
				break
			}
		}
		if !keep {
			continue
		}
		total++
		if total <= offset || len(page) >= limit {
			continue
		}
		full := d.source(i)
		s := UserSummary{ID: u.id, Name: full.Name, Attributes: full.Attributes, Messages: len(u.msgs),
			BotMessages: len(full.Messages) - len(u.msgs)}
		if s.Attributes == nil {
			s.Attributes = map[string]string{}
		}
		if len(u.msgs) > 0 {
			s.First = queryTime(time.Unix(u.msgs[0].at, 0))
			s.Last = queryTime(time.Unix(u.msgs[len(u.msgs)-1].at, 0))
		}
		page = append(page, s)
	}
	return page, total
}

// Count is how many of something there are under one name.
type Count struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Distributions are the dataset's shape, for a person to see before
// building on it: user-sent messages per day (UTC) and per hour of the
// user's own day, users per country and per platform.
type Distributions struct {
	PerDay []Count `json:"per_day"`
	// PerLocalHour counts user-sent messages by the hour on the user's
	// clock (their timezone attribute); users without a known zone count
	// in UTC and in UnknownZone.
	PerLocalHour [24]int `json:"per_local_hour"`
	UnknownZone  int     `json:"unknown_zone"` // users whose zone is missing or unknown
	Countries    []Count `json:"countries"`    // by count, then name; "" is no country
	Platforms    []Count `json:"platforms"`
}

// Distributions counts the dataset's shape. It reads every user whole
// (for a seeded dataset, makes them again): it is for a person asking,
// once, not for queries.
func (d *Dataset) Distributions() Distributions {
	var out Distributions
	days := map[string]int{}
	countries, platforms := map[string]int{}, map[string]int{}
	zones := map[string]*time.Location{}
	for i := range d.users {
		u := d.source(i)
		countries[u.Attributes["country"]]++
		platforms[u.Attributes["platform"]]++
		name := u.Attributes["timezone"]
		loc, seen := zones[name]
		if !seen {
			if l, err := time.LoadLocation(name); err == nil && name != "" {
				loc = l
			}
			zones[name] = loc
		}
		if loc == nil {
			out.UnknownZone++
			loc = time.UTC
		}
		for _, m := range u.Messages {
			if m.FromBot() {
				continue
			}
			days[m.Date.UTC().Format(time.DateOnly)]++
			out.PerLocalHour[m.Date.In(loc).Hour()]++
		}
	}
	out.PerDay = counts(days)
	slices.SortFunc(out.PerDay, func(a, b Count) int { return cmp.Compare(a.Name, b.Name) })
	out.Countries, out.Platforms = counts(countries), counts(platforms)
	return out
}

// counts lists m by count, most first, then by name.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for k, n := range m {
		out = append(out, Count{Name: k, Count: n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}
