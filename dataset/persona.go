package dataset

import (
	"strings"
	"time"
)

// catalog is what generated users are drawn from, built once per dataset:
// the curated tables, and the rhythm of the seed and window.
type catalog struct {
	countries  []country
	countryW   []int
	zones      map[string]*zone
	currencies map[string]*currency
	names      map[string]nameList
	folded     map[string]nameList // names as addresses write them
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
	c.folded = make(map[string]nameList, len(c.names))
	for locale, l := range c.names {
		var f nameList
		for _, n := range l.first {
			f.first = append(f.first, foldASCII(n, locale == "de"))
		}
		for _, n := range l.last {
			f.last = append(f.last, foldASCII(n, locale == "de"))
		}
		c.folded[locale] = f
	}
	for _, z := range c.zones {
		z.prepare(w.Start.Year()-1, w.End.Year()+1)
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

// persona is one generated user as their conversations see them: their
// skeleton's values, and the details their texts mention, drawn once from
// the user's details stream, so a user's e-mail, orders and amounts are
// the same in every conversation.
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

// persona is generated user i of skeleton u, with the details drawn from
// f, their details stream.
func (cat *catalog) persona(details fakeRand, u *skelUser, i uint64) *persona {
	f := &details
	c := &cat.countries[u.country]
	p := &persona{country: c, tag: c.languages[u.tag], scenario: int(u.scenario), platform: platforms[u.platform]}
	p.book = cat.books[conversationLanguage(p.tag)]
	p.zone = cat.zones[c.zones[u.zone]]
	p.cur = cat.currencies[c.currency]
	names := cat.nameList(c, p.tag)
	p.first, p.last = names.first[u.first], names.last[u.last]
	p.known = u.flags&flagKnown != 0
	p.email = string(cat.appendEmail(nil, u, i))
	p.orders = []string{f.Numerify("4######")}
	if chance(f, 35) {
		p.orders = append(p.orders, f.Numerify("4######"))
	}
	p.invoice = "INV-" + f.Numerify("######")
	p.postcode = postcode(f, c.postcode)
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
func pickIndex(f drawer, weights []int) int {
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
func postcode(f *fakeRand, pattern string) string {
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

// fakeUser makes generated user i (i >= 1) whole: its skeleton's
// attributes, and every conversation made.
func (cat *catalog) fakeUser(seed, i uint64) User {
	sk, convs := cat.skeleton(seed, i, nil)
	a := make(map[string]string, 9)
	u := User{Attributes: a}
	u.ID = string(cat.appendUserID(nil, seed, &sk, i))
	p := cat.persona(detailsFaker(seed, i), &sk, i)
	if p.known {
		u.Name = strPtr(p.first + " " + p.last)
		a["email"] = p.email
	}
	a["country"] = p.country.code
	a["browser_language"] = p.tag
	a["timezone"] = p.zone.name
	a["platform"] = p.platform
	if sk.flags&flagScenario != 0 {
		a["selected_scenario"] = cat.scenarios[p.scenario].name
	}
	if sk.browser != 0 {
		a["browser"] = string(appendBrowser(nil, &sk))
	}
	a["os"] = oses[sk.os]
	if sk.flags&(flagIPv4|flagIPv6) != 0 {
		a["ip_address"] = string(appendIP(nil, &sk))
	}
	for k, cv := range convs {
		u.Messages = append(u.Messages, cat.conversation(seed, i, k, p, cv)...)
	}
	return u
}

// conversation makes conversation k of user i, persona p, placed at its
// anchor: its messages, the bot's included, in order.
func (cat *catalog) conversation(seed, i uint64, k int, p *persona, cv convSkel) []Message {
	f := conversationFaker(seed, i, k)
	cn := conversation{f: &f, cat: cat, p: p, order: p.orders[k%len(p.orders)], shape: cv.shape}
	cn.make()
	var firstUser time.Duration
	for _, m := range cn.msgs {
		if !m.FromBot() {
			firstUser = m.Date.Sub(time.Time{})
			break
		}
	}
	anchor := time.Unix(cv.at, 0).UTC()
	for j := range cn.msgs {
		cn.msgs[j].Date = anchor.Add(cn.msgs[j].Date.Sub(time.Time{}) - firstUser)
	}
	applyRealWorld(cn.f, cn.msgs) // the one call site of realworld.go
	return cn.msgs
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
