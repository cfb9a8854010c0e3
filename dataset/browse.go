package dataset

import (
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
	if len(cf) == 0 { // every user: no need to test each
		for u := max(offset, 0); u < d.users && len(page) < limit; u++ {
			page = append(page, d.summary(u))
		}
		return page, d.users
	}
	ft := filterer{d: d}
	for u := range d.users {
		if !ft.keepsAll(cf, u) {
			continue
		}
		total++
		if total <= offset || len(page) >= limit {
			continue
		}
		page = append(page, d.summary(u))
	}
	return page, total
}

// summary is user u as Browse lists them.
func (d *Dataset) summary(u int) UserSummary {
	full := d.source(u)
	times := d.userTimes(u)
	s := UserSummary{ID: full.ID, Name: full.Name, Attributes: full.Attributes, Messages: len(times),
		BotMessages: len(full.Messages) - len(times)}
	if s.Attributes == nil {
		s.Attributes = map[string]string{}
	}
	if len(times) > 0 {
		s.First = queryTime(time.Unix(times[0], 0))
		s.Last = queryTime(time.Unix(times[len(times)-1], 0))
	}
	return s
}

// Stats are the dataset's distributions (see StatsOf), for a person to
// see before building on it. It reads users whole (for a seeded dataset,
// makes them again): it is for a person asking, once, not for queries. A
// dataset of more than 100,000 users is counted over an evenly spaced
// sample of that many, the same every time (Stats.SampledFrom says so).
func (d *Dataset) Stats() Stats {
	n := min(d.users, statsSample)
	s := statsOf(n, func(k int) *User {
		u := d.source(sampleIndex(k, n, d.users))
		return &u
	})
	if n < d.users {
		s.SampledFrom = d.users
		s.Whole = &Totals{Users: d.users, Conversations: len(d.at), UserMessages: d.messages, BotMessages: d.botCount}
	}
	return s
}

// statsSample is the most users Dataset.Stats reads (a variable for
// tests).
var statsSample = 100_000

// sampleIndex is the k-th of n indexes evenly spaced over 0 to total-1,
// the first and last included.
func sampleIndex(k, n, total int) int {
	if n <= 1 {
		return 0
	}
	return int(int64(k) * int64(total-1) / int64(n-1))
}
