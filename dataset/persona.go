package dataset

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v6"
)

// catalog is what generated users are drawn from, built once per dataset:
// the curated tables, and the rhythm of the seed and window.
type catalog struct {
	countries  []country
	countryW   []int
	zones      map[string]*zone
	currencies map[string]*currency
	names      map[string]nameList
	books      map[string]*phrasebook
	scenarios  [numScenarios]scenarioInfo
	scenarioW  []int
	companies  []string
	rhythm     *rhythm
}

func newCatalog(seed uint64, w Window) *catalog {
	c := &catalog{
		countries:  countryTable(),
		zones:      zonesByName(zoneTable()),
		currencies: map[string]*currency{},
		names:      nameTable(),
		books:      phrasebooks(),
		scenarios:  scenarioTable(),
		rhythm:     newRhythm(seed, w),
		// Fictional companies, the ones software documentation uses.
		companies: []string{"Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Adventure Works", "Wingtip Toys",
			"Woodgrove Bank", "Litware", "Proseware", "Fourth Coffee", "Alpine Ski House", "Coho Winery",
			"Wide World Importers", "Trey Research", "Lucerne Publishing", "Acme Corporation"},
	}
	for _, x := range c.countries {
		c.countryW = append(c.countryW, x.weight)
	}
	for _, s := range c.scenarios {
		c.scenarioW = append(c.scenarioW, s.weight)
	}
	cs := currencyTable()
	for i := range cs {
		c.currencies[cs[i].code] = &cs[i]
	}
	return c
}

// persona is one generated user as their conversations see them: drawn
// once, reused by every conversation, so a user's e-mail, orders and
// amounts are the same wherever they appear.
type persona struct {
	country  *country
	tag      string // browser language
	book     *phrasebook
	zone     *zone
	cur      *currency
	known    bool // the webchat knows their name and e-mail
	first    string
	last     string
	email    string
	orders   []string
	invoice  string
	postcode string
	amount   string // a bill, or in product_faq a price, in their currency
	product  string
	company  string
	scenario int
	platform string
}

// newPersona draws who user i is: one draw of the country decides the
// rest.
func newPersona(f *gofakeit.Faker, cat *catalog, i uint64) *persona {
	p := &persona{}
	p.country = &cat.countries[pickIndex(f, cat.countryW)]
	c := p.country
	p.tag = c.languages[pickIndex(f, c.langW)]
	p.book = cat.books[conversationLanguage(p.tag)]
	p.zone = cat.zones[c.zones[pickIndex(f, c.zoneW)]]
	p.cur = cat.currencies[c.currency]
	locale := nameLocale(c, p.tag)
	names := cat.names[locale]
	p.first = names.first[f.IntRange(0, len(names.first)-1)]
	p.last = names.last[f.IntRange(0, len(names.last)-1)]
	p.known = chance(f, 58)
	p.email = email(f, p.first, p.last, locale == "de", i)
	p.orders = []string{f.Numerify("4######")}
	if chance(f, 35) {
		p.orders = append(p.orders, f.Numerify("4######"))
	}
	p.invoice = "INV-" + f.Numerify("######")
	p.postcode = postcode(f, c.postcode)
	p.scenario = pickIndex(f, cat.scenarioW)
	p.product = p.book.products[f.IntRange(0, len(p.book.products)-1)]
	p.company = cat.companies[f.IntRange(0, len(cat.companies)-1)]
	var dollars int
	if p.scenario == scProductFAQ {
		dollars = pick(f, []int{19, 29, 49, 79, 99, 149, 199, 299}, []int{3, 4, 4, 3, 3, 2, 2, 1})*100 - 1
	} else {
		dollars = f.IntRange(1500, 25000)
	}
	minor := int64(dollars) * int64(p.cur.rate) / 100
	if p.scenario == scProductFAQ {
		minor = priceMinor(minor, p.cur.cents)
	}
	p.amount = formatMoney(minor, p.cur, p.tag)
	p.platform = platformFor(f, c)
	return p
}

// priceMinor turns a converted amount into a price as shops write them in
// that currency: 72.99, 729.99, 6,599.00, or 312.000 without cents.
func priceMinor(minor int64, cents bool) int64 {
	units := minor / 100
	switch {
	case !cents:
		return max((units+500)/1000*1000, 1000) * 100
	case units < 100:
		return units*100 + 99
	case units < 1000:
		return (units+5)/10*1000 - 1
	}
	return ((units+50)/100*100 - 1) * 100
}

// pickIndex is the index pick would choose among len(weights) items.
func pickIndex(f *gofakeit.Faker, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := f.IntRange(0, total-1)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// email makes a user's address at a reserved domain. Its number is a
// permutation of the user's index, so no two users of a dataset share an
// address (the address is the user's ID when the webchat knows it) while
// neighbouring users' numbers look unrelated.
func email(f *gofakeit.Faker, first, last string, german bool, i uint64) string {
	fn, ln := foldASCII(first, german), foldASCII(last, german)
	local := pick(f, []string{fn + "." + ln, fn + ln, fn[:1] + ln, fn + "_" + ln, ln + "." + fn},
		[]int{40, 20, 20, 10, 10})
	if awkward(local) { // johannazimmermann: keep the names apart
		local = fn + "." + ln
	}
	code := i + 1_000_000
	if i < 1_000_000 {
		code = (i*611_953 + 280_417) % 1_000_000 // odd and not a multiple of 5: a permutation
	}
	domain := pick(f, []string{"example.com", "example.org", "example.net", "mail.example.com", "inbox.example.net", "post.example.org"},
		[]int{40, 15, 15, 12, 10, 8})
	return local + strconv.FormatUint(code, 10) + "@" + domain
}

// awkward reports whether names run together spell a word no address
// should hold.
func awkward(local string) bool {
	for _, w := range []string{"nazi", "hitler", "fuck", "shit", "kill", "murder", "porn", "rape", "sex", "anal", "cum", "tit", "fag", "nig", "cock", "dick", "cunt", "whore", "slut", "bitch"} {
		if strings.Contains(local, w) {
			return true
		}
	}
	return false
}

// postcode fills a country's pattern: # a digit, A a consonant (no vowels,
// so no words).
func postcode(f *gofakeit.Faker, pattern string) string {
	const letters = "BDFGHJLNPRSTWXYZ"
	b := []byte(pattern)
	for k, ch := range b {
		switch ch {
		case '#':
			b[k] = byte('0' + f.IntRange(0, 9))
		case 'A':
			b[k] = letters[f.IntRange(0, len(letters)-1)]
		}
	}
	return string(b)
}

// ipAddress is an address from the documentation ranges (RFC 5737 and
// RFC 3849): nothing points at a real host.
func ipAddress(f *gofakeit.Faker) string {
	if chance(f, 82) {
		net := pick(f, []string{"192.0.2.", "198.51.100.", "203.0.113."}, []int{1, 1, 1})
		return net + strconv.Itoa(f.IntRange(1, 254))
	}
	hex := func() string { return strconv.FormatUint(uint64(f.IntRange(0, 0xffff)), 16) }
	return "2001:db8:" + hex() + ":" + hex() + "::" + strconv.FormatUint(uint64(f.IntRange(1, 0xffff)), 16)
}

// fakeUser makes user i of a dataset.
func fakeUser(cat *catalog, seed, i uint64) User {
	f := userFaker(seed, i)
	p := newPersona(f, cat, i)
	u := User{Attributes: make(map[string]string, 9)}
	if p.known {
		u.ID = p.email
		u.Name = strPtr(p.first + " " + p.last)
		u.Attributes["email"] = p.email
	} else {
		u.ID = f.UUID()
	}
	a := u.Attributes
	a["country"] = p.country.code
	a["browser_language"] = p.tag
	a["timezone"] = p.zone.name
	a["platform"] = p.platform
	if chance(f, 92) {
		a["selected_scenario"] = cat.scenarios[p.scenario].name
	}

	u.Messages = userConversations(f, cat, p)
	first := cat.rhythm.w.Start
	if len(u.Messages) > 0 {
		first = u.Messages[0].Date
	}
	d := deviceFor(f, p.country, p.platform, first)
	if d.browser != "" {
		a["browser"] = d.browser
	}
	a["os"] = d.os
	if d.webchat {
		a["ip_address"] = ipAddress(f)
	}
	applyRealWorld(f, u.Messages) // the one call site of realworld.go
	return u
}

// userConversations makes a user's conversations, placed by the rhythm
// without overlapping: most users come once, some return.
func userConversations(f *gofakeit.Faker, cat *catalog, p *persona) []Message {
	n := pick(f, []int{1, 2, 3, 4, 5}, []int{60, 22, 10, 5, 3})
	type placed struct{ start, end time.Time }
	var spans []placed
	var msgs []Message
	for k := range n {
		cv := conversation{f: f, cat: cat, p: p, order: p.orders[k%len(p.orders)]}
		cv.make()
		span := cv.at
		for try := 0; try < 3; try++ {
			start := cat.rhythm.start(f, p.zone, span)
			end := start.Add(span)
			clash := false
			for _, s := range spans {
				if start.Before(s.end.Add(ConversationGap)) && s.start.Before(end.Add(ConversationGap)) {
					clash = true
					break
				}
			}
			if clash && k > 0 {
				continue
			}
			spans = append(spans, placed{start, end})
			for _, m := range cv.msgs {
				m.Date = start.Add(m.Date.Sub(time.Time{})).UTC()
				msgs = append(msgs, m)
			}
			break
		}
	}
	sortMessages(msgs)
	return msgs
}

// fill writes a template with the persona's values.
func (p *persona) fill(t, order string) string {
	i := strings.IndexByte(t, '{')
	if i < 0 {
		return t
	}
	var b strings.Builder
	b.Grow(len(t) + 24)
	for i >= 0 {
		b.WriteString(t[:i])
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			break
		}
		switch t[i+1 : i+j] {
		case "first":
			b.WriteString(p.first)
		case "product":
			b.WriteString(p.product)
		case "order":
			b.WriteString(order)
		case "invoice":
			b.WriteString(p.invoice)
		case "amount":
			b.WriteString(p.amount)
		default:
			b.WriteString(t[i : i+j+1])
		}
		t = t[i+j+1:]
		i = strings.IndexByte(t, '{')
	}
	b.WriteString(t)
	return b.String()
}

// sortMessages orders a user's messages by date, keeping the order of
// messages of one second.
func sortMessages(msgs []Message) {
	slices.SortStableFunc(msgs, func(a, b Message) int { return a.Date.Compare(b.Date) })
}
