package dataset

import (
	"cmp"
	"runtime"
	"slices"
	"sort"

	"github.com/odmock/odmock/contract"
)

// Dataset is an immutable, indexed set of users and their conversations,
// ready to answer queries. What it searches is small: per conversation the
// time of its first user message (its anchor), per user their
// conversations and attributes. The messages themselves come from a store:
// encoded once at New for users given whole (fixtures, recordings), or
// made and encoded when a query first needs them for a seeded dataset
// (NewSeeded), kept in a bounded cache. Either way an answer is a
// concatenation of pre-encoded messages, with its exact length known
// before it is streamed.
type Dataset struct {
	attributes []string // filter names, from the contract
	st         store
	users      int
	// convOf[u]:convOf[u+1] are user u's conversations, in time order.
	convOf []uint32
	// at is each conversation's anchor, Unix seconds: its first user
	// message. Its user messages are at most span seconds later.
	at   []int64
	span int64
	// timeline is every conversation by anchor, then index (so by user
	// within a second): a narrow range finds its users without looking
	// at the others.
	timeline []uint32
	// userAt[b] is the user of conversation b<<userBlockBits: userOf
	// searches convOf only between two of them.
	userAt   []uint32
	messages int // user-sent messages
	botCount int // bot messages (held by the source, never served)
	// source gives user i whole, bot messages and attributes as written:
	// the fixture's user, or the seeded user made again. Only explanations
	// and the console read it, never a query.
	source func(i int) User
}

// store is where a dataset's users and messages come from: users given
// whole (eagerStore) or generated from a seed (lazyStore).
type store interface {
	// lookup is the index of the user with the ID, compared exactly.
	lookup(id string) (int, bool)
	// match reports whether user u has attribute a (an index into the
	// contract's attributes) and its value matches m, in scratch space.
	match(u, a int, m *likeMatcher, scratch []byte) (bool, []byte)
	// appendHead appends `{"<id>":{"chatbot_user_data":{...},"from":"`
	// and appendMid `","user_id":"<id>"`: the query's bounds go between
	// them, its applied filters after.
	appendHead(dst []byte, u int) []byte
	appendMid(dst []byte, u int) []byte
	// conv is conversation c of user u, its user-sent messages encoded.
	conv(u, c int) *encodedConv
	// convMessages is the number of user-sent messages of conversation c,
	// and convBytes the length of their JSON, back to back.
	convMessages(c int) int
	convBytes(u, c int) int
}

// encodedConv is the user-sent messages of a conversation, encoded:
// message j is buf[msgs[j].off:msgs[j].end], back to back in date order.
type encodedConv struct {
	buf  []byte
	msgs []convMsg
}

// convMsg is a user-sent message: its time and where its JSON is.
type convMsg struct {
	at       int64 // Unix seconds
	off, end uint32
}

// Users is the number of users in the dataset.
func (d *Dataset) Users() int { return d.users }

// Messages is the number of user-sent messages, the ones queries can return.
func (d *Dataset) Messages() int { return d.messages }

// BotMessages is the number of bot messages, which queries never return.
func (d *Dataset) BotMessages() int { return d.botCount }

// Conversations is the number of conversations with a user message.
func (d *Dataset) Conversations() int { return len(d.at) }

// index builds the timeline, once convOf and at are filled.
func (d *Dataset) index() {
	d.timeline = sortByTime(d.at)
	d.userAt = blockUsers(d.convOf, len(d.at))
}

// userBlockBits sets the blocks of conversations userAt indexes: 256
// conversations, about 150 users of a generated dataset, so that userOf
// searches a few hundred bytes of convOf, not all of it (at 100M user
// messages a day's 76,000 conversations took 50 ms to find their users
// by a search of all 16 million; userAt is 4 bytes per block).
const userBlockBits = 8

// blockUsers is the user of conversations 0, 1<<userBlockBits, 2<<... up
// to n: convOf[u]:convOf[u+1] are user u's conversations.
func blockUsers(convOf []uint32, n int) []uint32 {
	out := make([]uint32, (n+1<<userBlockBits-1)>>userBlockBits)
	u := 0
	for b := range out {
		c := uint32(b) << userBlockBits
		for convOf[u+1] <= c {
			u++
		}
		out[b] = uint32(u)
	}
	return out
}

// sortByTime is the indexes of at sorted by (at, index): linear time
// for a hundred million conversations, on every core. Anchors are
// counted into buckets of 4096 seconds, each bucket's indexes written in
// order with their seconds in the bucket beside them, then each bucket
// sorted on its own: small ones by insertion, large ones by counting.
// Anchors too sparse for buckets get a plain sort.
func sortByTime(at []int64) []uint32 {
	out := make([]uint32, len(at))
	if len(at) == 0 {
		return out
	}
	parts := min(runtime.GOMAXPROCS(0), len(at)/(1<<16)+1)
	part := func(p int) (int, int) { return p * len(at) / parts, (p + 1) * len(at) / parts }
	los, his := make([]int64, parts), make([]int64, parts)
	inParallel(parts, func(p int) {
		l, h := part(p)
		lo, hi := at[l], at[l]
		for _, t := range at[l:h] {
			lo, hi = min(lo, t), max(hi, t)
		}
		los[p], his[p] = lo, hi
	})
	lo, hi := slices.Min(los), slices.Max(his)
	buckets := uint64(hi-lo)>>bucketBits + 1
	if uint64(hi-lo) >= 1<<40 || buckets > uint64(4*len(at)+1<<16) {
		for i := range out {
			out[i] = uint32(i)
		}
		slices.SortFunc(out, func(a, b uint32) int {
			return cmp.Or(cmp.Compare(at[a], at[b]), cmp.Compare(a, b))
		})
		return out
	}
	// Counts per bucket in each part of at, then where each part's
	// entries of a bucket go: after the earlier parts', so indexes stay
	// in order.
	next := make([][]uint32, parts)
	inParallel(parts, func(p int) {
		c := make([]uint32, buckets)
		l, h := part(p)
		for _, t := range at[l:h] {
			c[uint64(t-lo)>>bucketBits]++
		}
		next[p] = c
	})
	start := make([]uint32, buckets+1)
	sum := uint32(0)
	for b := range buckets {
		start[b] = sum
		for p := range parts {
			c := next[p][b]
			next[p][b] = sum
			sum += c
		}
	}
	start[buckets] = sum
	// Each entry's index goes to out and its second in the bucket to fine,
	// in index order within a bucket.
	fine := make([]uint16, len(at))
	inParallel(parts, func(p int) {
		nx := next[p]
		l, h := part(p)
		for i, t := range at[l:h] {
			b := uint64(t-lo) >> bucketBits
			out[nx[b]] = uint32(l + i)
			fine[nx[b]] = uint16(uint64(t-lo) & bucketMask)
			nx[b]++
		}
	})
	// Buckets in runs of about equal size, sorted in parallel.
	const run = 1 << 16
	runs := int(sum/run) + 1
	inParallel(runs, func(k int) {
		var count [1 << bucketBits]uint32
		var keyed []uint64
		b0, _ := slices.BinarySearch(start, uint32(k*run))
		b1, _ := slices.BinarySearch(start, uint32(min((k+1)*run, len(at))))
		for b := b0; b < b1 && b < int(buckets); b++ {
			l, h := start[b], start[b+1]
			keyed = keyed[:0]
			for j := l; j < h; j++ {
				keyed = append(keyed, uint64(fine[j])<<32|uint64(out[j]))
			}
			sortBucket(keyed, out[l:h], &count)
		}
	})
	return out
}

const (
	bucketBits = 12
	bucketMask = 1<<bucketBits - 1
)

// sortBucket writes the indexes of keyed, entries (second<<32 | index),
// to out in order; count is scratch space.
func sortBucket(keyed []uint64, out []uint32, count *[1 << bucketBits]uint32) {
	if len(keyed) < 64 {
		for x := 1; x < len(keyed); x++ {
			for y := x; y > 0 && keyed[y] < keyed[y-1]; y-- {
				keyed[y], keyed[y-1] = keyed[y-1], keyed[y]
			}
		}
		for x, v := range keyed {
			out[x] = uint32(v)
		}
		return
	}
	clear(count[:])
	for _, v := range keyed {
		count[v>>32]++
	}
	sum := uint32(0)
	for s, c := range count {
		count[s] = sum
		sum += c
	}
	for _, v := range keyed {
		out[count[v>>32]] = uint32(v)
		count[v>>32]++
	}
}

// userOf is the user of conversation c.
func (d *Dataset) userOf(c uint32) int {
	b := int(c >> userBlockBits)
	lo, hi := int(d.userAt[b]), d.users-1
	if b+1 < len(d.userAt) {
		hi = int(d.userAt[b+1])
	}
	return lo + sort.Search(hi-lo, func(i int) bool { return d.convOf[lo+i+1] > c })
}

// Result is the answer to a query: the matching users, in order of their
// first message in the range, each with the range of their messages.
type Result struct {
	d *Dataset
	// from and to are the query's bounds, formatted: a timestamp always has
	// the same length, so they fit in arrays and cost no allocation.
	from, to timestamp
	// applied is `,"selected_scenario":...,"browser":...,"interactions":[`:
	// the filters the query applied, the same for every user.
	applied string
	groups  []group
	// made is what sizing the answer made that writing it uses (a
	// seeded dataset's large answers): Size fills it, WriteTo takes it.
	made *madeRuns
}

// group is a user of a result: conversations cl to ch-1, from message lo
// of the first to message hi-1 of the last (hi -1: to its end); the ones
// between are whole.
type group struct {
	u       uint32
	cl, ch  uint32
	lo, hi  int32
	firstAt int64
}

// compiledFilter is one filter of a query, ready to test users.
type compiledFilter struct {
	attr int // index in Dataset.attributes
	m    likeMatcher
}

// compileFilters readies a query's filters; ok is false when one names
// an attribute the dataset does not have.
func (d *Dataset) compileFilters(fs []contract.Filter) (out []compiledFilter, ok bool) {
	out = make([]compiledFilter, 0, len(fs))
	for _, f := range fs {
		i := slices.Index(d.attributes, f.Attribute)
		if i < 0 {
			return nil, false
		}
		out = append(out, compiledFilter{attr: i, m: newLikeMatcher(f.Value)})
	}
	return out, true
}

// filterer tests users against compiled filters, reusing its scratch
// space across users.
type filterer struct {
	d       *Dataset
	scratch []byte
}

// keeps reports whether user u has f's attribute and it matches.
func (t *filterer) keeps(f *compiledFilter, u int) bool {
	var ok bool
	ok, t.scratch = t.d.st.match(u, f.attr, &f.m, t.scratch)
	return ok
}

// keepsAll reports whether user u passes every filter of fs.
func (t *filterer) keepsAll(fs []compiledFilter, u int) bool {
	for i := range fs {
		if !t.keeps(&fs[i], u) {
			return false
		}
	}
	return true
}

// Query answers q: users by ID, or the users with conversations near the
// range (see candidates), then each user's filters, then their messages
// in the range. Only conversations that straddle the range's bounds are
// looked into; the answer's messages are made and encoded when it is
// written.
func (d *Dataset) Query(q contract.Query) Result {
	from, to := q.From.Unix(), q.To.Unix()
	r := Result{d: d, from: newTimestamp(q.From), to: newTimestamp(q.To), applied: appliedFilters(q), made: new(madeRuns)}
	if from > to {
		return r
	}
	filters, ok := d.compileFilters(q.Filters)
	if !ok {
		// The contract never lets an unknown filter through; if one came
		// from the Go API, nobody has that attribute.
		return r
	}
	ft := filterer{d: d}
	consider := func(u int) {
		if !ft.keepsAll(filters, u) {
			return
		}
		if g, ok := d.groupOf(u, from, to); ok {
			r.groups = append(r.groups, g)
		}
	}
	if q.UserID != "" {
		if u, ok := d.st.lookup(q.UserID); ok {
			consider(u)
		}
		return r
	}
	d.candidates(from, to, consider)
	// Users appear in order of their first message in the range; users
	// whose first messages share a second keep the dataset's order.
	sortGroups(r.groups)
	return r
}

// candidates calls visit, in the dataset's order, for each user who may
// have a message in [from, to]: the users of the conversations the
// timeline finds near the range, or every user when those are more
// conversations than there are users.
func (d *Dataset) candidates(from, to int64, visit func(u int)) {
	tl := d.timeline
	tlo := sort.Search(len(tl), func(j int) bool { return d.at[tl[j]] >= from-d.span })
	thi := tlo + sort.Search(len(tl)-tlo, func(j int) bool { return d.at[tl[tlo+j]] > to })
	if thi-tlo >= d.users {
		for u := range d.users {
			visit(u)
		}
		return
	}
	users := make([]uint32, 0, thi-tlo)
	for _, c := range tl[tlo:thi] {
		users = append(users, uint32(d.userOf(c)))
	}
	slices.Sort(users)
	for _, u := range slices.Compact(users) {
		visit(int(u))
	}
}

// sortGroups sorts groups, which come in user order, by the time of
// their first message, ties in user order (as a stable sort would keep
// them): as numbers, time then place, when they fit in 64 bits.
func sortGroups(gs []group) {
	if len(gs) < 2 {
		return
	}
	lo, hi := gs[0].firstAt, gs[0].firstAt
	for i := range gs {
		lo, hi = min(lo, gs[i].firstAt), max(hi, gs[i].firstAt)
	}
	const placeBits = 29
	if len(gs) >= 1<<placeBits || uint64(hi-lo) >= 1<<(64-placeBits) {
		slices.SortFunc(gs, func(a, b group) int {
			return cmp.Or(cmp.Compare(a.firstAt, b.firstAt), cmp.Compare(a.u, b.u))
		})
		return
	}
	keys := make([]uint64, len(gs))
	for i := range gs {
		keys[i] = uint64(gs[i].firstAt-lo)<<placeBits | uint64(i)
	}
	slices.Sort(keys)
	sorted := make([]group, len(gs))
	for i, k := range keys {
		sorted[i] = gs[k&(1<<placeBits-1)]
	}
	copy(gs, sorted)
}

// groupOf is user u's messages in [from, to], if any.
func (d *Dataset) groupOf(u int, from, to int64) (group, bool) {
	c0, c1 := int(d.convOf[u]), int(d.convOf[u+1])
	c := c0 + sort.Search(c1-c0, func(j int) bool { return d.at[c0+j]+d.span >= from })
	g := group{u: uint32(u)}
	found := false
	for ; c < c1 && d.at[c] <= to; c++ {
		lo, hi, first := 0, -1, d.at[c]
		if d.at[c] < from || d.at[c]+d.span > to {
			// It may straddle a bound: look at its messages.
			e := d.st.conv(u, c)
			lo = sort.Search(len(e.msgs), func(j int) bool { return e.msgs[j].at >= from })
			hi = lo + sort.Search(len(e.msgs)-lo, func(j int) bool { return e.msgs[lo+j].at > to })
			if lo == hi {
				continue // before the range: only the first ones can be
			}
			first = e.msgs[lo].at
			if hi == len(e.msgs) {
				hi = -1
			}
		}
		if !found {
			g.cl, g.lo, g.firstAt, found = uint32(c), int32(lo), first, true
		}
		g.ch, g.hi = uint32(c+1), int32(hi)
	}
	return g, found
}

// messages calls fn with each conversation of g and the range of its
// messages in the answer.
func (r *Result) messages(g *group, fn func(e *encodedConv, lo, hi int)) {
	r.messagesOf(g, r.d.st.conv, fn)
}

// messagesOf is messages, with the conversations taken from conv.
func (r *Result) messagesOf(g *group, conv func(u, c int) *encodedConv, fn func(e *encodedConv, lo, hi int)) {
	for c := g.cl; c < g.ch; c++ {
		e := conv(int(g.u), int(c))
		lo, hi := 0, len(e.msgs)
		if c == g.cl {
			lo = int(g.lo)
		}
		if c == g.ch-1 && g.hi >= 0 {
			hi = int(g.hi)
		}
		fn(e, lo, hi)
	}
}

// echoedFilters are the filters each user of an answer names, as the page
// says: "The scenario filter that was applied", "The browser filter that
// was applied".
var echoedFilters = [...]string{"selected_scenario", "browser"}

// noFiltersApplied is appliedFilters for a query with neither filter.
const noFiltersApplied = `,"selected_scenario":null,"browser":null,"interactions":[`

// appliedFilters encodes the echoed filters of q, the value sent (trimmed
// as Laravel trims it) or null when the filter was not sent. A query
// without them costs no allocation.
func appliedFilters(q contract.Query) string {
	var vals [len(echoedFilters)]*string
	found := false
	for i := range q.Filters {
		if k := slices.Index(echoedFilters[:], q.Filters[i].Attribute); k >= 0 {
			vals[k], found = &q.Filters[i].Value, true
		}
	}
	if !found {
		return noFiltersApplied
	}
	b := make([]byte, 0, len(noFiltersApplied)+64)
	for k, name := range echoedFilters {
		b = append(b, ',')
		b = contract.AppendString(b, name)
		b = append(b, ':')
		if vals[k] == nil {
			b = append(b, "null"...)
		} else {
			b = contract.AppendString(b, *vals[k])
		}
	}
	return string(append(b, `,"interactions":[`...))
}

// Len is the number of users in the result.
func (r Result) Len() int { return len(r.groups) }

// Interactions is the number of interactions in the result.
func (r Result) Interactions() int {
	n := 0
	for i := range r.groups {
		n += r.d.groupMessages(&r.groups[i])
	}
	return n
}

// groupMessages is the number of messages of g.
func (d *Dataset) groupMessages(g *group) int {
	n := 0
	for c := g.cl; c < g.ch; c++ {
		lo, hi := 0, -1
		if c == g.cl {
			lo = int(g.lo)
		}
		if c == g.ch-1 {
			hi = int(g.hi)
		}
		if hi < 0 {
			hi = d.st.convMessages(int(c))
		}
		n += hi - lo
	}
	return n
}

// userTimes is the times of user u's own messages, in order.
func (d *Dataset) userTimes(u int) []int64 {
	var out []int64
	for c := int(d.convOf[u]); c < int(d.convOf[u+1]); c++ {
		for _, m := range d.st.conv(u, c).msgs {
			out = append(out, m.at)
		}
	}
	return out
}
