package dataset

import (
	"math/bits"
	"slices"
	"strconv"
	"time"
)

// The generator works in two parts, so that a dataset of any size is
// ready at once:
//
//   - the skeleton of user i, drawn from its own stream (seed, i): who the
//     user is, as small codes into the catalog's tables, and per
//     conversation the time of its first user message (its anchor) and its
//     shape, the branches its flow takes. It is what queries search, and
//     costs a few hundred nanoseconds per user.
//   - a conversation's messages (texts, data, exact times) and the user's
//     details its texts mention (orders, invoice, amount), made when a
//     query first needs them, each from a stream of its own: (seed, i) for
//     the details, (seed, i, k) for conversation k.
//
// Generate makes users whole from both parts, so what it returns is what a
// lazy dataset serves.

// skelUser is a user's skeleton: every attribute as a code. 24 bytes.
type skelUser struct {
	ip          [3]uint16 // see ipKind
	first, last uint16    // indexes into the locale's name lists
	major       uint16    // browser version
	country     uint8
	tag         uint8 // index into the country's languages
	zone        uint8 // index into the country's zones
	platform    uint8 // index into platforms
	scenario    uint8
	flags       uint8 // flagKnown, flagScenario, ipKind
	email       uint8 // address pattern<<4 | domain
	os          uint8 // index into oses
	browser     uint8 // index into browsers; 0 none
	minor       uint8
	patch       uint8
	_           uint8
}

const (
	flagKnown    = 1 << 0 // the webchat knows the user's name and e-mail
	flagScenario = 1 << 1 // the user has a selected_scenario
	flagIPv4     = 1 << 2 // ip[0] is the network, ip[1] the host
	flagIPv6     = 1 << 3 // ip is 2001:db8:ip0:ip1::ip2
)

// Value tables the codes point into.
var (
	platforms = [...]string{"webchat", "whatsapp", "messenger", "teams"}
	oses      = [...]string{"", "iOS", "Android OS", "Windows 10", "Mac OS", "Linux", "Chrome OS"}
	browsers  = [...]string{"", "chrome", "edge-chromium", "crios", "firefox", "opera", "samsung", "safari", "ios"}
	emailPats = [...]int{40, 20, 20, 10, 10}
	domains   = [...]string{"example.com", "example.org", "example.net", "mail.example.com", "inbox.example.net", "post.example.org"}
	domainW   = []int{40, 15, 15, 12, 10, 8}
	ipNets    = [...]string{"192.0.2.", "198.51.100.", "203.0.113."}
)

// convSkel is a conversation's skeleton: when its first user message is
// (Unix seconds) and which way its flow goes.
type convSkel struct {
	at    int64
	shape shape
}

// Bounds on a conversation's messages around its anchor (the first user
// message): every message is at most preBound before it and postBound
// after it. The generator clamps gaps so that they hold; placement keeps
// [anchor-preBound, anchor+postBound] inside the window.
const (
	preBound  = 3 * time.Minute
	postBound = 15 * time.Minute
)

// drawer draws numbers: a faker, or for skeletons the cheaper fastRand.
type drawer interface {
	IntRange(lo, hi int) int
}

// fastRand draws from SplitMix64 without math/rand's layers: skeletons
// are drawn for every user at start, so each draw counts.
type fastRand struct{ s splitMix64 }

// IntRange is a number from lo to hi, inclusive (Lemire's multiply).
func (r *fastRand) IntRange(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + int(r.below(uint64(hi-lo)+1))
}

// below is a number from 0 to n-1; with n <= 1 it is 0 and draws nothing.
func (r *fastRand) below(n uint64) uint64 {
	if n <= 1 {
		return 0
	}
	h, _ := bits.Mul64(r.s.Uint64(), n)
	return h
}

// chance is whether a draw falls under percent.
func (r *fastRand) chance(percent uint64) bool { return r.below(100) < percent }

// wtab is weights as a lookup table: a draw v from 0 to n-1 picks idx[v],
// what pickIndex's walk over the weights finds, in one load. codes and
// weights are the values idx holds and their weights, for enumerate.
type wtab struct {
	n       uint64
	idx     []uint8
	codes   []uint8
	weights []float64
}

func newWtab(weights []int) wtab {
	total := 0
	for _, w := range weights {
		total += w
	}
	t := wtab{n: uint64(max(total, 1)), idx: make([]uint8, max(total, 1))}
	for v := range t.idx {
		n, k := v, 0
		for k < len(weights)-1 && n >= weights[k] {
			n -= weights[k]
			k++
		}
		t.idx[v] = uint8(k)
	}
	t.tally()
	return t
}

// tally fills codes and weights from idx.
func (t *wtab) tally() {
	t.codes, t.weights = t.codes[:0], t.weights[:0]
	for _, code := range t.idx {
		k := slices.Index(t.codes, code)
		if k < 0 {
			k = len(t.codes)
			t.codes, t.weights = append(t.codes, code), append(t.weights, 0)
		}
		t.weights[k]++
	}
}

// skeletonRand is the stream of user i's skeleton.
func skeletonRand(seed, i uint64) fastRand {
	mix := splitMix64{state: seed ^ 0x6a09e667f3bcc909}
	mix.state ^= i * 0xd1342543de82ef95
	mix.Uint64()
	return fastRand{splitMix64{state: mix.Uint64()}}
}

// detailsFaker is the stream of user i's details (orders, amounts).
func detailsFaker(seed, i uint64) fakeRand { return streamFaker(seed, i, 0, 0xbb67ae8584caa73b) }

// conversationFaker is the stream of user i's conversation k.
func conversationFaker(seed, i uint64, k int) fakeRand {
	return streamFaker(seed, i, uint64(k)+1, 0x3c6ef372fe94f82b)
}

// streamFaker mixes seed, user, conversation and purpose into a generator
// of its own, so neighbouring streams are unrelated.
func streamFaker(seed, i, k, salt uint64) fakeRand {
	mix := splitMix64{state: seed ^ salt}
	mix.state ^= i * 0xd1342543de82ef95
	mix.state ^= k * 0x9e3779b97f4a7c15
	mix.Uint64()
	return fakeRand{splitMix64{state: mix.Uint64()}}
}

// fakeRand draws what gofakeit.NewCustom(&splitMix64{...}) would draw,
// number for number (IntRange is math/rand's Int63n, Numerify its Intn),
// without allocating a faker and a math/rand.Rand per stream:
// conversations are made on demand, each from a stream of its own.
// TestFakeRandIsGofakeit holds it to gofakeit's draws.
type fakeRand struct{ s splitMix64 }

func (r *fakeRand) int63() int64 { return int64(r.s.Uint64() >> 1) }

// IntRange is gofakeit's IntRange: lo to hi inclusive.
func (r *fakeRand) IntRange(lo, hi int) int {
	if lo == hi {
		return lo
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	n := int64(hi - lo + 1)
	if n <= 0 { // the whole range of int: gofakeit draws until one fits
		for {
			if v := int(r.s.Uint64()); lo <= v && v <= hi {
				return v
			}
		}
	}
	if n&(n-1) == 0 {
		return lo + int(r.int63()&(n-1))
	}
	limit := int64((1 << 63) - 1 - (1<<63)%uint64(n))
	v := r.int63()
	for v > limit {
		v = r.int63()
	}
	return lo + int(v%n)
}

// intn is math/rand's Intn for n < 2^31.
func (r *fakeRand) intn(n int32) int {
	if n&(n-1) == 0 {
		return int(int32(r.int63()>>32) & (n - 1))
	}
	limit := int32((1 << 31) - 1 - (1<<31)%uint32(n))
	v := int32(r.int63() >> 32)
	for v > limit {
		v = int32(r.int63() >> 32)
	}
	return int(v % n)
}

// appendNumerify appends gofakeit's Numerify of pattern: each # a digit,
// and a leading 0 made 1 to 8.
func (r *fakeRand) appendNumerify(dst []byte, pattern string) []byte {
	start := len(dst)
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '#' {
			c = byte('0' + r.intn(10))
		}
		dst = append(dst, c)
	}
	if len(pattern) > 0 && dst[start] == '0' {
		dst[start] = byte('1' + r.intn(8))
	}
	return dst
}

// skelTables are the catalog's distributions as skeletons draw them,
// computed once: weights as lookup tables, each country's languages,
// zones and names by index, so that drawing a user reads tables and makes
// no call through an interface, no map look-up and no allocation.
type skelTables struct {
	country, email, domain, scenario, convs wtab
	countries                               []skelCountry
	shapes                                  *[4]aliasTable // by webchat<<1 | survey
}

// skelCountry is a country's part of skelTables.
type skelCountry struct {
	lang, zone wtab
	zones      []*zone     // by zone index
	names      [][2]uint64 // by language index: how many first and last names
	platforms  wtab
	devices    *[4]aliasTable // by platform
}

// convCounts is how many conversations a user has, with their weights.
var convCounts = [...]int{60, 22, 10, 5, 3}

func newSkelTables(cat *catalog) *skelTables {
	t := &skelTables{country: newWtab(cat.countryW), email: newWtab(emailPats[:]), domain: newWtab(domainW),
		scenario: newWtab(cat.scenarioW), convs: newWtab(convCounts[:])}
	shapes := shapeTables()
	t.shapes = &shapes
	for k := range cat.countries {
		c := &cat.countries[k]
		sc := skelCountry{lang: newWtab(c.langW), zone: newWtab(c.zoneW), platforms: platformTable(c.whatsapp),
			devices: deviceTables(uint64(c.iosShare))}
		for _, z := range c.zones {
			sc.zones = append(sc.zones, cat.zones[z])
		}
		for _, tag := range c.languages {
			l := cat.nameList(c, tag)
			sc.names = append(sc.names, [2]uint64{uint64(len(l.first)), uint64(len(l.last))})
		}
		t.countries = append(t.countries, sc)
	}
	return t
}

// The platforms' codes (indexes into platforms).
const (
	platWebchat = iota
	platWhatsApp
	platMessenger
	platTeams
)

// gapSeconds is the least time between two of a user's anchors.
const gapSeconds = int64((preBound + postBound + ConversationGap) / time.Second)

// skeleton draws generated user i (i >= 1): its codes, and its
// conversations appended to convs in time order.
func (cat *catalog) skeleton(seed, i uint64, convs []convSkel) (skelUser, []convSkel) {
	t := cat.skel
	r := skeletonRand(seed, i)
	f := &r
	var u skelUser
	u.country = uint8(f.pick(&t.country))
	c := &t.countries[u.country]
	u.tag = uint8(f.pick(&c.lang))
	u.zone = uint8(f.pick(&c.zone))
	names := c.names[u.tag]
	u.first = uint16(f.below(names[0]))
	u.last = uint16(f.below(names[1]))
	if f.chance(58) {
		u.flags |= flagKnown
	}
	u.email = uint8(f.pick(&t.email)<<4 | f.pick(&t.domain))
	u.scenario = uint8(f.pick(&t.scenario))
	u.platform = uint8(f.pick(&c.platforms))
	if f.chance(92) {
		u.flags |= flagScenario
	}

	zone := c.zones[u.zone]
	kind := 0
	if u.platform == platWebchat {
		kind = 2
	}
	if u.scenario == scFeedbackSurvey {
		kind |= 1
	}
	shapes := &t.shapes[kind]
	n := 1 + f.pick(&t.convs)
	base := len(convs)
	for k := range n {
		sh := shape(shapes.draw(f))
		for try := 0; try < 3; try++ {
			at := cat.rhythm.start(f, zone)
			clash := false
			for _, o := range convs[base:] {
				if at-o.at < gapSeconds && o.at-at < gapSeconds {
					clash = true
					break
				}
			}
			if clash && k > 0 {
				continue
			}
			convs = append(convs, convSkel{at: at, shape: sh})
			break
		}
	}
	own := convs[base:]
	for a := 1; a < len(own); a++ { // insertion sort: at most five
		for b := a; b > 0 && own[b].at < own[b-1].at; b-- {
			own[b], own[b-1] = own[b-1], own[b]
		}
	}
	// A user has a conversation: its first one is never dropped.
	deviceFor(f, c, &u, own[0].at-int64(preBound/time.Second))
	if u.platform == platWebchat {
		if f.chance(82) {
			u.flags |= flagIPv4
			u.ip[0] = uint16(f.below(uint64(len(ipNets))))
			u.ip[1] = uint16(1 + f.below(254))
		} else {
			u.flags |= flagIPv6
			u.ip = [3]uint16{uint16(f.below(0x10000)), uint16(f.below(0x10000)), uint16(1 + f.below(0xffff))}
		}
	}
	return u, convs
}

// nameList is the names of users of country c with browser language tag.
func (cat *catalog) nameList(c *country, tag string) *nameList {
	l := cat.names[nameLocale(c, tag)]
	return &l
}

// appendBrowser appends the user's browser attribute ("chrome 121.0.0").
func appendBrowser(dst []byte, u *skelUser) []byte {
	name := browsers[u.browser]
	dst = append(dst, name...)
	dst = append(dst, ' ')
	dst = strconv.AppendUint(dst, uint64(u.major), 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, uint64(u.minor), 10)
	dst = append(dst, '.')
	if name == "crios" { // the build grows with the major
		return strconv.AppendInt(dst, int64(6167+68*(int(u.major)-121)), 10)
	}
	return strconv.AppendUint(dst, uint64(u.patch), 10)
}

// appendIP appends the user's address, from the documentation ranges.
func appendIP(dst []byte, u *skelUser) []byte {
	if u.flags&flagIPv4 != 0 {
		dst = append(dst, ipNets[u.ip[0]]...)
		return strconv.AppendUint(dst, uint64(u.ip[1]), 10)
	}
	dst = append(dst, "2001:db8:"...)
	dst = strconv.AppendUint(dst, uint64(u.ip[0]), 16)
	dst = append(dst, ':')
	dst = strconv.AppendUint(dst, uint64(u.ip[1]), 16)
	dst = append(dst, "::"...)
	return strconv.AppendUint(dst, uint64(u.ip[2]), 16)
}

// emailCode is the number in user i's address: a permutation of i below a
// million (odd and not a multiple of 5: a permutation), so neighbouring
// users' numbers look unrelated, i plus a million above.
func emailCode(i uint64) uint64 {
	if i < 1_000_000 {
		return (i*611_953 + 280_417) % 1_000_000
	}
	return i + 1_000_000
}

// emailIndex inverts emailCode.
func emailIndex(code uint64) (uint64, bool) {
	switch {
	case code < 1_000_000:
		// 611953 * 611953^-1 = 1 (mod 10^6)
		return ((code + 1_000_000 - 280_417) % 1_000_000 * emailInverse) % 1_000_000, true
	case code >= 2_000_000:
		return code - 1_000_000, true
	}
	return 0, false
}

// emailInverse is 611953's inverse modulo 10^6 (TestEmailCodeInverts).
const emailInverse = 225_617

// appendEmail appends user i's address at a reserved domain.
func (cat *catalog) appendEmail(dst []byte, u *skelUser, i uint64) []byte {
	c := &cat.countries[u.country]
	names := cat.foldedNames(c, c.languages[u.tag])
	fn, ln := names.first[u.first], names.last[u.last]
	start := len(dst)
	switch u.email >> 4 {
	case 0:
		dst = append(append(append(dst, fn...), '.'), ln...)
	case 1:
		dst = append(append(dst, fn...), ln...)
	case 2:
		dst = append(append(dst, fn[:1]...), ln...)
	case 3:
		dst = append(append(append(dst, fn...), '_'), ln...)
	default:
		dst = append(append(append(dst, ln...), '.'), fn...)
	}
	if awkward(string(dst[start:])) { // johannazimmermann: keep the names apart
		dst = append(append(append(dst[:start], fn...), '.'), ln...)
	}
	dst = strconv.AppendUint(dst, emailCode(i), 10)
	dst = append(dst, '@')
	return append(dst, domains[u.email&15]...)
}

// foldedNames is nameList folded as e-mail addresses write names.
func (cat *catalog) foldedNames(c *country, tag string) *nameList {
	l := cat.folded[nameLocale(c, tag)]
	return &l
}

// uuidOf is anonymous user i's ID: a UUID (version 4 in form) whose first
// six bytes are a bijection of i keyed by the seed, so the ID leads back
// to its user without a map; the rest mixes both.
func uuidOf(seed, i uint64) [16]byte {
	var b [16]byte
	x := scramble48(seed, i)
	for k := range 6 {
		b[k] = byte(x >> (40 - 8*k))
	}
	mix := splitMix64{state: seed ^ i*0x94d049bb133111eb}
	r1, r2 := mix.Uint64(), mix.Uint64()
	for k := range 2 {
		b[6+k] = byte(r1 >> (8 * k))
	}
	for k := range 8 {
		b[8+k] = byte(r2 >> (8 * k))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

const mask48 = 1<<48 - 1

// scramble48 is a bijection of the 48-bit numbers, keyed by seed.
func scramble48(seed, x uint64) uint64 {
	x = (x ^ seed) & mask48
	x = x * 0x5deece66d & mask48
	x ^= x >> 24
	x = x * 0xb5ad4eceda1ce2a9 & mask48
	return x
}

// unscramble48 inverts scramble48.
func unscramble48(seed, x uint64) uint64 {
	x = x * inverse48(0xb5ad4eceda1ce2a9) & mask48
	x ^= x >> 24
	x = x * inverse48(0x5deece66d) & mask48
	return (x ^ seed) & mask48
}

// inverse48 is the inverse of odd a modulo 2^48 (Newton's iteration).
func inverse48(a uint64) uint64 {
	x := a
	for range 6 {
		x *= 2 - a*x
	}
	return x & mask48
}

func appendUUID(dst []byte, b [16]byte) []byte {
	const hex = "0123456789abcdef"
	for k, v := range b {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hex[v>>4], hex[v&15])
	}
	return dst
}

// parseUUID reads a lower-case UUID as appendUUID writes it.
func parseUUID(s string) ([16]byte, bool) {
	var b [16]byte
	if len(s) != 36 {
		return b, false
	}
	k := 0
	for j := 0; j < len(s); j++ {
		if j == 8 || j == 13 || j == 18 || j == 23 {
			if s[j] != '-' {
				return b, false
			}
			continue
		}
		var v byte
		switch c := s[j]; {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		default:
			return b, false
		}
		b[k/2] |= v << (4 * (1 - k%2))
		k++
	}
	return b, true
}

// appendUserID appends generated user i's ID: their address when the
// webchat knows it, else a UUID.
func (cat *catalog) appendUserID(dst []byte, seed uint64, u *skelUser, i uint64) []byte {
	if u.flags&flagKnown != 0 {
		return cat.appendEmail(dst, u, i)
	}
	return appendUUID(dst, uuidOf(seed, i))
}

// candidateIndex is the index of the generated user id would be, if any;
// the caller compares the user's ID.
func candidateIndex(seed uint64, id string) (uint64, bool) {
	if b, ok := parseUUID(id); ok {
		var x uint64
		for k := range 6 {
			x = x<<8 | uint64(b[k])
		}
		return unscramble48(seed, x), true
	}
	at := -1
	for k := len(id) - 1; k >= 0; k-- {
		if id[k] == '@' {
			at = k
			break
		}
	}
	if at < 0 {
		return 0, false
	}
	d := at
	for d > 0 && id[d-1] >= '0' && id[d-1] <= '9' {
		d--
	}
	if d == at || at-d > 18 {
		return 0, false
	}
	code, err := strconv.ParseUint(id[d:at], 10, 64)
	if err != nil {
		return 0, false
	}
	return emailIndex(code)
}
