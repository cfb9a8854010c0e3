package dataset

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// ConversationGap is the silence that ends a conversation, as analytics
// tools split sessions: a user's messages closer than this are one
// conversation.
const ConversationGap = 30 * time.Minute

// Stats are the distributions of a set of users that a dashboard developer
// checks before trusting data: who the users are, and when and how they
// write. Message figures count user-sent messages, the ones the API returns.
type Stats struct {
	Users int `json:"users"`
	// SampledFrom, when set, is the number of users in the dataset: the
	// figures count an evenly spaced sample of Users of them (see
	// Dataset.Stats).
	SampledFrom int `json:"sampled_from,omitempty"`
	// Whole, when the figures count a sample, is the whole dataset's
	// totals, exact.
	Whole          *Totals `json:"whole,omitempty"`
	Anonymous      int     `json:"anonymous_users"` // neither a name nor an e-mail
	ReturningUsers int     `json:"returning_users"` // more than one conversation
	UserMessages   int     `json:"user_messages"`
	BotMessages    int     `json:"bot_messages"`
	Conversations  int     `json:"conversations"`

	Countries []Count `json:"countries"`
	Languages []Count `json:"browser_languages"`
	Timezones []Count `json:"timezones"`
	Platforms []Count `json:"platforms"`
	Browsers  []Count `json:"browsers"` // by name, without the version
	OSes      []Count `json:"oses"`
	Scenarios []Count `json:"selected_scenarios"`

	MessageTypes []Count `json:"message_types"`
	// LocalHours counts messages by the hour of the user's own clock
	// (their timezone attribute; UTC without one), 0 to 23.
	LocalHours [24]int `json:"messages_per_local_hour"`
	// Weekdays counts messages by the user's local weekday, Monday first.
	Weekdays [7]int `json:"messages_per_local_weekday"`
	// Days counts messages by UTC date (2024-01-15), in date order.
	Days []Count `json:"messages_per_day"`
	// ConversationLengths counts conversations by their number of user
	// messages ("1" to "9", then "10+"), in that order.
	ConversationLengths []Count `json:"conversation_lengths"`
}

// Totals is a dataset's size: users, their conversations, the messages
// they sent (the ones the API returns) and the bot's.
type Totals struct {
	Users         int `json:"users"`
	Conversations int `json:"conversations"`
	UserMessages  int `json:"user_messages"`
	BotMessages   int `json:"bot_messages"`
}

// Count is how many have one value.
type Count struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// weekdayNames name Stats.Weekdays' entries.
var weekdayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// WeekdayName is the name of Stats.Weekdays[i] (Mon for 0).
func WeekdayName(i int) string { return weekdayNames[i%7] }

// StatsOf computes the distributions of users. Attributes missing from a
// user count as "(none)"; time zones it does not know count as UTC.
func StatsOf(users []User) Stats {
	return statsOf(len(users), func(i int) *User { return &users[i] })
}

// statsOf is StatsOf over n users, user i given by at: one at a time, so
// users made for the count need not be held together.
func statsOf(n int, at func(i int) *User) Stats {
	var s Stats
	zones := zonesByName(zoneTable())
	loaded := map[string]*time.Location{}
	tally := map[string]map[string]int{}
	add := func(dist, value string, n int) {
		m := tally[dist]
		if m == nil {
			m = map[string]int{}
			tally[dist] = m
		}
		m[value] += n
	}
	attr := func(u *User, name string) string {
		if v, ok := u.Attributes[name]; ok {
			return v
		}
		return "(none)"
	}
	lengths := make([]int, 10)
	for i := range n {
		u := at(i)
		s.Users++
		if _, ok := u.Attributes["email"]; !ok && u.Name == nil {
			s.Anonymous++
		}
		add("country", attr(u, "country"), 1)
		add("language", attr(u, "browser_language"), 1)
		add("timezone", attr(u, "timezone"), 1)
		add("platform", attr(u, "platform"), 1)
		browser, _, _ := strings.Cut(attr(u, "browser"), " ")
		add("browser", browser, 1)
		add("os", attr(u, "os"), 1)
		add("scenario", attr(u, "selected_scenario"), 1)

		local := func(t time.Time) time.Time { return t.UTC() }
		if tz, ok := u.Attributes["timezone"]; ok {
			if z := zones[tz]; z != nil {
				local = z.local
			} else {
				loc, seen := loaded[tz]
				if !seen {
					loc, _ = time.LoadLocation(tz) // nil: UTC
					loaded[tz] = loc
				}
				if loc != nil {
					local = func(t time.Time) time.Time { return t.In(loc) }
				}
			}
		}

		msgs := slices.Clone(u.Messages)
		slices.SortStableFunc(msgs, func(a, b Message) int { return a.Date.Compare(b.Date) })
		conversations, inConversation := 0, 0
		for k := range msgs {
			m := &msgs[k]
			if k == 0 || m.Date.Sub(msgs[k-1].Date) > ConversationGap {
				if k > 0 {
					lengths[min(inConversation, 10)-1]++
				}
				conversations++
				inConversation = 0
			}
			if m.FromBot() {
				s.BotMessages++
				continue
			}
			inConversation++
			s.UserMessages++
			add("type", m.Type, 1)
			lt := local(m.Date)
			s.LocalHours[lt.Hour()]++
			s.Weekdays[(int(lt.Weekday())+6)%7]++
			add("day", m.Date.UTC().Format(time.DateOnly), 1)
		}
		if len(msgs) > 0 && inConversation > 0 {
			lengths[min(inConversation, 10)-1]++
		}
		s.Conversations += conversations
		if conversations > 1 {
			s.ReturningUsers++
		}
	}
	s.Countries = sortedCounts(tally["country"])
	s.Languages = sortedCounts(tally["language"])
	s.Timezones = sortedCounts(tally["timezone"])
	s.Platforms = sortedCounts(tally["platform"])
	s.Browsers = sortedCounts(tally["browser"])
	s.OSes = sortedCounts(tally["os"])
	s.Scenarios = sortedCounts(tally["scenario"])
	s.MessageTypes = sortedCounts(tally["type"])
	for day, n := range tally["day"] {
		s.Days = append(s.Days, Count{day, n})
	}
	slices.SortFunc(s.Days, func(a, b Count) int { return cmp.Compare(a.Value, b.Value) })
	for k, n := range lengths {
		label := string(rune('1' + k))
		if k == 9 {
			label = "10+"
		}
		s.ConversationLengths = append(s.ConversationLengths, Count{label, n})
	}
	return s
}

// sortedCounts lists a tally, largest first, ties by value.
func sortedCounts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{v, n})
	}
	slices.SortFunc(out, func(a, b Count) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return out
}
