package dataset

import (
	"encoding/json"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
)

// The rules of realistic data, checked over large generated datasets:
// several seeds and windows, 120,000 users, generated once per test binary.

// largeSet is one generated dataset of the large ones.
type largeSet struct {
	seed  uint64
	w     Window
	users []User
}

var largeSets = sync.OnceValue(func() []largeSet {
	spring := Window{Start: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 5, 31, 23, 59, 59, 0, time.UTC)}
	sets := []largeSet{{seed: 1, w: DefaultWindow()}, {seed: 2, w: DefaultWindow()}, {seed: 3, w: DefaultWindow()}, {seed: 4, w: spring}}
	for i := range sets {
		sets[i].users = Generate(sets[i].seed, 30_000, sets[i].w)[1:] // user 0 is the page's example
	}
	return sets
})

// eachUser calls fn for every generated user of the large datasets.
func eachUser(t *testing.T, fn func(s *largeSet, u *User)) {
	if raceDetector {
		// Ten times slower under the race detector, and nothing for it to
		// find: these checks run on one goroutine, in the plain go test.
		t.Skip("realism checks run without -race (see race_test.go)")
	}
	t.Helper()
	for _, s := range largeSets() {
		for i := range s.users {
			fn(&s, &s.users[i])
		}
	}
}

// visibleTexts is every string of a user a person could read. A UUID and
// an IPv6 address are left out: hexadecimal digits spell "dead" now and
// then, and nobody reads them as words.
func visibleTexts(u *User) []string {
	var out []string
	if len(u.ID) != 36 || strings.Count(u.ID, "-") != 4 {
		out = append(out, u.ID)
	}
	if u.Name != nil {
		out = append(out, *u.Name)
	}
	for name, v := range u.Attributes {
		if name == "ip_address" && strings.Contains(v, ":") {
			continue // IPv6: hexadecimal too
		}
		out = append(out, v)
	}
	for _, m := range u.Messages {
		out = append(out, m.Text, string(m.Data))
	}
	return out
}

// denylist reads testdata/denylist.txt: whole words and roots.
func denylist(t *testing.T) (words map[string]bool, roots []string) {
	t.Helper()
	b, err := os.ReadFile("testdata/denylist.txt")
	if err != nil {
		t.Fatal(err)
	}
	words = map[string]bool{}
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "*"):
			roots = append(roots, line[1:])
		case strings.HasPrefix(line, "rot13:"):
			words[rot13(line[len("rot13:"):])] = true
		default:
			words[strings.ToLower(line)] = true
		}
	}
	return words, roots
}

func rot13(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return 'a' + (r-'a'+13)%26
		case r >= 'A' && r <= 'Z':
			return 'A' + (r-'A'+13)%26
		}
		return r
	}, s)
}

func TestDenylist(t *testing.T) {
	t.Parallel()
	words, roots := denylist(t)
	if len(words) < 100 || !words["hitlerian"] || !words[rot13("ovgpu")] {
		t.Fatalf("denylist: %d words, want the whole list", len(words))
	}
	hits := map[string]string{}
	seen := map[string]bool{}
	eachUser(t, func(_ *largeSet, u *User) {
		for _, text := range visibleTexts(u) {
			if seen[text] {
				continue
			}
			seen[text] = true
			lower := strings.ToLower(text)
			for _, w := range strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) }) {
				if words[w] {
					hits[w] = text
				}
			}
			for _, r := range roots {
				if strings.Contains(lower, r) {
					hits[r] = text
				}
			}
		}
	})
	for w, text := range hits {
		t.Errorf("denylisted %q in %q", w, text)
	}
}

func TestReservedDomainsAndAddresses(t *testing.T) {
	t.Parallel()
	docs := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	reserved := func(host string) bool {
		for _, d := range []string{"example.com", "example.org", "example.net"} {
			if host == d || strings.HasSuffix(host, "."+d) {
				return true
			}
		}
		return false
	}
	v6 := 0
	eachUser(t, func(_ *largeSet, u *User) {
		for _, text := range visibleTexts(u) {
			for _, field := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(` "{}:,()`, r) }) {
				if _, domain, ok := strings.Cut(field, "@"); ok && !reserved(strings.TrimRight(domain, ".")) {
					t.Fatalf("user %s: e-mail %q is not at a reserved domain", u.ID, field)
				}
			}
		}
		for _, m := range u.Messages {
			if m.Type == "url_click" {
				parsed, err := url.Parse(m.Text)
				if err != nil || !reserved(parsed.Hostname()) {
					t.Fatalf("user %s: url %q is not at a reserved domain", u.ID, m.Text)
				}
			}
		}
		if ip, ok := u.Attributes["ip_address"]; ok {
			addr, err := netip.ParseAddr(ip)
			if err != nil || !slices.ContainsFunc(docs, func(p netip.Prefix) bool { return p.Contains(addr) }) {
				t.Fatalf("user %s: ip_address %q is not in a documentation range", u.ID, ip)
			}
			if addr.Is6() {
				v6++
			}
		}
	})
	if v6 == 0 {
		t.Error("no IPv6 addresses at all")
	}
}

func TestUsersAreCoherent(t *testing.T) {
	t.Parallel()
	countries := map[string]*country{}
	table := countryTable()
	for i := range table {
		countries[table[i].code] = &table[i]
	}
	currencies := map[string]string{}
	for _, c := range currencyTable() {
		currencies[c.code] = c.symbol
	}
	names := nameTable()
	type tally struct{ users, main int }
	byCountry := map[string]*tally{}
	usZones := map[string]int{}
	anonymous := 0
	eachUser(t, func(_ *largeSet, u *User) {
		a := u.Attributes
		c := countries[a["country"]]
		if c == nil {
			t.Fatalf("user %s: country %q is not in the table", u.ID, a["country"])
		}
		lang, zone := a["browser_language"], a["timezone"]
		if !slices.Contains(c.languages, lang) {
			t.Fatalf("user %s: browser_language %s in %s", u.ID, lang, c.code)
		}
		if !slices.Contains(c.zones, zone) {
			t.Fatalf("user %s: timezone %s in %s", u.ID, zone, c.code)
		}
		tl := byCountry[c.code]
		if tl == nil {
			tl = &tally{}
			byCountry[c.code] = tl
		}
		tl.users++
		if lang == c.languages[0] {
			tl.main++
		}
		if c.code == "US" {
			usZones[zone]++
		}

		// Money only in the country's currency.
		symbol := currencies[c.currency]
		for _, m := range u.Messages {
			text := strings.ReplaceAll(m.Text+string(m.Data), symbol, "")
			for _, other := range []string{"R$", "$", "£", "€", "₹", "CHF"} {
				if other != symbol && strings.Contains(text, other) && !(symbol == "R$" && other == "$") {
					t.Fatalf("user %s in %s (%s): %q has %s", u.ID, c.code, c.currency, m.Text, other)
				}
			}
		}

		// Names from the user's locale; anonymous users have neither a
		// name nor an e-mail, and a UUID for an ID.
		if u.Name == nil {
			anonymous++
			if _, ok := a["email"]; ok {
				t.Fatalf("user %s: anonymous with an e-mail", u.ID)
			}
			if len(u.ID) != 36 {
				t.Fatalf("anonymous user's ID %q is not a UUID", u.ID)
			}
			return
		}
		if u.ID != a["email"] {
			t.Fatalf("user %s: ID is not the e-mail %q", u.ID, a["email"])
		}
		list := names[nameLocale(c, lang)]
		first, last, _ := strings.Cut(*u.Name, " ")
		if !slices.Contains(list.first, first) || !slices.Contains(list.last, last) {
			t.Fatalf("user %s: name %q is not of locale %s", u.ID, *u.Name, nameLocale(c, lang))
		}
	})
	for code, tl := range byCountry {
		if tl.users > 500 && tl.main*100 < tl.users*50 {
			t.Errorf("%s: %d of %d users have the main language", code, tl.main, tl.users)
		}
	}
	if usZones["America/New_York"] < 2*usZones["America/Denver"] || usZones["America/Chicago"] < usZones["America/Denver"] {
		t.Errorf("US time zones not weighted by population: %v", usZones)
	}
	if users := len(largeSets()) * 29_999; anonymous < users/5 || anonymous > users*3/5 {
		t.Errorf("%d anonymous users of %d", anonymous, users)
	}
}

func TestPlatformAndBrowserAgree(t *testing.T) {
	t.Parallel()
	oses := map[string][]string{
		"chrome": {"Windows 10", "Mac OS", "Linux", "Chrome OS", "Android OS"}, "edge-chromium": {"Windows 10", "Mac OS"},
		"firefox": {"Windows 10", "Mac OS", "Linux", "Android OS"}, "opera": {"Windows 10"}, "safari": {"Mac OS"},
		"ios": {"iOS"}, "crios": {"iOS"}, "samsung": {"Android OS"},
	}
	chromes := map[string]map[string]int{} // by window: chrome major -> users
	eachUser(t, func(s *largeSet, u *User) {
		a := u.Attributes
		browser, hasBrowser := a["browser"]
		_, hasIP := a["ip_address"]
		switch p := a["platform"]; p {
		case "whatsapp", "messenger":
			if hasBrowser || hasIP || (a["os"] != "iOS" && a["os"] != "Android OS") {
				t.Fatalf("user %s on %s: browser %q, ip %v, os %q", u.ID, p, browser, hasIP, a["os"])
			}
			return
		case "teams":
			if hasBrowser || hasIP {
				t.Fatalf("user %s on teams: browser %q, ip %v", u.ID, browser, hasIP)
			}
			return
		case "webchat":
		default:
			t.Fatalf("user %s: platform %q", u.ID, p)
		}
		if !hasBrowser || !hasIP {
			t.Fatalf("webchat user %s: browser %q, ip %v", u.ID, browser, hasIP)
		}
		name, version, _ := strings.Cut(browser, " ")
		if !slices.Contains(oses[name], a["os"]) {
			t.Fatalf("user %s: %s on %s", u.ID, browser, a["os"])
		}
		if strings.Count(version, ".") != 2 {
			t.Fatalf("user %s: browser %q is not <name> <x.y.z>", u.ID, browser)
		}
		if name == "chrome" {
			major, _, _ := strings.Cut(version, ".")
			if chromes[s.w.String()] == nil {
				chromes[s.w.String()] = map[string]int{}
			}
			chromes[s.w.String()][major]++
		}
	})
	// The commonest Chrome is the one current in the window.
	want := map[string][]string{DefaultWindow().String(): {"120", "121"}, "2025-03-01 00:00:00/2025-05-31 23:59:59": {"134", "135", "136"}}
	for w, majors := range chromes {
		top, n := "", 0
		for m, c := range majors {
			if c > n || c == n && m > top {
				top, n = m, c
			}
		}
		if !slices.Contains(want[w], top) {
			t.Errorf("window %s: commonest chrome is %s (%v), want one of %v", w, top, majors, want[w])
		}
	}
}

// templateSet matches texts against templates whose placeholders stand
// for any non-empty text.
type templateSet struct {
	exact    map[string]bool
	patterns [][]string // literal parts around the placeholders
}

func newTemplateSet(lists ...[]string) *templateSet {
	s := &templateSet{exact: map[string]bool{}}
	for _, list := range lists {
		for _, t := range list {
			if !strings.Contains(t, "{") {
				s.exact[t] = true
				continue
			}
			var parts []string
			for {
				i := strings.IndexByte(t, '{')
				if i < 0 {
					break
				}
				j := strings.IndexByte(t[i:], '}')
				parts = append(parts, t[:i])
				t = t[i+j+1:]
			}
			s.patterns = append(s.patterns, append(parts, t))
		}
	}
	return s
}

func (s *templateSet) match(text string) bool {
	if s.exact[text] {
		return true
	}
	for _, parts := range s.patterns {
		first, last := parts[0], parts[len(parts)-1]
		if len(text) <= len(first)+len(last) || !strings.HasPrefix(text, first) || !strings.HasSuffix(text, last) {
			continue
		}
		rest, ok := text[len(first):len(text)-len(last)], true
		for _, mid := range parts[1 : len(parts)-1] {
			i := strings.Index(rest[min(1, len(rest)):], mid)
			if i < 0 {
				ok = false
				break
			}
			rest = rest[1+i+len(mid):]
		}
		if ok && rest != "" {
			return true
		}
	}
	return false
}

// languageSets are one language's templates by role.
type languageSets struct {
	user, bot, intents, resolutions, answers *templateSet
	comments                                 [6]*templateSet // by rating
}

func newLanguageSets(b *phrasebook) *languageSets {
	var intents, details, long, follow, answers, followAns, labels, links []string
	for _, sp := range b.scenarios {
		for _, th := range sp.threads {
			intents = append(intents, th.intents...)
			details = append(details, th.details...)
			long = append(long, th.longtext...)
			answers = append(answers, th.answers...)
			labels = append(labels, th.button)
			for _, fu := range th.followUps {
				follow, followAns = append(follow, fu[0]), append(followAns, fu[1])
			}
		}
	}
	for _, l := range b.link {
		links = append(links, l+" {url}")
	}
	labels = append(append(labels, b.agent), b.csat[:]...)
	ls := &languageSets{
		user: newTemplateSet(intents, details, long, follow, labels, b.thanks, b.unresolved, b.handoff, b.praise, b.neutral, b.complaint),
		bot: newTemplateSet(b.greet, b.greetAnon, b.menu, b.askMore, b.askForm, b.formDone, b.anything, b.handoffBot, b.bye,
			b.csatAsk, b.surveyAsk, b.surveyDone, answers, followAns, links),
		intents:     newTemplateSet(intents),
		resolutions: newTemplateSet(b.thanks, b.unresolved, b.handoff),
		answers:     newTemplateSet(answers, b.handoffBot, b.surveyAsk),
	}
	for r := 1; r <= 5; r++ {
		switch {
		case r >= 4:
			ls.comments[r] = newTemplateSet(b.praise)
		case r == 3:
			ls.comments[r] = newTemplateSet(b.neutral)
		default:
			ls.comments[r] = newTemplateSet(b.complaint)
		}
	}
	return ls
}

func TestMessagesInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	sets := map[string]*languageSets{}
	for lang, b := range phrasebooks() {
		sets[lang] = newLanguageSets(b)
	}
	perLanguage := map[string]int{}
	eachUser(t, func(_ *largeSet, u *User) {
		lang := conversationLanguage(u.Attributes["browser_language"])
		ls := sets[lang]
		for _, m := range u.Messages {
			if m.Text == "" || m.Type == "url_click" {
				continue
			}
			set := ls.user
			if m.FromBot() {
				set = ls.bot
			}
			if !set.match(m.Text) {
				t.Fatalf("user %s (%s): %s message %q is not from the %s corpus", u.ID, u.Attributes["browser_language"], m.Author, m.Text, lang)
			}
			perLanguage[lang]++
		}
	})
	for lang := range sets {
		if perLanguage[lang] < 1000 {
			t.Errorf("%s: only %d messages", lang, perLanguage[lang])
		}
	}
}

func TestConversationFlows(t *testing.T) {
	t.Parallel()
	sets := map[string]*languageSets{}
	for lang, b := range phrasebooks() {
		sets[lang] = newLanguageSets(b)
	}
	callbacks := map[string]bool{"handover_agent": true}
	for _, s := range scenarioTable() {
		for _, cb := range s.callbacks {
			callbacks[cb] = true
		}
	}
	eachUser(t, func(_ *largeSet, u *User) {
		ls := sets[conversationLanguage(u.Attributes["browser_language"])]
		emails := map[string]bool{}
		if e, ok := u.Attributes["email"]; ok {
			emails[e] = true
		}
		orders := map[string]bool{}
		for _, conv := range splitConversations(u.Messages) {
			intent, answer, rating := -1, -1, 0
			for k, m := range conv {
				var data map[string]string
				if m.Data != nil {
					if err := json.Unmarshal(m.Data, &data); err != nil {
						t.Fatalf("user %s: data %s: %v", u.ID, m.Data, err)
					}
				}
				if e, ok := data["email"]; ok {
					emails[e] = true
				}
				if o, ok := data["order_number"]; ok {
					orders[o] = true
				}
				typ, text, callback := pageShape(&m, data)
				switch {
				case m.FromBot():
					if answer < 0 && ls.answers.match(m.Text) {
						answer = k
					}
				case typ == "button" && callbacks[callback], typ == "text" && ls.intents.match(text):
					if intent < 0 {
						intent = k
					}
				case strings.HasPrefix(data["callback_id"], "csat_"):
					if answer < 0 {
						t.Fatalf("user %s: a rating before the bot's answer: %q", u.ID, conv[:k+1])
					}
					rating = int(data["value"][0] - '0')
					if intent < 0 {
						intent = k // the survey: the rating is what the user came for
					}
				case ls.resolutions.match(text):
					if intent < 0 {
						t.Fatalf("user %s: %q before any intent: %q", u.ID, text, conv[:k+1])
					}
				case rating > 0 && (typ == "text" || typ == "longtext_response"):
					if !ls.comments[rating].match(text) {
						t.Fatalf("user %s: comment %q after a rating of %d", u.ID, text, rating)
					}
				}
				if rating > 0 && m.Type == "form_response" {
					t.Fatalf("user %s: a form after a rating", u.ID)
				}
				if r, ok := data["rating"]; ok && !ls.comments[int(r[0]-'0')].match(data["comments"]) {
					t.Fatalf("user %s: survey form %v: comment does not fit the rating", u.ID, data)
				}
			}
		}
		if len(emails) > 1 {
			t.Fatalf("user %s: e-mails %v", u.ID, emails)
		}
		for _, m := range u.Messages {
			for _, w := range strings.FieldsFunc(m.Text, func(r rune) bool { return r < '0' || r > '9' }) {
				if len(w) == 7 && w[0] == '4' {
					orders[w] = true
				}
			}
		}
		if len(orders) > 2 {
			t.Fatalf("user %s: orders %v, want the user's one or two", u.ID, orders)
		}
	})
}

// splitConversations cuts a user's messages at silences of ConversationGap.
func splitConversations(msgs []Message) [][]Message {
	var out [][]Message
	start := 0
	for k := 1; k <= len(msgs); k++ {
		if k == len(msgs) || msgs[k].Date.Sub(msgs[k-1].Date) > ConversationGap {
			out = append(out, msgs[start:k])
			start = k
		}
	}
	return out
}

func TestLocalRhythm(t *testing.T) {
	t.Parallel()
	for _, s := range largeSets() {
		st := StatsOf(s.users)
		h := st.LocalHours
		night := h[1] + h[2] + h[3] + h[4]
		if night*100 > st.UserMessages*4 {
			t.Errorf("seed %d: %d of %d messages between 01:00 and 05:00 local", s.seed, night, st.UserMessages)
		}
		if h[11] < 10*h[3] || h[20] < 10*h[3] || h[11] < h[7] || h[20] < h[16] {
			t.Errorf("seed %d: no late-morning and evening peaks: %v", s.seed, h)
		}
		weekday := (st.Weekdays[0] + st.Weekdays[1] + st.Weekdays[2] + st.Weekdays[3] + st.Weekdays[4]) / 5
		weekend := (st.Weekdays[5] + st.Weekdays[6]) / 2
		if weekend*100 > weekday*75 {
			t.Errorf("seed %d: weekend days have %d messages, weekdays %d", s.seed, weekend, weekday)
		}
		days := make([]int, 0, len(st.Days))
		for _, d := range st.Days {
			days = append(days, d.Count)
		}
		sort.Ints(days)
		if median, busiest := days[len(days)/2], days[len(days)-1]; busiest*2 < median*3 {
			t.Errorf("seed %d: no busy day: busiest %d, median %d", s.seed, busiest, median)
		}
		if st.ReturningUsers*100 < st.Users*20 || st.ReturningUsers*100 > st.Users*60 {
			t.Errorf("seed %d: %d of %d users return", s.seed, st.ReturningUsers, st.Users)
		}
	}
}

// pageShape sees through the real-world shapes realworld.go gives some
// user messages: the page's type, the text and the callback they stand
// for (webchat_message and text_external are typed text; a
// webchat_button_response is a button whose label and value are in data).
func pageShape(m *Message, data map[string]string) (typ, text, callback string) {
	switch m.Type {
	case "webchat_message", "text_external":
		return "text", m.Text, ""
	case "webchat_button_response":
		return "button", data["text"], data["value"]
	}
	return m.Type, m.Text, data["callback_id"]
}
