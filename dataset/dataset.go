package dataset

import (
	"cmp"
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
	messages int // user-sent messages
	botCount int // bot messages (held by the source, never served)
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
}

// sortByTime is the indexes of at sorted by (at, index). Anchors that fit
// a bounded range are counted into buckets of 64 seconds, then each small
// bucket sorted: linear time for a hundred million conversations.
func sortByTime(at []int64) []uint32 {
	out := make([]uint32, len(at))
	if len(at) == 0 {
		return out
	}
	lo, hi := slices.Min(at), slices.Max(at)
	buckets := (hi-lo)>>6 + 1
	if buckets > int64(4*len(at)+1<<16) { // sparse: a plain sort is cheaper
		for i := range out {
			out[i] = uint32(i)
		}
		slices.SortFunc(out, func(a, b uint32) int {
			return cmp.Or(cmp.Compare(at[a], at[b]), cmp.Compare(a, b))
		})
		return out
	}
	start := make([]uint32, buckets+1)
	for _, t := range at {
		start[(t-lo)>>6+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	next := slices.Clone(start[:buckets])
	for i, t := range at {
		b := (t - lo) >> 6
		out[next[b]] = uint32(i)
		next[b]++
	}
	for b := range buckets {
		run := out[start[b]:start[b+1]]
		for x := 1; x < len(run); x++ { // insertion sort, stable: indexes stay in order
			for y := x; y > 0 && at[run[y]] < at[run[y-1]]; y-- {
				run[y], run[y-1] = run[y-1], run[y]
			}
		}
	}
	return out
}

// userOf is the user of conversation c.
func (d *Dataset) userOf(c uint32) int {
	return sort.Search(d.users, func(u int) bool { return d.convOf[u+1] > c })
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

// filter is a query's filter on one attribute.
type filter struct {
	attr int
	m    likeMatcher
}

// Query answers q: users by ID, or the users with conversations near the
// range (from the timeline, or all of them when the range holds more
// conversations than there are users), then each user's filters, then
// their messages in the range. Only conversations that straddle the
// range's bounds are looked into; the answer's messages are made and
// encoded when it is written.
func (d *Dataset) Query(q contract.Query) Result {
	from, to := q.From.Unix(), q.To.Unix()
	r := Result{d: d, from: newTimestamp(q.From), to: newTimestamp(q.To), applied: appliedFilters(q), made: new(madeRuns)}
	if from > to {
		return r
	}
	filters := make([]filter, 0, len(q.Filters))
	for _, f := range q.Filters {
		i := slices.Index(d.attributes, f.Attribute)
		if i < 0 {
			// The contract never lets an unknown filter through; if one
			// came from the Go API, nobody has that attribute.
			return r
		}
		filters = append(filters, filter{attr: i, m: newLikeMatcher(f.Value)})
	}
	var scratch []byte
	consider := func(u int) {
		for i := range filters {
			var ok bool
			if ok, scratch = d.st.match(u, filters[i].attr, &filters[i].m, scratch); !ok {
				return
			}
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
	// Candidates in user order, so that users whose first messages share
	// a second keep the dataset's order through the stable sort.
	tl := d.timeline
	tlo := sort.Search(len(tl), func(j int) bool { return d.at[tl[j]] >= from-d.span })
	thi := tlo + sort.Search(len(tl)-tlo, func(j int) bool { return d.at[tl[tlo+j]] > to })
	if thi-tlo < d.users {
		users := make([]uint32, 0, thi-tlo)
		for _, c := range tl[tlo:thi] {
			users = append(users, uint32(d.userOf(c)))
		}
		slices.Sort(users)
		for _, u := range slices.Compact(users) {
			consider(int(u))
		}
	} else {
		for u := range d.users {
			consider(u)
		}
	}
	sortGroups(r.groups)
	return r
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
		g := &r.groups[i]
		for c := g.cl; c < g.ch; c++ {
			lo, hi := 0, -1
			if c == g.cl {
				lo = int(g.lo)
			}
			if c == g.ch-1 {
				hi = int(g.hi)
			}
			if hi < 0 {
				hi = r.d.st.convMessages(int(c))
			}
			n += hi - lo
		}
	}
	return n
}
