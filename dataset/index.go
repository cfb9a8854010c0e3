package dataset

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
)

// indexedUser is a user as queries see it.
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

	h := contract.AppendString(ix.scratch[:0], u.ID)
	h = append(h, `:{"chatbot_user_data":{"id":`...)
	h = contract.AppendString(h, u.ID)
	h = append(h, `,"name":`...)
	if u.Name != nil {
		h = contract.AppendString(h, *u.Name)
	} else {
		h = append(h, "null"...)
	}
	// The page's object, nothing more: the user's other attributes are
	// in neither the page nor the real data, and a client reading them
	// would break in production.
	h = append(h, `,"email":`...)
	email, ok := u.Attributes["email"]
	h = contract.AppendNullableString(h, email, ok)
	h = append(h, `},"from":"`...)
	iu.head = ix.alloc.copy(append([]byte{'{'}, h...))

	m := append(h[:0], `","user_id":`...)
	m = contract.AppendString(m, u.ID)
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
	return t.UTC().AppendFormat(dst, timestampLayout)
}
