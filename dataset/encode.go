package dataset

import (
	"bufio"
	"io"
	"sync"

	"github.com/odmock/odmock/contract"
)

// The response body is written straight from the dataset's pre-encoded
// bytes: `{"data":[` user `,` user ... `]}`. Nothing the size of the answer
// is built in memory, so a whole-window answer over a million messages
// costs no more memory than a one-user answer.

const (
	toSep    = `","to":"`
	groupEnd = `]}}`
)

// writerPool recycles the 32 KiB buffers answers are written through: a
// fresh one per request would cost more than the answer.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// scratchPool recycles the room a user's head is written in.
var scratchPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// Size is the exact length of the body WriteTo writes, for
// Content-Length. For a seeded dataset it makes the answer's
// conversations that the cache does not hold.
func (r Result) Size() int64 {
	if len(r.groups) == 0 {
		return int64(len(contract.EmptyBody))
	}
	ls, _ := r.d.st.(*lazyStore)
	if ls != nil {
		ls.sizeAhead(r.groups, r.made)
	}
	n := int64(len(`{"data":[`) + len(`]}`) + len(r.groups) - 1)
	sp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(sp)
	scratch := *sp
	defer func() { *sp = scratch[:0] }()
	for i := range r.groups {
		g := &r.groups[i]
		var head int
		if ls != nil && g.u != 0 {
			head = ls.headSize(int(g.u))
		} else {
			scratch = r.d.st.appendHead(scratch[:0], int(g.u))
			scratch = r.d.st.appendMid(scratch, int(g.u))
			head = len(scratch)
		}
		n += int64(head + len(r.from) + len(toSep) + len(r.to) + len(r.applied) + len(groupEnd))
		n-- // commas between interactions: one fewer than interactions
		for c := g.cl; c < g.ch; c++ {
			if (c > g.cl || g.lo == 0) && (c < g.ch-1 || g.hi < 0) {
				// Whole: its size may be known without its bytes.
				n += int64(r.d.st.convMessages(int(c)) + r.d.st.convBytes(int(g.u), int(c)))
				continue
			}
			e := r.d.st.conv(int(g.u), int(c))
			lo, hi := 0, len(e.msgs)
			if c == g.cl {
				lo = int(g.lo)
			}
			if c == g.ch-1 && g.hi >= 0 {
				hi = int(g.hi)
			}
			n += int64(hi-lo) + int64(e.msgs[hi-1].end-e.msgs[lo].off)
		}
	}
	return n
}

// WriteTo streams the body to w. The messages of a conversation are
// contiguous in its buffer, separated by nothing; commas are written
// between them.
func (r Result) WriteTo(w io.Writer) (int64, error) {
	if len(r.groups) == 0 {
		n, err := io.WriteString(w, contract.EmptyBody)
		return int64(n), err
	}
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Reset(nil) // drop w, so the pool holds no connection
		writerPool.Put(bw)
	}()
	defer r.made.release() // what sizing kept for this writer
	// A lazy dataset's conversations not yet made are made ahead of the
	// writer, on every CPU, when there are enough of them.
	conv := r.d.st.conv
	var a *ahead
	if ls, ok := r.d.st.(*lazyStore); ok && ls.pinned == nil && r.conversations() >= aheadMin {
		a = ls.makeAhead(r.groups, r.made)
		defer a.close()
		conv = func(int, int) *encodedConv { return a.next() }
	}
	cw := &countWriter{w: bw}
	cw.writeString(`{"data":[`)
	sp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(sp)
	scratch := *sp
	defer func() { *sp = scratch[:0] }()
	for i := range r.groups {
		if i > 0 {
			cw.writeString(",")
		}
		g := &r.groups[i]
		var head, mid []byte
		if a != nil {
			head, mid = a.group()
		} else {
			scratch = r.d.st.appendHead(scratch[:0], int(g.u))
			n := len(scratch)
			scratch = r.d.st.appendMid(scratch, int(g.u))
			head, mid = scratch[:n], scratch[n:]
		}
		cw.write(head)
		cw.write(r.from[:])
		cw.writeString(toSep)
		cw.write(r.to[:])
		cw.write(mid)
		cw.writeString(r.applied)
		first := true
		r.messagesOf(g, conv, func(e *encodedConv, lo, hi int) {
			for j := lo; j < hi; j++ {
				if !first {
					cw.writeString(",")
				}
				first = false
				cw.write(e.buf[e.msgs[j].off:e.msgs[j].end])
			}
		})
		cw.writeString(groupEnd)
		if cw.err != nil {
			return cw.n, cw.err
		}
	}
	cw.writeString(`]}`)
	if cw.err == nil {
		cw.err = bw.Flush()
	}
	return cw.n, cw.err
}

// conversations is the number of conversations the answer draws on.
func (r Result) conversations() int {
	n := 0
	for i := range r.groups {
		n += int(r.groups[i].ch - r.groups[i].cl)
	}
	return n
}

// countWriter counts bytes and keeps the first error, so WriteTo reads as
// a list of writes.
type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) write(b []byte) {
	if c.err == nil {
		var n int
		n, c.err = c.w.Write(b)
		c.n += int64(n)
	}
}

func (c *countWriter) writeString(s string) {
	if c.err == nil {
		var n int
		n, c.err = c.w.WriteString(s)
		c.n += int64(n)
	}
}

// The seconds of years 0 and 9999's ends: appendUnixTimestamp's range.
const (
	minTimestamp = -62167219200
	maxTimestamp = 253402300799
)

// appendUnixTimestamp appends sec (years 0 to 9999) as timestampLayout
// writes it, without time's formatter.
func appendUnixTimestamp(dst []byte, sec int64) []byte {
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	// Civil date from days since 1970-01-01 (Hinnant's algorithm).
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	h, mi, s := rem/3600, rem/60%60, rem%60
	return append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10), '.', '0', '0', '0', '0', '0', '0', 'Z')
}
