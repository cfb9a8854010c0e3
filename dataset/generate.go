package dataset

import (
	"runtime"
	"sync"
	"time"

	"github.com/odmock/odmock/contract"
)

// Generate makes n users with conversations in w. The first is always the
// public page's example user (user_12345). The result depends only on seed,
// n and w: user i is made from its own generator, seeded from (seed, i), so
// it is the same whatever n is, and users are made in parallel.
func Generate(seed uint64, n int, w Window) []User {
	users := make([]User, n)
	cat := newCatalog(seed, w)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += workers {
				users[i] = seededUser(cat, seed, i)
			}
		}()
	}
	wg.Wait()
	return users
}

// seededUser is user i of the dataset of seed: the page's example user
// first, then generated ones.
func seededUser(cat *catalog, seed uint64, i int) User {
	if i == 0 {
		return pageExampleUser()
	}
	return cat.fakeUser(seed, uint64(i))
}

// splitMix64 is a tiny, fast rand.Source64 (Steele et al.'s SplitMix64).
// Making one per user costs nothing, unlike math/rand's seeded source.
type splitMix64 struct{ state uint64 }

func (s *splitMix64) Uint64() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (s *splitMix64) Int63() int64    { return int64(s.Uint64() >> 1) }
func (s *splitMix64) Seed(seed int64) { s.state = uint64(seed) }

// pick returns one of items, with the given weights (any positive scale).
func pick[T any](f drawer, items []T, weights []int) T {
	return items[pickIndex(f, weights)]
}

func chance(f drawer, percent int) bool { return f.IntRange(0, 99) < percent }

func strPtr(s string) *string { return &s }

// jsonObject encodes key, value, key, value... as a JSON object of strings,
// keys in the given order.
func jsonObject(kv ...string) []byte {
	n := 2
	for _, s := range kv {
		n += len(s) + 4
	}
	b := append(make([]byte, 0, n), '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = contract.AppendString(b, kv[i])
		b = append(b, ':')
		b = contract.AppendString(b, kv[i+1])
	}
	return append(b, '}')
}

// pageExampleUser is the user of the public page's example, with the two
// interactions of its example response and the bot's turns between them.
func pageExampleUser() User {
	day := func(h, m, s int) time.Time { return time.Date(2024, 1, 15, h, m, s, 0, time.UTC) }
	return User{
		ID:   "user_12345",
		Name: strPtr("John Doe"),
		Attributes: map[string]string{
			"email":             "john@example.com",
			"selected_scenario": "customer_support",
			"browser":           "chrome 105.0.0",
			"ip_address":        "203.0.113.24",
			"country":           "GB",
			"browser_language":  "en-GB",
			"os":                "Windows 10",
			"timezone":          "Europe/London",
			"platform":          "webchat",
		},
		Messages: []Message{
			{Date: day(10, 29, 55), Author: AuthorBot, Type: "text", Text: "Hi John! How can I help you today?"},
			{Date: day(10, 29, 56), Author: AuthorBot, Type: "button", Text: "Please choose an option:"},
			{Date: day(10, 30, 0), Author: "me", Type: "button", Text: "Help with my order", Data: jsonObject("name", "Order Help", "callback_id", "order_help_001")},
			{Date: day(10, 30, 2), Author: AuthorBot, Type: "text", Text: "Sure, what do you need help with?"},
			{Date: day(10, 35, 15), Author: "me", Type: "text", Text: "I need help with my order"},
			{Date: day(10, 35, 17), Author: AuthorBot, Type: "text", Text: "Let me pass you to an agent who can look at your order."},
		},
	}
}
