package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
)

// indexedUser is a user given whole, as queries see it.
type indexedUser struct {
	id    string
	lower []string // lower-cased attribute values, by contract attribute
	has   []bool   // whether the user has the attribute at all
	// head is `{"<id>":{"chatbot_user_data":{"id":...,"name":...,"email":...},"from":"`
	// and mid is `","user_id":"<id>"`; the query's bounds go between them,
	// and the filters it applied (Result.applied) after mid.
	head, mid []byte
	// buf holds the user's messages as JSON, back to back in date order,
	// so the messages of any range are one contiguous run of it.
	buf  []byte
	msgs []convMsg // user-sent messages, by date then position
}

// eagerStore holds users given whole, every message encoded at New.
type eagerStore struct {
	users []indexedUser
	byID  map[string]int
	convs []encodedConv // by conversation index, views of their user's buf
}

func (s *eagerStore) lookup(id string) (int, bool) {
	u, ok := s.byID[id]
	return u, ok
}

func (s *eagerStore) match(u, a int, m *likeMatcher, scratch []byte) (bool, []byte) {
	iu := &s.users[u]
	return iu.has[a] && m.match(iu.lower[a]), scratch
}

func (s *eagerStore) appendHead(dst []byte, u int) []byte { return append(dst, s.users[u].head...) }
func (s *eagerStore) appendMid(dst []byte, u int) []byte  { return append(dst, s.users[u].mid...) }
func (s *eagerStore) conv(_, c int) *encodedConv          { return &s.convs[c] }
func (s *eagerStore) convMessages(c int) int              { return len(s.convs[c].msgs) }
func (s *eagerStore) convBytes(_, c int) int {
	m := s.convs[c].msgs
	return int(m[len(m)-1].end - m[0].off)
}

// New indexes users for the contract's attributes, encoding every message
// at once: for fixtures and recordings, which are small. User IDs must be
// unique and non-empty, and attribute names must be filters of the
// contract.
func New(c *contract.Contract, users []User) (*Dataset, error) {
	st := &eagerStore{byID: make(map[string]int, len(users))}
	d := &Dataset{attributes: c.Attributes(), st: st, users: len(users), convOf: make([]uint32, 1, len(users)+1)}
	d.source = func(i int) User { return users[i] }
	ix := newIndexer(c)
	st.users = make([]indexedUser, 0, len(users))
	for i := range users {
		u := &users[i]
		if u.ID == "" {
			return nil, fmt.Errorf("user %d: empty id", i)
		}
		if _, dup := st.byID[u.ID]; dup {
			return nil, fmt.Errorf("user %s: duplicate id", u.ID)
		}
		for name := range u.Attributes {
			if !slices.Contains(d.attributes, name) {
				return nil, fmt.Errorf("user %s: attribute %q is not a filter of the contract (one of %s)",
					u.ID, name, strings.Join(d.attributes, ", "))
			}
		}
		iu, err := ix.index(u)
		if err != nil {
			return nil, err
		}
		st.byID[u.ID] = len(st.users)
		st.users = append(st.users, iu)
		// Conversations: the user's messages split where they pause for
		// longer than ConversationGap.
		for lo := 0; lo < len(iu.msgs); {
			hi := lo + 1
			for hi < len(iu.msgs) && iu.msgs[hi].at-iu.msgs[hi-1].at <= int64(ConversationGap/time.Second) {
				hi++
			}
			st.convs = append(st.convs, encodedConv{buf: iu.buf, msgs: iu.msgs[lo:hi:hi]})
			d.at = append(d.at, iu.msgs[lo].at)
			d.span = max(d.span, iu.msgs[hi-1].at-iu.msgs[lo].at)
			lo = hi
		}
		if len(st.convs) > math.MaxUint32 {
			return nil, fmt.Errorf("%d conversations: too many", len(st.convs))
		}
		d.convOf = append(d.convOf, uint32(len(st.convs)))
	}
	d.messages, d.botCount = ix.messages, ix.bots
	d.index()
	return d, nil
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
	alloc      chunkAlloc
	scratch    []byte
	messages   int
	bots       int
}

func newIndexer(c *contract.Contract) *indexer {
	return &indexer{attributes: c.Attributes()}
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

	email, ok := u.Attributes["email"]
	h := appendHead(ix.scratch[:0], u.ID, u.Name, email, ok)
	iu.head = ix.alloc.copy(h)
	m := appendMid(h[:0], u.ID)
	iu.mid = ix.alloc.copy(m)
	ix.scratch = m

	// Encode the user's messages in date order (file order within a
	// second), so a range of them is one contiguous run of buf.
	sent := make([]*Message, 0, len(u.Messages))
	for i := range u.Messages {
		if msg := &u.Messages[i]; msg.FromBot() {
			ix.bots++
		} else {
			sent = append(sent, msg)
		}
	}
	slices.SortStableFunc(sent, func(a, b *Message) int { return a.Date.Compare(b.Date) })
	iu.msgs = make([]convMsg, len(sent))
	buf := ix.scratch[:0]
	for i, msg := range sent {
		off := len(buf)
		buf = appendInteraction(buf, msg)
		if len(buf) > math.MaxUint32 {
			return iu, fmt.Errorf("user %s: messages too large (%d bytes)", u.ID, len(buf))
		}
		iu.msgs[i] = convMsg{at: msg.Date.Unix(), off: uint32(off), end: uint32(len(buf))}
	}
	iu.buf = ix.alloc.copy(buf)
	ix.scratch = buf
	ix.messages += len(iu.msgs)
	return iu, nil
}

// appendHead appends a user's head: `{"<id>":{"chatbot_user_data":{"id":...,"name":...,"email":...},"from":"`.
func appendHead(dst []byte, id string, name *string, email string, hasEmail bool) []byte {
	dst = append(dst, '{')
	dst = contract.AppendString(dst, id)
	dst = append(dst, `:{"chatbot_user_data":{"id":`...)
	dst = contract.AppendString(dst, id)
	dst = append(dst, `,"name":`...)
	if name != nil {
		dst = contract.AppendString(dst, *name)
	} else {
		dst = append(dst, "null"...)
	}
	// The page's object, nothing more: the user's other attributes are
	// in neither the page nor the real data, and a client reading them
	// would break in production.
	dst = append(dst, `,"email":`...)
	dst = contract.AppendNullableString(dst, email, hasEmail)
	return append(dst, `},"from":"`...)
}

// appendMid appends `","user_id":"<id>"`.
func appendMid(dst []byte, id string) []byte {
	dst = append(dst, `","user_id":`...)
	return contract.AppendString(dst, id)
}

// appendInteraction encodes a message as the API's interaction object.
func appendInteraction(dst []byte, m *Message) []byte {
	dst = append(dst, `{"type":`...)
	dst = contract.AppendString(dst, m.Type)
	dst = append(dst, `,"date":"`...)
	dst = appendTimestamp(dst, m.Date)
	dst = append(dst, `","text":`...)
	dst = contract.AppendString(dst, m.Text)
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
	if sec := t.Unix(); t.Nanosecond() == 0 && minTimestamp <= sec && sec <= maxTimestamp {
		return appendUnixTimestamp(dst, sec) // whole seconds, as dates mostly are: faster
	}
	return t.UTC().AppendFormat(dst, timestampLayout)
}
