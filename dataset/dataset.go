package dataset

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/odmock/odmock/contract"
)

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
	// source gives user i whole, bot messages and attributes as written:
	// the fixture's user, or the seeded user made again. Only explanations
	// and the console read it, never a query.
	source func(i int) User
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

// New indexes users for the contract's attributes. User IDs must be
// unique and non-empty, and attribute names must be filters of the contract.
func New(c *contract.Contract, users []User) (*Dataset, error) {
	d := &Dataset{attributes: c.Attributes(), byID: make(map[string]int, len(users))}
	d.source = func(i int) User { return users[i] }
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
			if !slices.Contains(c.Attributes(), name) {
				return nil, fmt.Errorf("user %s: attribute %q is not a filter of the contract (one of %s)",
					u.ID, name, strings.Join(c.Attributes(), ", "))
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

// NewSeeded generates and indexes n users straight into a dataset,
// in parallel, never holding all the generated users at once: the
// dataset Generate(seed, n, w) would give, at a fraction of the memory.
func NewSeeded(c *contract.Contract, seed uint64, n int, w Window) (*Dataset, error) {
	d := &Dataset{attributes: c.Attributes(), users: make([]indexedUser, n), byID: make(map[string]int, n)}
	cat := newCatalog(seed, w)
	d.source = func(i int) User { return seededUser(cat, seed, i) }
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
				u := seededUser(cat, seed, i)
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
	// applied is `,"selected_scenario":...,"browser":...,"interactions":[`:
	// the filters the query applied, the same for every user.
	applied string
	groups  []group
}

type group struct {
	u      *indexedUser
	lo, hi int // u.msgs[lo:hi] are in the range
}

// Query answers q. It costs a binary search per candidate user, plus a sort
// of the matching users, plus nothing per message until the answer is
// written.
func (d *Dataset) Query(q contract.Query) Result {
	from, to := q.From.Unix(), q.To.Unix()
	r := Result{from: newTimestamp(q.From), to: newTimestamp(q.To), applied: appliedFilters(q)}
	if from > to {
		return r
	}
	filters, ok := d.compileFilters(q.Filters)
	if !ok {
		// The contract never lets an unknown filter through; if one came
		// from the Go API, nobody has that attribute.
		return r
	}
	consider := func(u *indexedUser) {
		for i := range filters {
			if !filters[i].keeps(u) {
				return
			}
		}
		if lo, hi := u.inRange(from, to); lo < hi {
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
	// whose first messages share a second keep the dataset's order.
	if d.candidates(from, to, consider) {
		return r // met in that order already
	}
	slices.SortStableFunc(r.groups, func(a, b group) int {
		return cmp.Compare(a.u.msgs[a.lo].at, b.u.msgs[b.lo].at)
	})
	return r
}

// compiledFilter is one filter of a query, ready to test users.
type compiledFilter struct {
	attr int // index in Dataset.attributes
	m    likeMatcher
}

// keeps reports whether u passes the filter: it has the attribute, and
// the attribute matches.
func (f *compiledFilter) keeps(u *indexedUser) bool {
	return u.has[f.attr] && f.m.match(u.lower[f.attr])
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

// inRange is the span of u's messages within [from, to]: u.msgs[lo:hi].
func (u *indexedUser) inRange(from, to int64) (lo, hi int) {
	lo = sort.Search(len(u.msgs), func(i int) bool { return u.msgs[i].at >= from })
	hi = lo + sort.Search(len(u.msgs)-lo, func(i int) bool { return u.msgs[lo+i].at > to })
	return lo, hi
}

// candidates calls visit for each user who may have a message in
// [from, to]. With fewer messages in the range than users, it walks the
// timeline: it meets the users in order of their first message in the
// range, and never the users outside it (ordered is then true). Else it
// meets every user, in the dataset's order.
func (d *Dataset) candidates(from, to int64, visit func(*indexedUser)) (ordered bool) {
	tlo, thi := d.timelineSpan(from, to)
	if thi-tlo < len(d.users) {
		seen := make([]uint64, (len(d.users)+63)/64)
		for _, e := range d.timeline[tlo:thi] {
			if w, bit := e.user/64, uint64(1)<<(e.user%64); seen[w]&bit == 0 {
				seen[w] |= bit
				visit(&d.users[e.user])
			}
		}
		return true
	}
	for i := range d.users {
		visit(&d.users[i])
	}
	return false
}

// timelineSpan is the span of the timeline within [from, to].
func (d *Dataset) timelineSpan(from, to int64) (lo, hi int) {
	lo, _ = slices.BinarySearchFunc(d.timeline, from, func(e timelineEntry, t int64) int { return cmp.Compare(e.at, t) })
	hi, _ = slices.BinarySearchFunc(d.timeline, to+1, func(e timelineEntry, t int64) int { return cmp.Compare(e.at, t) })
	return lo, hi
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
	for _, g := range r.groups {
		n += g.hi - g.lo
	}
	return n
}
