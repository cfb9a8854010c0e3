package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/odmock/odmock/contract"
)

// DefaultJournalSize is how many requests the journal keeps by default.
const DefaultJournalSize = 1000

// MaxJournalSize is the largest journal a server keeps: with entries of at
// most about 10 KiB (the query is cut at 4 KiB, request headers are kept
// up to 4 KiB), some 1 GiB at worst; 10 MiB at the default size.
const MaxJournalSize = 100_000

// Bounds of one journal entry, so that the journal's memory is bounded by
// its size whatever clients send.
const (
	maxJournalQuery   = 4 << 10 // bytes of the raw query kept
	maxJournalSession = 128     // bytes of the session kept
	maxJournalErrors  = 50      // fields of the validation errors kept
	maxJournalHeaders = 4 << 10 // bytes of request headers kept, for the console
)

// JournalEntry is one request as the journal keeps it. It holds nothing
// secret: the query has secret-looking values and any API token redacted,
// and the session is a name the client chose (or a hash), never a token.
type JournalEntry struct {
	// ID numbers requests from 1 in the order they were answered; it goes
	// on across clears.
	ID     uint64    `json:"id"`
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	// Query is the raw query string as the client sent it (cut at 4 KiB),
	// with secrets redacted.
	Query string `json:"query"`
	// Params is Query decoded.
	Params    url.Values    `json:"params"`
	Session   string        `json:"session"`
	Status    int           `json:"status"`
	LatencyMS float64       `json:"latency_ms"`
	Scenario  string        `json:"scenario"`
	Rule      string        `json:"rule"`
	Outcome   Outcome       `json:"outcome"`
	Errors    JournalErrors `json:"errors"`
	// Risks name what the request relied on that the real API may do
	// differently (see Risks); [] when none.
	Risks []string `json:"risks"`

	// What the console's detail and explanation read (see exchange):
	// references, not copies, and none of it in the journal's JSON.
	rawQuery   string      // as sent, "" past maxJournalQuery
	reqHeader  http.Header // nil past maxJournalHeaders
	reqBytes   int         // the request headers' size
	respHeader http.Header
	body       []byte // an answer written whole; nil for the engine's
	libGen     uint64
	fault      string
	// What the answer's body was, for the HAR export; the journal's JSON
	// leaves them out (it keeps no bodies).
	bytes       int64
	contentType string
}

// JournalErrors are the validation errors of a request, in the order of
// the 422 body. They encode as that body's "errors": {field: [messages]}.
type JournalErrors []contract.FieldErrors

// MarshalJSON encodes the errors as an object, in order; none is {}.
func (e JournalErrors) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, fe := range e {
		if i > 0 {
			b = append(b, ',')
		}
		k, err := json.Marshal(fe.Field)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(fe.Messages)
		if err != nil {
			return nil, err
		}
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes an object of field: [messages], in order.
func (e *JournalErrors) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("journal errors: want an object, got %s", b)
	}
	*e = nil
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return fmt.Errorf("journal errors: %w", err)
		}
		field, _ := t.(string) // an object's keys are strings
		fe := contract.FieldErrors{Field: field}
		if err := dec.Decode(&fe.Messages); err != nil {
			return fmt.Errorf("journal errors: field %s: %w", fe.Field, err)
		}
		*e = append(*e, fe)
	}
	return nil
}

// JournalFilter selects journal entries.
type JournalFilter struct {
	Session string // only this session's requests; "" for all
	Limit   int    // only the newest Limit entries; 0 for all
	Before  uint64 // only entries with an ID below it; 0 for all
}

// Journal is a bounded record of the latest requests, oldest first: what a
// test or a CI check reads to assert what a client asked for. It is safe
// for concurrent use. With Config.State, it is the journal of every
// replica.
type Journal struct {
	size  int
	store journalStore
	mu    sync.Mutex // guards subs and mine
	// subs are the live readers (the console's stream): each gets every
	// new entry, or is dropped when it falls behind. Nil when nobody
	// watches, which costs Record nothing.
	subs map[*journalSub]struct{}
	// mine keeps, when the store is shared (Config.State), the latest
	// entries this replica recorded whole, with what the console shows of
	// an exchange beyond the shared fields (headers, bodies): a shared
	// store keeps the public fields only. Nil with the memory store,
	// which keeps entries whole itself.
	mine *memJournal
}

// journalSub is a live reader of the journal. Its channel is closed when
// it is dropped for falling behind (dropped is then set) or unsubscribes.
type journalSub struct {
	ch      chan JournalEntry
	dropped bool
}

// Bounds of the live readers: how many at once, and how many entries one
// may fall behind before it is dropped (it reconnects and catches up from
// the journal).
const (
	maxJournalSubs   = 16
	journalSubBuffer = 256
)

// errTooManyReaders refuses a live reader past maxJournalSubs.
var errTooManyReaders = errors.New("too many live readers of the journal")

// subscribe adds a live reader.
func (j *Journal) subscribe() (*journalSub, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.subs) >= maxJournalSubs {
		return nil, errTooManyReaders
	}
	if j.subs == nil {
		j.subs = map[*journalSub]struct{}{}
	}
	sub := &journalSub{ch: make(chan JournalEntry, journalSubBuffer)}
	j.subs[sub] = struct{}{}
	return sub, nil
}

// unsubscribe removes a live reader, if it is still there.
func (j *Journal) unsubscribe(sub *journalSub) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.subs[sub]; ok {
		delete(j.subs, sub)
		close(sub.ch)
	}
	if len(j.subs) == 0 {
		j.subs = nil
	}
}

// dropped reports whether sub was dropped for falling behind.
func (j *Journal) dropped(sub *journalSub) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return sub.dropped
}

// byID returns the entry with id, if the journal still keeps it. With
// Config.State, entries recorded by another replica have their public
// fields only (the console's request and answer details stay with the
// replica that answered).
func (j *Journal) byID(id uint64) (JournalEntry, bool) {
	if id == 0 {
		return JournalEntry{}, false
	}
	one := JournalFilter{Before: id + 1, Limit: 1}
	j.mu.Lock()
	mine := j.mine
	j.mu.Unlock()
	if mine != nil {
		if es := mine.entries(one); len(es) == 1 && es[0].ID == id {
			return es[0], true
		}
	}
	es := j.store.entries(one)
	if len(es) == 1 && es[0].ID == id {
		return es[0], true
	}
	return JournalEntry{}, false
}

// newJournal returns a journal in memory that keeps the latest size
// requests. A size of 0 keeps none.
func newJournal(size int) *Journal {
	return &Journal{size: max(size, 0), store: newMemJournal(size)}
}

// Size is how many entries the journal keeps at most.
func (j *Journal) Size() int { return j.size }

// Total is how many requests the journal has recorded since it was made,
// kept or not.
func (j *Journal) Total() uint64 {
	total, _ := j.store.counts()
	return total
}

// counts is how many entries were recorded, and how many are kept.
func (j *Journal) counts() (total uint64, kept int) { return j.store.counts() }

// Record adds an entry, dropping the oldest when the journal is full. It
// sets the entry's ID.
func (j *Journal) Record(e JournalEntry) {
	e = j.store.record(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.mine != nil {
		j.mine.keep(e)
	}
	for sub := range j.subs {
		select {
		case sub.ch <- e:
		default: // behind: drop it rather than hold up a request
			sub.dropped = true
			delete(j.subs, sub)
			close(sub.ch)
		}
	}
}

// Entries returns the entries f selects, oldest first.
func (j *Journal) Entries(f JournalFilter) []JournalEntry {
	out := j.store.entries(f)
	j.mu.Lock()
	mine := j.mine
	j.mu.Unlock()
	if mine != nil && len(out) > 0 {
		// A shared store keeps the public fields: the entries this
		// replica recorded are there whole (what the HAR export and the
		// console read beyond them).
		whole := map[uint64]JournalEntry{}
		for _, e := range mine.entries(JournalFilter{Session: f.Session, Before: out[len(out)-1].ID + 1}) {
			whole[e.ID] = e
		}
		for i := range out {
			if e, ok := whole[out[i].ID]; ok {
				out[i] = e
			}
		}
	}
	// Decoding the query waits until someone reads it: recording a
	// request stays cheap.
	for i := range out {
		params, _ := url.ParseQuery(out[i].Query) // what parses; the raw query is there too
		if params == nil {
			params = url.Values{}
		}
		out[i].Params = params
	}
	return out
}

// Clear removes the entries of session, or all entries when session is "",
// and returns how many it removed.
func (j *Journal) Clear(session string) int { return j.store.clear(session) }

// memJournal is the journal in this replica's memory: a ring.
type memJournal struct {
	mu    sync.Mutex
	ring  []JournalEntry // a ring of cap(ring) slots once full
	next  int            // the slot the next entry goes to, once full
	total uint64         // entries ever recorded
}

func newMemJournal(size int) *memJournal {
	return &memJournal{ring: make([]JournalEntry, 0, max(size, 0))}
}

func (j *memJournal) counts() (total uint64, kept int) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.total, len(j.ring)
}

func (j *memJournal) record(e JournalEntry) JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.total++
	e.ID = j.total
	j.put(e)
	return e
}

// keep adds an entry numbered elsewhere (by a shared store).
func (j *memJournal) keep(e JournalEntry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.total++
	j.put(e)
}

// put stores e in the ring; j.mu is held.
func (j *memJournal) put(e JournalEntry) {
	switch {
	case cap(j.ring) == 0:
	case len(j.ring) < cap(j.ring):
		j.ring = append(j.ring, e)
	default:
		j.ring[j.next] = e
		j.next = (j.next + 1) % len(j.ring)
	}
}

// entries walks from the newest and stops at the limit, so a page of a
// big journal costs the page, not the journal.
func (j *memJournal) entries(f JournalFilter) []JournalEntry {
	var out []JournalEntry
	j.mu.Lock()
	for i := len(j.ring) - 1; i >= 0; i-- {
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
		e := j.ring[(j.next+i)%len(j.ring)]
		if (f.Session == "" || e.Session == f.Session) && (f.Before == 0 || e.ID < f.Before) {
			out = append(out, e)
		}
	}
	j.mu.Unlock()
	slices.Reverse(out)
	return out
}

func (j *memJournal) clear(session string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	kept := make([]JournalEntry, 0, cap(j.ring))
	for i := range j.ring {
		e := j.ring[(j.next+i)%len(j.ring)]
		if session != "" && e.Session != session {
			kept = append(kept, e)
		}
	}
	n := len(j.ring) - len(kept)
	j.ring, j.next = kept, 0
	return n
}

// journalExchange is the observer that records each API request; odmock's
// own /__odmock/ requests are left out, so reading the journal does not
// change it.
func (w *watchers) journalExchange(ex *exchange) {
	if isAdminPath(ex.Path) {
		return
	}
	query := ex.Query // redacted by observe
	if len(query) > maxJournalQuery {
		query = query[:maxJournalQuery]
	}
	errs := ex.Errors
	if len(errs) > maxJournalErrors {
		errs = errs[:maxJournalErrors]
	}
	session := ex.Session
	if len(session) > maxJournalSession {
		session = session[:maxJournalSession]
	}
	rawQuery := ex.rawQuery
	if len(rawQuery) > maxJournalQuery {
		rawQuery = ""
	}
	reqHeader, reqBytes := ex.reqHeader, headerBytes(ex.reqHeader)
	if reqBytes > maxJournalHeaders {
		reqHeader = nil
	}
	w.journal.Record(JournalEntry{
		Time:      ex.Start.UTC(),
		Method:    ex.Method,
		Path:      ex.Path,
		Query:     query,
		Session:   session,
		Status:    ex.Status,
		LatencyMS: float64(ex.Latency.Microseconds()) / 1000,
		Scenario:  ex.Scenario,
		Rule:      ex.Rule,
		Outcome:   ex.Outcome,
		Errors:    append(JournalErrors(nil), errs...),
		Risks:     append([]string{}, ex.Risks...),

		rawQuery:    rawQuery,
		reqHeader:   reqHeader,
		reqBytes:    reqBytes,
		respHeader:  ex.respHeader,
		body:        ex.body,
		libGen:      ex.libGen,
		fault:       ex.Fault,
		bytes:       ex.Sent,
		contentType: ex.respHeader.Get("Content-Type"),
	})
}

// headerBytes is the size of h as names and values.
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
