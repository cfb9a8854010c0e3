package mock

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// AuthorBot is the author of bot messages, as OpenDialog stores them. Every
// other author is the user; the API returns only the user's messages.
const AuthorBot = "them"

// User is one chatbot user and their conversation history: the unit of
// both the generated dataset and fixture files.
type User struct {
	ID   string
	Name *string // nil is JSON null
	// Attributes holds the user's filterable attributes (email, browser,
	// country, ...) by their filter name; a missing one is JSON null.
	Attributes map[string]string
	Messages   []Message
}

// Message is one message of a conversation, sent by the user or the bot.
type Message struct {
	Date   time.Time // UTC; the API has second precision
	Author string    // AuthorBot for the bot, else the user ("me")
	Type   string
	Text   string
	// Data is the message's data as a JSON text in json_encode's escaping
	// (see appendString), or nil for null.
	Data []byte
}

// fromBot reports whether the bot sent the message.
func (m *Message) fromBot() bool { return m.Author == AuthorBot }

// Dataset is an immutable, indexed set of users and their user-sent
// messages, ready to answer queries. Messages are pre-encoded as JSON
// once, so an answer is a concatenation of byte slices: answering costs a
// binary search per user plus the size of the answer.
type Dataset struct {
	attributes []string // filter names, from the contract
	users      []indexedUser
	byID       map[string]int
	messages   int // user-sent messages
	botCount   int // bot messages (held by the source, never served)
	// timeline is every user-sent message by time (then user): a narrow
	// range finds its users without looking at the others.
	timeline []timelineEntry
}

// timelineEntry is one user-sent message in the timeline.
type timelineEntry struct {
	at   int64
	user uint32 // index in Dataset.users
}

// buildTimeline indexes every user-sent message by time.
func (d *Dataset) buildTimeline() {
	d.timeline = make([]timelineEntry, 0, d.messages)
	for i := range d.users {
		for _, m := range d.users[i].msgs {
			d.timeline = append(d.timeline, timelineEntry{at: m.at, user: uint32(i)})
		}
	}
	slices.SortFunc(d.timeline, func(a, b timelineEntry) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(a.user, b.user)
	})
}

// indexedUser is a user as queries see it.
type indexedUser struct {
	id    string
	lower []string // lower-cased attribute values, by contract attribute
	has   []bool   // whether the user has the attribute at all
	// head is `{"<id>":{"chatbot_user_data":{...},"from":"` and mid is
	// `","user_id":...,"interactions":[`; from and to go around "to".
	head, mid []byte
	// buf holds the user's messages as JSON, back to back in date order,
	// so the messages of any range are one contiguous run of it.
	buf  []byte
	msgs []indexedMsg // user-sent messages, by date then position
}

// indexedMsg is a user-sent message: its time and its JSON, buf[off:end].
type indexedMsg struct {
	at       int64 // Unix seconds
	off, end uint32
}

// chunkAlloc hands out byte slices cut from large chunks, so a million
// small message buffers cost a few hundred allocations, and no pointers
// for the garbage collector to chase.
type chunkAlloc struct {
	chunk []byte
}

const chunkSize = 1 << 20

func (a *chunkAlloc) copy(b []byte) []byte {
	if len(b) > chunkSize/4 {
		return append([]byte(nil), b...)
	}
	if cap(a.chunk)-len(a.chunk) < len(b) {
		a.chunk = make([]byte, 0, chunkSize)
	}
	start := len(a.chunk)
	a.chunk = append(a.chunk, b...)
	return a.chunk[start:len(a.chunk):len(a.chunk)]
}

// indexer turns Users into indexedUsers; one per goroutine.
type indexer struct {
	attributes []string
	order      []string // chatbot_user_data's attribute keys
	alloc      chunkAlloc
	scratch    []byte
	messages   int
	bots       int
}

func newIndexer(c *Contract) *indexer {
	return &indexer{attributes: c.attributes, order: attributeOrder(c.attributes)}
}

// attributeOrder is the order of chatbot_user_data's keys after id and name:
// email first, as on the public page, then the other attributes in the
// contract's order.
func attributeOrder(attrs []string) []string {
	out := make([]string, 0, len(attrs))
	if slices.Contains(attrs, "email") {
		out = append(out, "email")
	}
	for _, a := range attrs {
		if a != "email" {
			out = append(out, a)
		}
	}
	return out
}

// NewDataset indexes users for the contract's attributes. User IDs must be
// unique and non-empty, and attribute names must be filters of the contract.
func NewDataset(c *Contract, users []User) (*Dataset, error) {
	d := &Dataset{attributes: c.attributes, byID: make(map[string]int, len(users))}
	ix := newIndexer(c)
	d.users = make([]indexedUser, 0, len(users))
	for i := range users {
		u := &users[i]
		if u.ID == "" {
			return nil, fmt.Errorf("user %d: empty id", i)
		}
		if _, dup := d.byID[u.ID]; dup {
			return nil, fmt.Errorf("user %s: duplicate id", u.ID)
		}
		for name := range u.Attributes {
			if !slices.Contains(c.attributes, name) {
				return nil, fmt.Errorf("user %s: attribute %q is not a filter of the contract (one of %s)",
					u.ID, name, strings.Join(c.attributes, ", "))
			}
		}
		iu, err := ix.index(u)
		if err != nil {
			return nil, err
		}
		d.byID[u.ID] = len(d.users)
		d.users = append(d.users, iu)
	}
	d.messages, d.botCount = ix.messages, ix.bots
	d.buildTimeline()
	return d, nil
}

// NewSeededDataset generates and indexes n users straight into a dataset,
// in parallel, never holding all the generated users at once: the
// dataset Generate(seed, n, w) would give, at a fraction of the memory.
func NewSeededDataset(c *Contract, seed uint64, n int, w Window) (*Dataset, error) {
	d := &Dataset{attributes: c.attributes, users: make([]indexedUser, n), byID: make(map[string]int, n)}
	cat := newCatalog()
	workers := min(runtime.GOMAXPROCS(0), max(n, 1))
	ixs := make([]*indexer, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		ixs[k] = newIndexer(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += workers {
				u := seededUser(cat, seed, i, w)
				iu, err := ixs[k].index(&u)
				if err != nil {
					errs[k] = err
					return
				}
				d.users[i] = iu
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range d.users {
		if _, dup := d.byID[d.users[i].id]; dup {
			return nil, fmt.Errorf("user %s: duplicate id (seed %d)", d.users[i].id, seed)
		}
		d.byID[d.users[i].id] = i
	}
	for _, ix := range ixs {
		d.messages += ix.messages
		d.botCount += ix.bots
	}
	d.buildTimeline()
	return d, nil
}

// index builds a user's query view and encodes their messages.
func (ix *indexer) index(u *User) (indexedUser, error) {
	iu := indexedUser{
		id:    u.ID,
		lower: make([]string, len(ix.attributes)),
		has:   make([]bool, len(ix.attributes)),
	}
	for i, a := range ix.attributes {
		v, ok := u.Attributes[a]
		iu.lower[i], iu.has[i] = strings.ToLower(v), ok
	}

	h := appendString(ix.scratch[:0], u.ID)
	h = append(h, `:{"chatbot_user_data":{"id":`...)
	h = appendString(h, u.ID)
	h = append(h, `,"name":`...)
	if u.Name != nil {
		h = appendString(h, *u.Name)
	} else {
		h = append(h, "null"...)
	}
	for _, a := range ix.order {
		h = append(h, ',')
		h = appendString(h, a)
		h = append(h, ':')
		v, ok := u.Attributes[a]
		h = appendNullableString(h, v, ok)
	}
	h = append(h, `},"from":"`...)
	iu.head = ix.alloc.copy(append([]byte{'{'}, h...))

	m := append(h[:0], `","user_id":`...)
	m = appendString(m, u.ID)
	for _, a := range [...]string{"selected_scenario", "browser"} {
		m = append(m, ',')
		m = appendString(m, a)
		m = append(m, ':')
		v, ok := u.Attributes[a]
		m = appendNullableString(m, v, ok)
	}
	m = append(m, `,"interactions":[`...)
	iu.mid = ix.alloc.copy(m)
	ix.scratch = m

	// Encode the user's messages in date order (file order within a
	// second), so a range of them is one contiguous run of buf.
	sent := make([]*Message, 0, len(u.Messages))
	for i := range u.Messages {
		if msg := &u.Messages[i]; msg.fromBot() {
			ix.bots++
		} else {
			sent = append(sent, msg)
		}
	}
	slices.SortStableFunc(sent, func(a, b *Message) int { return a.Date.Compare(b.Date) })
	iu.msgs = make([]indexedMsg, len(sent))
	buf := ix.scratch[:0]
	for i, msg := range sent {
		off := len(buf)
		buf = appendInteraction(buf, msg)
		if len(buf) > math.MaxUint32 {
			return iu, fmt.Errorf("user %s: messages too large (%d bytes)", u.ID, len(buf))
		}
		iu.msgs[i] = indexedMsg{at: msg.Date.Unix(), off: uint32(off), end: uint32(len(buf))}
	}
	iu.buf = ix.alloc.copy(buf)
	ix.scratch = buf
	ix.messages += len(iu.msgs)
	return iu, nil
}

// appendInteraction encodes a message as the API's interaction object.
func appendInteraction(dst []byte, m *Message) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, m.Type)
	dst = append(dst, `,"date":"`...)
	dst = appendTimestamp(dst, m.Date)
	dst = append(dst, `","text":`...)
	dst = appendString(dst, m.Text)
	dst = append(dst, `,"data":`...)
	if m.Data == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, m.Data...)
	}
	return append(dst, '}')
}

// timestampLayout is how Laravel serialises dates: ISO 8601, microseconds, Z.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// timestamp is a formatted time of years 0 to 9999, the only ones a query
// date (YYYY-MM-DD) can give.
type timestamp [len(timestampLayout)]byte

func newTimestamp(t time.Time) timestamp {
	// Formatting needs room to spare (fractions are written at nanosecond
	// precision, then cut), so it goes through a larger buffer.
	var buf [64]byte
	var ts timestamp
	copy(ts[:], appendTimestamp(buf[:0], t))
	return ts
}

func appendTimestamp(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, timestampLayout)
}

// Users is the number of users in the dataset.
func (d *Dataset) Users() int { return len(d.users) }

// Messages is the number of user-sent messages, the ones queries can return.
func (d *Dataset) Messages() int { return d.messages }

// BotMessages is the number of bot messages, which queries never return.
func (d *Dataset) BotMessages() int { return d.botCount }

// Result is the answer to a query: the matching users, in order of their
// first message in the range, each with the range of their messages.
type Result struct {
	// from and to are the query's bounds, formatted: a timestamp always has
	// the same length, so they fit in arrays and cost no allocation.
	from, to timestamp
	groups   []group
}

type group struct {
	u      *indexedUser
	lo, hi int // u.msgs[lo:hi] are in the range
}

// Query answers q. It costs a binary search per candidate user, plus a sort
// of the matching users, plus nothing per message until the answer is
// written.
func (d *Dataset) Query(q Query) Result {
	from, to := q.From.Unix(), q.To.Unix()
	r := Result{from: newTimestamp(q.From), to: newTimestamp(q.To)}
	if from > to {
		return r
	}
	type filter struct {
		attr int
		m    likeMatcher
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
	consider := func(u *indexedUser) {
		for i := range filters {
			f := &filters[i]
			if !u.has[f.attr] || !f.m.match(u.lower[f.attr]) {
				return
			}
		}
		lo := sort.Search(len(u.msgs), func(i int) bool { return u.msgs[i].at >= from })
		hi := lo + sort.Search(len(u.msgs)-lo, func(i int) bool { return u.msgs[lo+i].at > to })
		if lo < hi {
			r.groups = append(r.groups, group{u: u, lo: lo, hi: hi})
		}
	}
	if q.UserID != "" {
		if i, ok := d.byID[q.UserID]; ok {
			consider(&d.users[i])
		}
		return r
	}
	// Users appear in order of their first message in the range; users
	// whose first messages share a second keep the dataset's order. With
	// fewer messages in the range than users, walk the timeline: it meets
	// the users in that order, and never the users outside the range.
	tlo, _ := slices.BinarySearchFunc(d.timeline, from, func(e timelineEntry, t int64) int { return cmp.Compare(e.at, t) })
	thi, _ := slices.BinarySearchFunc(d.timeline, to+1, func(e timelineEntry, t int64) int { return cmp.Compare(e.at, t) })
	if thi-tlo < len(d.users) {
		seen := make([]uint64, (len(d.users)+63)/64)
		for _, e := range d.timeline[tlo:thi] {
			if w, bit := e.user/64, uint64(1)<<(e.user%64); seen[w]&bit == 0 {
				seen[w] |= bit
				consider(&d.users[e.user])
			}
		}
		return r
	}
	for i := range d.users {
		consider(&d.users[i])
	}
	slices.SortStableFunc(r.groups, func(a, b group) int {
		return cmp.Compare(a.u.msgs[a.lo].at, b.u.msgs[b.lo].at)
	})
	return r
}

// Len is the number of users in the result.
func (r Result) Len() int { return len(r.groups) }

// Interactions is the number of interactions in the result.
func (r Result) Interactions() int {
	n := 0
	for _, g := range r.groups {
		n += g.hi - g.lo
	}
	return n
}
