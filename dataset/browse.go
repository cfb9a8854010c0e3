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

// Stats are the dataset's distributions (see StatsOf), for a person to
// see before building on it. It reads every user whole (for a seeded
// dataset, makes them again): it is for a person asking, once, not for
// queries.
func (d *Dataset) Stats() Stats {
	users := make([]User, len(d.users))
	for i := range d.users {
		users[i] = d.source(i)
	}
	return StatsOf(users)
}
