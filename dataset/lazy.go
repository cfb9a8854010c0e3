package dataset

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/odmock/odmock/contract"
)

// NewSeeded is the dataset of n users generated from seed in w, as
// Generate(seed, n, w) would give, with a cache of DefaultCacheBytes.
func NewSeeded(c *contract.Contract, seed uint64, n int, w Window) (*Dataset, error) {
	return NewSeededCache(c, seed, n, w, DefaultCacheBytes)
}

// MaxSeededUsers is the most users NewSeeded makes.
const MaxSeededUsers = 400_000_000

// NewSeededCache is NewSeeded with a cache of encoded conversations of
// cacheBytes (0: none, every conversation made each time it is needed).
// It draws only the users' skeletons, in parallel: about 24 bytes per
// user and 12 per conversation, and a few hundred nanoseconds per user.
// Answers are the same bytes whatever the cache's size.
func NewSeededCache(c *contract.Contract, seed uint64, n int, w Window, cacheBytes int64) (*Dataset, error) {
	if n < 0 || n > MaxSeededUsers {
		return nil, fmt.Errorf("%d users: want 0 to %d", n, MaxSeededUsers)
	}
	cat := newCatalog(seed, w)
	st := &lazyStore{cat: cat, seed: seed, cache: newConvCache(cacheBytes), kinds: attributeKinds(c.Attributes())}
	d := &Dataset{attributes: c.Attributes(), st: st, users: n, convOf: make([]uint32, n+1)}
	d.source = func(i int) User { return seededUser(cat, seed, i) }
	if n == 0 {
		d.index()
		return d, nil
	}
	ex, err := New(c, []User{pageExampleUser()})
	if err != nil {
		return nil, err
	}
	st.example = ex.st.(*eagerStore)
	d.at = append(d.at, ex.at...)
	d.span = max(ex.span, int64(postBound.Seconds()))
	d.messages, d.botCount = ex.messages, ex.botCount

	// Skeletons in chunks of users, taken by workers in turn. A chunk's
	// conversations wait in a buffer of its own until the chunks before
	// it are laid out, then are appended to the dataset's, so that the
	// memory touched is the dataset's and a few buffers. convOf[i+1] is
	// first the end of user i's conversations in its chunk, then in the
	// dataset.
	const chunk = 1 << 14
	type chunkOut struct {
		at         []int64
		shapes     []shape
		msgs, bots int
		ready      bool
	}
	st.users = make([]skelUser, n)
	outs := make([]chunkOut, (n-1+chunk-1)/chunk)
	est := len(d.at) + expectedConversations(cat, seed, n-1)
	at := append(make([]int64, 0, est), d.at...)
	st.shapes = make([]shape, len(d.at), est)
	var mu sync.Mutex
	var free []chunkOut // buffers laid out, to reuse
	laid := 0           // chunks laid out
	inParallel(len(outs), func(k int) {
		mu.Lock()
		var out chunkOut
		if len(free) > 0 {
			out, free = free[len(free)-1], free[:len(free)-1]
		}
		mu.Unlock()
		lo, hi := 1+k*chunk, min(1+(k+1)*chunk, n)
		convs := make([]convSkel, 0, 8)
		for i := lo; i < hi; i++ {
			st.users[i], convs = cat.skeleton(seed, uint64(i), convs[:0])
			for _, cv := range convs {
				out.at = append(out.at, cv.at)
				out.shapes = append(out.shapes, cv.shape)
				u, b := cv.shape.messages()
				out.msgs += u
				out.bots += b
			}
			d.convOf[i+1] = uint32(len(out.at))
		}
		out.ready = true
		mu.Lock()
		defer mu.Unlock()
		outs[k] = out
		for ; laid < len(outs) && outs[laid].ready; laid++ {
			o := &outs[laid]
			base := uint32(len(at))
			at = append(at, o.at...)
			st.shapes = append(st.shapes, o.shapes...)
			lo, hi := 1+laid*chunk, min(1+(laid+1)*chunk, n)
			for i := lo; i < hi; i++ {
				d.convOf[i+1] += base
			}
			d.messages += o.msgs
			d.botCount += o.bots
			free = append(free, chunkOut{at: o.at[:0], shapes: o.shapes[:0]})
			*o = chunkOut{}
		}
	})
	if len(at) > maxSeededConversations {
		return nil, fmt.Errorf("%d users have %d conversations: want at most %d", n, len(at), maxSeededConversations)
	}
	d.convOf[1] = uint32(len(ex.at))
	d.at, st.at, st.convOf = at, at, d.convOf
	st.sizes = make([]atomic.Uint32, len(at))
	d.index()
	// A dataset whose every conversation fits in half the cache (the
	// default one does, many times over) is encoded in the background
	// once serving can start: its queries find everything warm, as when
	// every message was encoded at start, without waiting for it.
	// It is then held apart from the cache, by index, read without a
	// lock: an answer is as cheap as from bytes encoded at start.
	if int64(d.messages)*warmBytesPerMessage <= cacheBytes/2 {
		st.pinned = make([]atomic.Pointer[encodedConv], len(d.at))
		st.pinnedHeads = make([]atomic.Pointer[encodedConv], n)
		go func() {
			for c := len(ex.at); c < len(d.at); c++ {
				u := d.userOf(uint32(c))
				if c == int(d.convOf[u]) {
					st.heads(u)
				}
				st.conv(u, c)
			}
		}()
	}
	return d, nil
}

// expectedConversations is about how many conversations n users of
// seed have, rather more than less (an array of that capacity is touched
// only as far as it is filled): the mean of a sample of users, with room
// for five standard errors of it and six standard deviations of the sum.
func expectedConversations(cat *catalog, seed uint64, n int) int {
	const sample = 2048
	if n <= sample {
		return 5 * n // at most five each
	}
	var sum, sq float64
	var convs []convSkel
	for k := range sample {
		_, convs = cat.skeleton(seed, uint64(1+k*(n/sample)), convs[:0])
		x := float64(len(convs))
		sum, sq = sum+x, sq+x*x
	}
	mean := sum / sample
	sd := math.Sqrt(max(sq/sample-mean*mean, 0))
	nf := float64(n)
	return int(mean*nf+5*sd*nf/math.Sqrt(sample)+6*sd*math.Sqrt(nf)) + 1024
}

// maxSeededConversations is the most conversations a seeded dataset
// holds: their indexes are 32-bit, below headKey.
const maxSeededConversations = headKey - 1

// inParallel calls fn(0) to fn(n-1) on GOMAXPROCS goroutines, each taking
// the next index in turn.
func inParallel(n int, fn func(k int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				fn(k)
			}
		}()
	}
	wg.Wait()
}

// warmBytesPerMessage is about what a user message costs in the cache.
const warmBytesPerMessage = 256

// UsersForMessages is about how many users of seed in w send messages
// user messages: the mean of a sample of users, which is the same for a
// seed and window whatever the size.
func UsersForMessages(seed uint64, w Window, messages int64) int {
	if messages <= 0 {
		return 1
	}
	cat := newCatalog(seed, w)
	const sample = 4096
	var sent int64
	var convs []convSkel
	for i := uint64(1); i <= sample; i++ {
		_, convs = cat.skeleton(seed, i, convs[:0])
		for _, cv := range convs {
			u, _ := cv.shape.messages()
			sent += int64(u)
		}
	}
	n := 1 + (max(messages-2, 0)*sample+sent-1)/max(sent, 1) // the page's user has 2
	return int(min(n, MaxSeededUsers))
}

// CacheStats are the figures of the dataset's cache of encoded
// conversations; zero for a dataset given whole.
func (d *Dataset) CacheStats() CacheStats {
	if s, ok := d.st.(*lazyStore); ok {
		st := s.cache.stats()
		st.Conversations = int64(len(s.sizes) - int(s.convOf[min(1, len(s.convOf)-1)]))
		st.Sized = s.sized.Load()
		return st
	}
	return CacheStats{}
}

// attribute kinds: how a generated user's attribute is rendered.
const (
	attrNone = iota
	attrEmail
	attrScenario
	attrBrowser
	attrIP
	attrCountry
	attrLanguage
	attrOS
	attrTimezone
	attrPlatform
)

func attributeKinds(names []string) []uint8 {
	kinds := map[string]uint8{"email": attrEmail, "selected_scenario": attrScenario, "browser": attrBrowser,
		"ip_address": attrIP, "country": attrCountry, "browser_language": attrLanguage, "os": attrOS,
		"timezone": attrTimezone, "platform": attrPlatform}
	out := make([]uint8, len(names))
	for i, n := range names {
		out[i] = kinds[n]
	}
	return out
}

// lazyStore holds generated users as skeletons, and makes a conversation's
// messages when a query needs them. User 0, the page's example, is held
// whole.
type lazyStore struct {
	cat     *catalog
	seed    uint64
	example *eagerStore
	users   []skelUser // index 0 unused: the example
	shapes  []shape    // by conversation
	at      []int64    // the dataset's
	convOf  []uint32   // the dataset's
	cache   *convCache
	kinds   []uint8 // by contract attribute
	// sizes remembers each conversation's encoded length once made (0:
	// not yet), so that sizing an answer twice makes it once.
	sizes []atomic.Uint32
	sized atomic.Int64 // how many of sizes are known
	// pinned (by conversation) and pinnedHeads (by user) hold a small
	// dataset's conversations and heads once made, outside the cache;
	// nil for a larger one.
	pinned, pinnedHeads []atomic.Pointer[encodedConv]
	// headSizesOf is each user's head and mid length once known (see
	// headSizes).
	headSizesOf   []atomic.Uint32
	headSizesOnce sync.Once
	// kept is the bytes of runs that answers sized but not yet written
	// keep for their writers, all answers together: at most about the
	// cache's size, however many answers are in flight.
	kept atomic.Int64
}

// pin is what pinned[k] holds, made by make if it holds nothing yet.
func (s *lazyStore) pin(pinned []atomic.Pointer[encodedConv], k int, make func() *encodedConv) *encodedConv {
	if e := pinned[k].Load(); e != nil {
		s.cache.hits.Add(1)
		return e
	}
	s.cache.misses.Add(1)
	e := make()
	if pinned[k].CompareAndSwap(nil, e) {
		s.cache.pinned.Add(int64(len(e.buf)+16*len(e.msgs)) + 96)
		return e
	}
	return pinned[k].Load() // made meanwhile by another query: the same bytes
}

func (s *lazyStore) convBytes(u, c int) int {
	if u == 0 {
		return s.example.convBytes(0, c)
	}
	if n := s.sizes[c].Load(); n > 0 {
		return int(n)
	}
	return len(s.conv(u, c).buf)
}

func (s *lazyStore) lookup(id string) (int, bool) {
	if u, ok := s.example.lookup(id); ok {
		return u, true
	}
	i, ok := candidateIndex(s.seed, id)
	if !ok || i == 0 || i >= uint64(len(s.users)) {
		return 0, false
	}
	var buf [96]byte
	if string(s.cat.appendUserID(buf[:0], s.seed, &s.users[i], i)) != id {
		return 0, false
	}
	return int(i), true
}

func (s *lazyStore) match(u, a int, m *likeMatcher, scratch []byte) (bool, []byte) {
	if u == 0 {
		return s.example.match(0, a, m, scratch)
	}
	sk := &s.users[u]
	c := &s.cat.countries[sk.country]
	b := scratch[:0]
	switch s.kinds[a] {
	case attrEmail:
		if sk.flags&flagKnown == 0 {
			return false, b
		}
		b = s.cat.appendEmail(b, sk, uint64(u))
	case attrScenario:
		if sk.flags&flagScenario == 0 {
			return false, b
		}
		b = append(b, s.cat.scenarios[sk.scenario].name...)
	case attrBrowser:
		if sk.browser == 0 {
			return false, b
		}
		b = appendBrowser(b, sk)
	case attrIP:
		if sk.flags&(flagIPv4|flagIPv6) == 0 {
			return false, b
		}
		b = appendIP(b, sk)
	case attrCountry:
		b = append(b, c.code...)
	case attrLanguage:
		b = append(b, c.languages[sk.tag]...)
	case attrOS:
		b = append(b, oses[sk.os]...)
	case attrTimezone:
		b = append(b, c.zones[sk.zone]...)
	case attrPlatform:
		b = append(b, platforms[sk.platform]...)
	default:
		return false, b
	}
	for j, ch := range b { // generated values are ASCII
		if 'A' <= ch && ch <= 'Z' {
			b[j] = ch + 'a' - 'A'
		}
	}
	return m.matchBytes(b), b
}

func (s *lazyStore) appendHead(dst []byte, u int) []byte {
	if u == 0 {
		return s.example.appendHead(dst, 0)
	}
	e := s.heads(u)
	return append(dst, e.buf[:e.msgs[0].off]...)
}

func (s *lazyStore) appendMid(dst []byte, u int) []byte {
	if u == 0 {
		return s.example.appendMid(dst, 0)
	}
	e := s.heads(u)
	return append(dst, e.buf[e.msgs[0].off:]...)
}

// heads is user u's head and mid, back to back (the mid at msgs[0].off),
// kept in the cache beside conversations under keys of their own.
func (s *lazyStore) heads(u int) *encodedConv {
	make := func() *encodedConv {
		b, mid := s.appendHeads(nil, u)
		return &encodedConv{buf: b, msgs: []convMsg{{off: uint32(mid)}}}
	}
	if s.pinnedHeads != nil {
		return s.pin(s.pinnedHeads, u, make)
	}
	return s.cache.get(headKey|uint32(u), make)
}

// headKey marks a cache key as a user's head: conversation indexes stay
// below it (MaxSeededUsers users have at most 2e9 conversations).
const headKey = 1 << 31

func (s *lazyStore) convMessages(c int) int {
	if c < int(s.convOf[1]) {
		return s.example.convMessages(c)
	}
	n, _ := s.shapes[c].messages()
	return n
}

func (s *lazyStore) conv(u, c int) *encodedConv {
	if u == 0 {
		return s.example.conv(0, c)
	}
	make := func() *encodedConv { return s.make(u, c) }
	if s.pinned != nil {
		return s.pin(s.pinned, c, make)
	}
	return s.cache.get(uint32(c), make)
}

// make makes conversation c of user u and encodes its user messages.
func (s *lazyStore) make(u, c int) *encodedConv {
	m := makers.Get().(*maker)
	e := m.make(s, u, c)
	makers.Put(m)
	return e
}

// maker is the scratch space of making conversations, reused: messages
// and bytes are made in it, then copied out at their size. It keeps the
// persona of the last user it made a conversation of: an answer makes a
// user's conversations one after the other.
type maker struct {
	msgs []Message
	buf  []byte
	off  []convMsg
	st   *lazyStore
	u    int
	p    persona
}

var makers = sync.Pool{New: func() any { return new(maker) }}

func (m *maker) make(s *lazyStore, u, c int) *encodedConv {
	var e encodedConv
	m.buf, m.off = m.appendConv(m.buf[:0], m.off[:0], s, u, c, &e)
	return &encodedConv{buf: append(make([]byte, 0, len(e.buf)), e.buf...), msgs: append(make([]convMsg, 0, len(e.msgs)), e.msgs...)}
}

// appendConv appends conversation c of user u's encoded user messages to
// buf and their places to msgs, and points e at them; it remembers the
// conversation's size.
func (m *maker) appendConv(buf []byte, msgs []convMsg, s *lazyStore, u, c int, e *encodedConv) ([]byte, []convMsg) {
	if m.st != s || m.u != u {
		s.cat.fillPersona(&m.p, detailsFaker(s.seed, uint64(u)), &s.users[u], uint64(u))
		m.st, m.u = s, u
	}
	k := c - int(s.convOf[u])
	m.msgs = s.cat.appendConversation(m.msgs[:0], s.seed, uint64(u), k, &m.p, convSkel{at: s.at[c], shape: s.shapes[c]}, false)
	start, first := len(buf), len(msgs)
	for j := range m.msgs {
		off := len(buf)
		buf = appendInteraction(buf, &m.msgs[j])
		msgs = append(msgs, convMsg{at: m.msgs[j].Date.Unix(), off: uint32(off - start), end: uint32(len(buf) - start)})
	}
	clear(m.msgs) // hold no texts for the pool
	e.buf, e.msgs = buf[start:len(buf):len(buf)], msgs[first:len(msgs):len(msgs)]
	s.learnSize(c, len(e.buf))
	return buf, msgs
}

// headSize is the length of user u's head and mid.
func (s *lazyStore) headSize(u int) int {
	hs := s.headSizes()
	if n := hs[u].Load(); n > 0 {
		return int(n)
	}
	n := len(s.heads(u).buf)
	hs[u].Store(uint32(n))
	return n
}

// headSizes is each user's head and mid length once known (0: not yet),
// allocated when first needed.
func (s *lazyStore) headSizes() []atomic.Uint32 {
	s.headSizesOnce.Do(func() { s.headSizesOf = make([]atomic.Uint32, len(s.users)) })
	return s.headSizesOf
}

// appendHeads appends user u's head and mid, made, not from the cache,
// and tells where the mid starts.
func (s *lazyStore) appendHeads(dst []byte, u int) ([]byte, int) {
	if u == 0 {
		dst = s.example.appendHead(dst, 0)
		mid := len(dst)
		return s.example.appendMid(dst, 0), mid
	}
	// appendHead and appendMid's bytes, written without making strings:
	// the ID is escaped once and copied where it goes again (its e-mail
	// too, for a user the webchat knows), the name escaped in two halves.
	sk := &s.users[u]
	dst = append(dst, '{')
	idLo := len(dst)
	dst = s.appendQuotedID(dst, sk, u)
	idHi := len(dst)
	dst = append(dst, `:{"chatbot_user_data":{"id":`...)
	dst = append(dst, dst[idLo:idHi]...)
	dst = append(dst, `,"name":`...)
	if sk.flags&flagKnown == 0 {
		dst = append(dst, `null,"email":null`...)
	} else {
		c := &s.cat.countries[sk.country]
		names := s.cat.nameList(c, c.languages[sk.tag])
		dst = contract.AppendString(dst, names.first[sk.first])
		dst[len(dst)-1] = ' ' // the closing quote, and the last name's opening one dropped
		n := len(dst)
		dst = contract.AppendString(dst, names.last[sk.last])
		dst = dst[:n+copy(dst[n:], dst[n+1:])]
		dst = append(dst, `,"email":`...)
		dst = append(dst, dst[idLo:idHi]...)
	}
	dst = append(dst, `},"from":"`...)
	mid := len(dst)
	dst = append(dst, `","user_id":`...)
	return append(dst, dst[idLo:idHi]...), mid
}

// appendQuotedID appends user u's ID as a JSON string.
func (s *lazyStore) appendQuotedID(dst []byte, sk *skelUser, u int) []byte {
	start := len(dst)
	dst = append(dst, '"')
	dst = s.cat.appendUserID(dst, s.seed, sk, uint64(u))
	for _, ch := range dst[start+1:] {
		if ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '/' {
			// Not a plain ID (never generated): escaped by the book.
			id := string(dst[start+1:])
			return contract.AppendString(dst[:start], id)
		}
	}
	return append(dst, '"')
}

// Answers of many conversations not yet made are made on every CPU: the
// sizes for Content-Length first, then the bytes ahead of the writer, in
// order, a bounded number of runs ahead.
const (
	aheadMin = 64 // conversations to make before it is worth it
	aheadRun = 64 // conversations a worker makes at a time, about
)

// runs cuts groups into runs of whole groups of about aheadRun
// conversations: the bounds of each run, as indexes into groups.
func runs(groups []group) []int {
	cuts := []int{0}
	n := 0
	for i := range groups {
		n += int(groups[i].ch - groups[i].cl)
		if n >= aheadRun {
			cuts, n = append(cuts, i+1), 0
		}
	}
	if cuts[len(cuts)-1] != len(groups) {
		cuts = append(cuts, len(groups))
	}
	return cuts
}

// madeRuns is the first runs of an answer, made whole while sizing it,
// for its writer: Size and WriteTo of one Result share it.
type madeRuns struct {
	runs atomic.Pointer[[]*run] // by run number, from 1; nil: not kept
	hold *hold                  // what the runs hold of the store's kept budget
}

// hold is the bytes an answer's kept runs count in their store's kept
// budget. Its writer gives them back when it is done; an answer sized and
// never written (a HEAD request) gives them back when it is collected.
type hold struct {
	s *lazyStore
	n atomic.Int64
}

func (h *hold) release() { h.s.kept.Add(-h.n.Swap(0)) }

// release gives back what m's runs hold of the kept budget.
func (m *madeRuns) release() {
	if m != nil && m.hold != nil {
		m.hold.release()
	}
}

// sizeAhead learns, on every CPU, the sizes of an answer's users' heads
// and whole conversations that were never made, when there are many. The
// answer's first runs are kept whole in made for the writer, while all
// answers' kept runs together are less than the cache's size in bytes;
// the others are made only to be measured.
func (s *lazyStore) sizeAhead(groups []group, made *madeRuns) {
	unknown := 0
	for i := 0; i < len(groups) && unknown < aheadMin; i++ {
		g := &groups[i]
		for c := g.cl; c < g.ch && unknown < aheadMin; c++ {
			if s.sizes[c].Load() == 0 {
				unknown++
			}
		}
	}
	if unknown < aheadMin {
		return
	}
	hs := s.headSizes()
	cuts := runs(groups)
	// An answer that fits in half the cache is made into it, for its
	// writer and for the queries after; a larger one keeps its first
	// runs, up to the cache's size, for its writer alone.
	cache := s.pinned != nil || s.answerBytes(groups) <= s.cache.max()/2
	budget := s.cache.max()
	if made == nil || cache {
		budget = 0
	}
	var keptRuns []*run
	var h *hold
	if budget > 0 {
		keptRuns = make([]*run, len(cuts))
		defer made.runs.Store(&keptRuns)
		made.release() // sized before: its runs are replaced
		h = &hold{s: s}
		made.hold = h
		runtime.AddCleanup(made, (*hold).release, h)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(cuts)-1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := makers.Get().(*maker)
			defer makers.Put(m)
			var e encodedConv
			for {
				b := int(next.Add(1))
				if b >= len(cuts) {
					return
				}
				gs := groups[cuts[b-1]:cuts[b]]
				if s.kept.Load() < budget { // shared by every answer in flight
					r := &run{ready: make(chan struct{}), buf: make([]byte, 0, 600*aheadRun)}
					s.makeRun(r, gs, m, false)
					n := int64(cap(r.buf) + 16*cap(r.msgs) + 24*cap(r.convs))
					s.kept.Add(n)
					h.n.Add(n)
					keptRuns[b] = r
					continue
				}
				for _, g := range gs {
					u := int(g.u)
					if u == 0 {
						continue
					}
					switch {
					case hs[u].Load() != 0:
					case cache:
						hs[u].Store(uint32(len(s.heads(u).buf)))
					default:
						m.buf, _ = s.appendHeads(m.buf[:0], u)
						hs[u].Store(uint32(len(m.buf)))
					}
					for c := int(g.cl); c < int(g.ch); c++ {
						switch {
						case s.sizes[c].Load() != 0:
						case cache:
							s.conv(u, c)
						default:
							m.buf, m.off = m.appendConv(m.buf[:0], m.off[:0], s, u, c, &e)
							s.cache.misses.Add(1)
						}
					}
				}
			}
		}()
	}
	wg.Wait()
}

// answerBytes is about how many bytes groups' conversations are: their
// sizes, or a guess for those never made.
func (s *lazyStore) answerBytes(groups []group) int64 {
	var bytes int64
	for i := range groups {
		for c := groups[i].cl; c < groups[i].ch; c++ {
			if n := s.sizes[c].Load(); n > 0 {
				bytes += int64(n)
			} else {
				bytes += 512
			}
		}
	}
	return bytes
}

// makeRun makes groups' heads and conversations into r, and closes
// r.ready. Conversations are taken from the cache, and kept there if
// keep is set; else those it lacks are made in r's own room.
func (s *lazyStore) makeRun(r *run, gs []group, m *maker, keep bool) {
	hs := s.headSizes()
	for _, g := range gs {
		u := int(g.u)
		start := len(r.buf)
		var mid int
		if keep && u != 0 { // from the cache, as its conversations
			e := s.heads(u)
			r.buf, mid = append(r.buf, e.buf...), start+int(e.msgs[0].off)
		} else {
			r.buf, mid = s.appendHeads(r.buf, u)
		}
		r.heads = append(r.heads, start, mid, len(r.buf))
		if u != 0 {
			hs[u].Store(uint32(len(r.buf) - start))
		}
		for c := int(g.cl); c < int(g.ch); c++ {
			var e encodedConv
			switch {
			case u == 0:
				e = *s.example.conv(0, c)
			case keep:
				e = *s.conv(u, c)
			default:
				if p := s.cache.peek(uint32(c)); p != nil {
					e = *p
				} else {
					r.buf, r.msgs = m.appendConv(r.buf, r.msgs, s, u, c, &e)
					s.cache.misses.Add(1)
				}
			}
			r.convs = append(r.convs, e)
		}
	}
	close(r.ready)
}

// ahead makes an answer's heads and conversations on every CPU ahead of
// the writer, which takes them in order. Memory is bounded: at most a few
// runs per CPU are made and not yet written, and their room is reused.
type ahead struct {
	order chan *run
	free  chan *run
	stop  chan struct{}
	cur   *run
	g, c  int // the current run's next group and conversation
}

// run is a run of groups, made: each group's head and mid, and its
// conversations, from the cache or made in the run's own room.
type run struct {
	heads []int // per group, where its head, mid and end are in buf
	convs []encodedConv
	buf   []byte
	msgs  []convMsg
	ready chan struct{} // closed once made
}

// makeAhead starts making groups' heads and conversations, but for the
// runs made already (made, from Size). Conversations are taken from the
// cache, and if the answer fits in half of it they are kept there; a
// larger answer would only push out what other queries use, and is made
// in the runs' room.
func (s *lazyStore) makeAhead(groups []group, made *madeRuns) *ahead {
	workers := runtime.GOMAXPROCS(0)
	a := &ahead{order: make(chan *run, 2*workers), free: make(chan *run, 3*workers+1), stop: make(chan struct{})}
	keep := s.answerBytes(groups) <= s.cache.max()/2
	var kept []*run
	if made != nil {
		if p := made.runs.Swap(nil); p != nil { // the writer's now, once
			kept = *p
		}
	}
	jobs := make(chan func())
	go func() {
		defer close(a.order)
		defer close(jobs)
		cuts := runs(groups)
		for b := 1; b < len(cuts); b++ {
			if b < len(kept) && kept[b] != nil {
				select {
				case a.order <- kept[b]:
					kept[b] = nil
					continue
				case <-a.stop:
					return
				}
			}
			var r *run
			select {
			case r = <-a.free:
				r.heads, r.convs, r.buf, r.msgs = r.heads[:0], r.convs[:0], r.buf[:0], r.msgs[:0]
			default:
				r = &run{}
			}
			r.ready = make(chan struct{})
			gs := groups[cuts[b-1]:cuts[b]]
			job := func() {
				m := makers.Get().(*maker)
				defer makers.Put(m)
				s.makeRun(r, gs, m, keep)
			}
			select {
			case a.order <- r:
			case <-a.stop:
				return
			}
			select {
			case jobs <- job:
			case <-a.stop:
				return
			}
		}
	}()
	for range workers {
		go func() {
			for job := range jobs {
				job()
			}
		}()
	}
	return a
}

// group is the next group's head and mid.
func (a *ahead) group() (head, mid []byte) {
	if a.cur == nil || a.g == len(a.cur.heads) {
		if a.cur != nil {
			select {
			case a.free <- a.cur:
			default:
			}
		}
		a.cur, a.g, a.c = <-a.order, 0, 0
		<-a.cur.ready
	}
	h := a.cur.heads[a.g : a.g+3]
	a.g += 3
	return a.cur.buf[h[0]:h[1]], a.cur.buf[h[1]:h[2]]
}

// next is the current group's next conversation.
func (a *ahead) next() *encodedConv {
	a.c++
	return &a.cur.convs[a.c-1]
}

// close lets the workers go once the writer is done, whether or not it
// took everything.
func (a *ahead) close() { close(a.stop) }
