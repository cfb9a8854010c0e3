package dataset

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/odmock/odmock/contract"
)

// Generate makes n users with conversations in w. The first is always the
// public page's example user (user_12345). The result depends only on seed,
// n and w: user i is made from its own generator, seeded from (seed, i), so
// it is the same whatever n is, and users are made in parallel.
func Generate(seed uint64, n int, w Window) []User {
	users := make([]User, n)
	cat := newCatalog()
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += workers {
				users[i] = seededUser(cat, seed, i, w)
			}
		}()
	}
	wg.Wait()
	return users
}

// seededUser is user i of the dataset of seed: the page's example user
// first, then generated ones.
func seededUser(cat *catalog, seed uint64, i int, w Window) User {
	if i == 0 {
		return pageExampleUser()
	}
	return fakeUser(cat, seed, uint64(i), w)
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

// userFaker returns the generator of user i: its state mixes the seed and
// the index, so neighbouring users are unrelated.
func userFaker(seed, i uint64) *gofakeit.Faker {
	mix := splitMix64{state: seed ^ 0x6a09e667f3bcc909}
	mix.state ^= i * 0xd1342543de82ef95
	return gofakeit.NewCustom(&splitMix64{state: mix.Uint64()})
}

// pick returns one of items, with the given weights (any positive scale).
func pick[T any](f *gofakeit.Faker, items []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := f.IntRange(0, total-1)
	for i, w := range weights {
		if n < w {
			return items[i]
		}
		n -= w
	}
	return items[len(items)-1]
}

func chance(f *gofakeit.Faker, percent int) bool { return f.IntRange(0, 99) < percent }

func strPtr(s string) *string { return &s }

type countryProfile struct {
	code      string
	languages []string
	timezones []string
	weight    int
}

func countryTable() []countryProfile {
	return []countryProfile{
		{"US", []string{"en-US", "es-US"}, []string{"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"}, 30},
		{"GB", []string{"en-GB"}, []string{"Europe/London"}, 18},
		{"DE", []string{"de-DE", "en-GB"}, []string{"Europe/Berlin"}, 8},
		{"FR", []string{"fr-FR"}, []string{"Europe/Paris"}, 7},
		{"ES", []string{"es-ES", "ca-ES"}, []string{"Europe/Madrid"}, 5},
		{"IT", []string{"it-IT"}, []string{"Europe/Rome"}, 5},
		{"NL", []string{"nl-NL", "en-GB"}, []string{"Europe/Amsterdam"}, 4},
		{"IE", []string{"en-IE", "ga-IE"}, []string{"Europe/Dublin"}, 4},
		{"CA", []string{"en-CA", "fr-CA"}, []string{"America/Toronto", "America/Vancouver"}, 5},
		{"AU", []string{"en-AU"}, []string{"Australia/Sydney", "Australia/Perth"}, 4},
		{"IN", []string{"en-IN", "hi-IN"}, []string{"Asia/Kolkata"}, 4},
		{"BR", []string{"pt-BR"}, []string{"America/Sao_Paulo"}, 3},
		{"MX", []string{"es-MX"}, []string{"America/Mexico_City"}, 2},
		{"JP", []string{"ja-JP"}, []string{"Asia/Tokyo"}, 1},
	}
}

// client is a browser as OpenDialog's webchat records it ("<name> <version>")
// with the operating systems it runs on.
type client struct {
	name     string
	versions []string
	oses     []string
	weight   int
}

func clientTable() []client {
	return []client{
		{"chrome", []string{"105.0.0", "119.0.0", "120.0.0", "121.0.0"}, []string{"Windows 10", "Windows 11", "Mac OS", "Linux", "Chrome OS", "Android OS"}, 45},
		{"safari", []string{"16.6.0", "17.1.0", "17.2.1"}, []string{"Mac OS"}, 12},
		{"ios", []string{"16.7.4", "17.1.2", "17.2.1"}, []string{"iOS"}, 10},
		{"crios", []string{"119.0.6045", "120.0.6099"}, []string{"iOS"}, 4},
		{"firefox", []string{"115.0.0", "120.0.0", "121.0.0"}, []string{"Windows 10", "Windows 11", "Mac OS", "Linux"}, 10},
		{"edge-chromium", []string{"119.0.0", "120.0.0"}, []string{"Windows 10", "Windows 11"}, 12},
		{"samsung", []string{"22.0.0", "23.0.0"}, []string{"Android OS"}, 4},
		{"opera", []string{"105.0.0", "106.0.0"}, []string{"Windows 10", "Mac OS"}, 3},
	}
}

// catalog is what generated users are drawn from, built once per Generate.
type catalog struct {
	countries                                   []countryProfile
	clients                                     []client
	topics                                      []topic
	countryWeights, clientWeights, topicWeights []int
	platforms                                   []string
	platformWeights                             []int
	emailDomains                                []string
}

func newCatalog() *catalog {
	c := &catalog{
		countries:       countryTable(),
		clients:         clientTable(),
		topics:          topicTable(),
		topicWeights:    []int{35, 20, 15, 10, 12, 8},
		platforms:       []string{"webchat", "whatsapp", "teams"},
		platformWeights: []int{85, 9, 6},
		emailDomains:    []string{"example.com", "gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me"},
	}
	for _, x := range c.countries {
		c.countryWeights = append(c.countryWeights, x.weight)
	}
	for _, x := range c.clients {
		c.clientWeights = append(c.clientWeights, x.weight)
	}
	return c
}

// topic is what a conversation of one scenario is about: the buttons the bot
// offers and the things users type.
type topic struct {
	scenario string
	buttons  [][2]string // name, callback_id
	texts    []string    // {product}, {order}, {amount} are filled in
	form     []string    // field names of the scenario's form
}

func topicTable() []topic {
	return []topic{
		{"customer_support",
			[][2]string{{"Order Help", "order_help_001"}, {"Talk to an agent", "handover_agent"}, {"Report a problem", "report_problem"}, {"Something else", "other_001"}},
			[]string{"I need help with my order", "My {product} arrived damaged", "Can I speak to a person please?", "The app keeps logging me out", "How do I reset my password?", "It still doesn't work", "thanks, that fixed it!"},
			[]string{"name", "email", "order_number", "description"}},
		{"order_tracking",
			[][2]string{{"Track my order", "track_order"}, {"Change delivery address", "change_address"}, {"Cancel order", "cancel_order"}},
			[]string{"Where is my order #{order}?", "It was supposed to arrive yesterday", "Can I change the delivery date?", "order {order}", "Is express delivery available for {product}?"},
			[]string{"order_number", "postcode"}},
		{"billing",
			[][2]string{{"View my invoice", "view_invoice"}, {"Update payment method", "update_payment"}, {"Request a refund", "refund_request"}},
			[]string{"I was charged twice", "Why is my bill {amount} this month?", "Can I get a refund for {product}?", "I want to update my card details", "When will the refund show up?"},
			[]string{"name", "email", "invoice_number", "amount"}},
		{"onboarding",
			[][2]string{{"Get started", "get_started"}, {"Show me around", "tour_start"}, {"Skip", "skip_onboarding"}},
			[]string{"How do I set up my account?", "What can you do?", "ok", "Yes please", "How do I invite my team?"},
			[]string{"first_name", "last_name", "company", "team_size"}},
		{"product_faq",
			[][2]string{{"Pricing", "faq_pricing"}, {"Features", "faq_features"}, {"Compatibility", "faq_compat"}},
			[]string{"Does {product} work with Android?", "What's the warranty on {product}?", "Do you ship to Ireland?", "Is there a student discount?", "How much is {product}?"},
			[]string{"email", "question"}},
		{"feedback_survey",
			[][2]string{{"Very satisfied", "csat_5"}, {"Satisfied", "csat_4"}, {"Neutral", "csat_3"}, {"Unsatisfied", "csat_2"}},
			[]string{"The agent was really helpful", "Too slow to get an answer", "Great service, thank you", "The website is confusing"},
			[]string{"rating", "comments"}},
	}
}

// fakeUser makes user i of a dataset.
func fakeUser(cat *catalog, seed, i uint64, w Window) User {
	f := userFaker(seed, i)
	first, last := f.FirstName(), f.LastName()
	u := User{
		ID:         f.UUID(),
		Name:       strPtr(first + " " + last),
		Attributes: map[string]string{},
	}
	a := u.Attributes
	country := pick(f, cat.countries, cat.countryWeights)
	a["country"] = country.code
	a["browser_language"] = country.languages[f.IntRange(0, len(country.languages)-1)]
	a["timezone"] = country.timezones[f.IntRange(0, len(country.timezones)-1)]
	cl := pick(f, cat.clients, cat.clientWeights)
	a["browser"] = cl.name + " " + cl.versions[f.IntRange(0, len(cl.versions)-1)]
	a["os"] = cl.oses[f.IntRange(0, len(cl.oses)-1)]
	if chance(f, 85) {
		a["ip_address"] = f.IPv4Address()
	} else {
		a["ip_address"] = f.IPv6Address()
	}
	a["platform"] = pick(f, cat.platforms, cat.platformWeights)
	if chance(f, 75) { // many webchat users never give an email
		local := strings.ToLower(first + "." + last)
		if chance(f, 30) {
			local += f.Numerify("##")
		}
		a["email"] = local + "@" + cat.emailDomains[f.IntRange(0, len(cat.emailDomains)-1)]
	}
	tp := pick(f, cat.topics, cat.topicWeights)
	if chance(f, 92) {
		a["selected_scenario"] = tp.scenario
	}

	conversations := pick(f, []int{1, 2, 3, 4}, []int{50, 30, 14, 6})
	for range conversations {
		u.Messages = append(u.Messages, fakeConversation(f, &tp, first, w)...)
	}
	applyRealWorld(f, u.Messages) // issue 14: the one call site (realworld.go)
	return u
}

// fakeConversation makes one conversation: the bot and the user take turns,
// the user's turns drawn from every interaction type webchat produces.
func fakeConversation(f *gofakeit.Faker, tp *topic, first string, w Window) []Message {
	var msgs []Message
	var at time.Duration
	say := func(author, typ, text string, data []byte, gap time.Duration) {
		at += gap
		msgs = append(msgs, Message{Author: author, Type: typ, Text: text, Data: data, Date: time.Time{}.Add(at)})
	}
	bot := func(typ, text string) {
		say(AuthorBot, typ, text, nil, time.Duration(f.IntRange(1, 4))*time.Second)
	}
	user := func(typ, text string, data []byte) {
		say("me", typ, text, data, time.Duration(f.IntRange(4, 150))*time.Second)
	}

	if chance(f, 40) {
		user("chat_open", "", jsonObject("callback_id", "WELCOME"))
	}
	bot("text", pick(f, []string{"Hi " + first + "! How can I help you today?", "Hello! I'm the virtual assistant. What can I do for you?", "Welcome back, " + first + "."}, []int{2, 2, 1}))
	bot("button", "Please choose an option:")
	b := tp.buttons[f.IntRange(0, len(tp.buttons)-1)]
	user("button", b[0], jsonObject("name", b[0], "callback_id", b[1]))

	for turns := f.IntRange(1, 5); turns > 0; turns-- {
		bot("text", pick(f, []string{"Sure, can you tell me a bit more?", "Thanks. Let me check that for you.", "I can help with that.", "Could you give me more details?"}, []int{1, 1, 1, 1}))
		typ := pick(f,
			[]string{"text", "button", "form", "button_response", "form_response", "longtext_response", "url_click", "trigger"},
			[]int{55, 14, 6, 6, 4, 6, 5, 4})
		switch typ {
		case "text":
			user(typ, fakeText(f, tp), nil)
		case "button", "button_response":
			b := tp.buttons[f.IntRange(0, len(tp.buttons)-1)]
			data := jsonObject("name", b[0], "callback_id", b[1])
			if typ == "button_response" {
				data = jsonObject("name", b[0], "callback_id", b[1], "value", b[1])
			}
			user(typ, b[0], data)
		case "form", "form_response":
			bot("form", "Please fill in this form.")
			user(typ, "", fakeForm(f, tp, first))
		case "longtext_response":
			t := fakeText(f, tp)
			if !strings.ContainsAny(t[len(t)-1:], ".?!") {
				t += "."
			}
			user(typ, t+" "+f.Sentence(f.IntRange(12, 30)), nil)
		case "url_click":
			url := "https://www." + f.DomainName() + "/help/" + strings.ReplaceAll(tp.scenario, "_", "-")
			user(typ, url, jsonObject("url", url))
		case "trigger":
			user(typ, "", jsonObject("callback_id", "intent_"+tp.scenario))
		}
	}
	bot("text", pick(f, []string{"Is there anything else I can help with?", "Glad I could help. Have a great day!", "I've passed this on to the team."}, []int{1, 1, 1}))

	// Place the conversation in the window, whole.
	span := w.End.Sub(w.Start)
	if span < at {
		span = at
	}
	seconds := int64((span - at) / time.Second)
	start := w.Start.Add(time.Duration(f.Rand.Int63n(seconds+1)) * time.Second)
	for k := range msgs {
		msgs[k].Date = start.Add(msgs[k].Date.Sub(time.Time{})).UTC()
	}
	return msgs
}

func fakeText(f *gofakeit.Faker, tp *topic) string {
	t := tp.texts[f.IntRange(0, len(tp.texts)-1)]
	// Fill in only the placeholders the text has.
	if strings.Contains(t, "{product}") {
		t = strings.Replace(t, "{product}", f.ProductName(), 1)
	}
	if strings.Contains(t, "{order}") {
		t = strings.Replace(t, "{order}", f.Numerify("#######"), 1)
	}
	if strings.Contains(t, "{amount}") {
		t = strings.Replace(t, "{amount}", fmt.Sprintf("£%d.%02d", f.IntRange(5, 400), f.IntRange(0, 99)), 1)
	}
	return t
}

func fakeForm(f *gofakeit.Faker, tp *topic, first string) []byte {
	kv := make([]string, 0, 2*len(tp.form))
	for _, field := range tp.form {
		var v string
		switch field {
		case "name", "first_name":
			v = first
		case "last_name":
			v = f.LastName()
		case "email":
			v = strings.ToLower(first) + "@" + f.DomainName()
		case "order_number", "invoice_number":
			v = f.Numerify("INV-######")
		case "postcode":
			v = f.Zip()
		case "amount":
			v = fmt.Sprintf("%d.%02d", f.IntRange(5, 400), f.IntRange(0, 99))
		case "company":
			v = f.Company()
		case "team_size":
			v = pick(f, []string{"1-10", "11-50", "51-200", "200+"}, []int{4, 3, 2, 1})
		case "rating":
			v = fmt.Sprint(f.IntRange(1, 5))
		default:
			v = f.Sentence(f.IntRange(4, 12))
		}
		kv = append(kv, field, v)
	}
	return jsonObject(kv...)
}

// jsonObject encodes key, value, key, value... as a JSON object of strings,
// keys in the given order.
func jsonObject(kv ...string) []byte {
	b := []byte{'{'}
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
