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
	skel       *skelTables // the skeleton's draws as tables (skeleton.go)
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
	c.skel = newSkelTables(c)
	return c
}

// persona is one generated user as their conversations see them: their
// skeleton's values, and the details their texts mention, drawn once from
// the user's details stream, so a user's e-mail, orders and amounts are
// the same in every conversation. The texts few conversations mention
// (e-mail, invoice, amount) are written when first asked for.
type persona struct {
	cat      *catalog
	sk       *skelUser
	i        uint64
	country  *country
	tag      string // browser language
	book     *phrasebook
	cur      *currency
	known    bool // the webchat knows their name and e-mail
	first    string
	last     string
	orders   [2]string
	nOrders  int
	invoiceN [6]byte // the invoice's digits
	postcode string
	minor    int64 // a bill, or in product_faq a price, in their currency's minor units
	product  string
	company  string
	scenario int
	platform string

	email, invoice, amount string // written on first use
}

// persona is generated user i of skeleton u, with the details drawn from
// f, their details stream.
func (cat *catalog) persona(details fakeRand, u *skelUser, i uint64) *persona {
	p := &persona{}
	cat.fillPersona(p, details, u, i)
	return p
}

// fillPersona makes p generated user i of skeleton u (see persona).
func (cat *catalog) fillPersona(p *persona, details fakeRand, u *skelUser, i uint64) {
	f := &details
	c := &cat.countries[u.country]
	*p = persona{cat: cat, sk: u, i: i, country: c, tag: c.languages[u.tag], scenario: int(u.scenario), platform: platforms[u.platform]}
	p.book = cat.books[conversationLanguage(p.tag)]
	p.cur = cat.currencies[c.currency]
	names := cat.nameList(c, p.tag)
	p.first, p.last = names.first[u.first], names.last[u.last]
	p.known = u.flags&flagKnown != 0
	var digits [8]byte
	p.orders[0], p.nOrders = string(f.appendNumerify(digits[:0], "4######")), 1
	if chance(f, 35) {
		p.orders[1], p.nOrders = string(f.appendNumerify(digits[:0], "4######")), 2
	}
	f.appendNumerify(p.invoiceN[:0], "######")
	p.postcode = postcode(f, c.postcode)
	p.product = p.book.products[f.IntRange(0, len(p.book.products)-1)]
	p.company = cat.companies[f.IntRange(0, len(cat.companies)-1)]
	var dollars int
	if p.scenario == scProductFAQ {
		dollars = pick(f, []int{19, 29, 49, 79, 99, 149, 199, 299}, []int{3, 4, 4, 3, 3, 2, 2, 1})*100 - 1
	} else {
		dollars = f.IntRange(1500, 25000)
	}
	p.minor = int64(dollars) * int64(p.cur.rate) / 100
	if p.scenario == scProductFAQ {
		p.minor = priceMinor(p.minor, p.cur.cents)
	}
}

// order is the order conversation k is about.
func (p *persona) order(k int) string { return p.orders[k%p.nOrders] }

// emailAddress is the user's e-mail address.
func (p *persona) emailAddress() string {
	if p.email == "" {
		p.email = string(p.cat.appendEmail(nil, p.sk, p.i))
	}
	return p.email
}

// invoiceNumber is the user's invoice, INV- and six digits.
func (p *persona) invoiceNumber() string {
	if p.invoice == "" {
		p.invoice = "INV-" + string(p.invoiceN[:])
	}
	return p.invoice
}

// amountText is the bill or price, written as the user's locale writes
// money.
func (p *persona) amountText() string {
	if p.amount == "" {
		p.amount = formatMoney(p.minor, p.cur, p.tag)
	}
	return p.amount
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
	for i := 0; i < len(local); i++ {
		for _, w := range awkwardWords[local[i]] {
			if strings.HasPrefix(local[i:], w) {
				return true
			}
		}
	}
	return false
}

// awkwardWords is the words awkward looks for, by their first byte.
var awkwardWords = func() (t [256][]string) {
	for _, w := range []string{"nazi", "hitler", "fuck", "shit", "kill", "murder", "porn", "rape", "sex", "anal", "cum", "tit", "fag", "nig", "cock", "dick", "cunt", "whore", "slut", "bitch"} {
		t[w[0]] = append(t[w[0]], w)
	}
	return t
}()

// postcode fills a country's pattern: # a digit, A a consonant (no vowels,
// so no words).
func postcode(f *fakeRand, pattern string) string {
	const letters = "BDFGHJLNPRSTWXYZ"
	var buf [16]byte
	b := append(buf[:0], pattern...)
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
		a["email"] = p.emailAddress()
	}
	a["country"] = p.country.code
	a["browser_language"] = p.tag
	a["timezone"] = cat.zones[p.country.zones[sk.zone]].name
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
	return cat.appendConversation(nil, seed, i, k, p, cv, true)
}

// appendConversation appends conversation k of user i, persona p, placed
// at its anchor, to msgs: its messages in order, the bot's only when bots
// is set. Its users' messages are the same either way.
func (cat *catalog) appendConversation(msgs []Message, seed, i uint64, k int, p *persona, cv convSkel, bots bool) []Message {
	f := conversationFaker(seed, i, k)
	start := len(msgs)
	cn := conversation{f: &f, cat: cat, p: p, order: p.order(k), shape: cv.shape, bots: bots, msgs: msgs}
	cn.make()
	made := cn.msgs[start:]
	var firstUser time.Duration
	for _, m := range made {
		if !m.FromBot() {
			firstUser = m.Date.Sub(time.Time{})
			break
		}
	}
	anchor := time.Unix(cv.at, 0).UTC()
	for j := range made {
		made[j].Date = anchor.Add(made[j].Date.Sub(time.Time{}) - firstUser)
	}
	applyRealWorld(cn.f, made) // the one call site of realworld.go
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
			b.WriteString(p.invoiceNumber())
		case "amount":
			b.WriteString(p.amountText())
		default:
			b.WriteString(t[i : i+j+1])
		}
		t = t[i+j+1:]
		i = strings.IndexByte(t, '{')
	}
	b.WriteString(t)
	return b.String()
}
