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
	n := int64(len(`{"data":[`) + len(`]}`) + len(r.groups) - 1)
	sp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(sp)
	scratch := *sp
	defer func() { *sp = scratch[:0] }()
	for i := range r.groups {
		g := &r.groups[i]
		scratch = r.d.st.appendHead(scratch[:0], int(g.u))
		scratch = r.d.st.appendMid(scratch, int(g.u))
		n += int64(len(scratch) + len(r.from) + len(toSep) + len(r.to) + len(r.applied) + len(groupEnd))
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
		scratch = r.d.st.appendHead(scratch[:0], int(g.u))
		cw.write(scratch)
		cw.write(r.from[:])
		cw.writeString(toSep)
		cw.write(r.to[:])
		cw.write(r.d.st.appendMid(scratch[:0], int(g.u)))
		cw.writeString(r.applied)
		first := true
		r.messages(g, func(e *encodedConv, lo, hi int) {
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

// appendUserInteraction is appendInteraction for a generated message,
// faster: its date is whole seconds, and its texts mostly need no
// escaping. The same bytes (TestAppendUserInteraction).
func appendUserInteraction(dst []byte, m *Message) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONString(dst, m.Type)
	dst = append(dst, `,"date":"`...)
	dst = appendTimestamp(dst, m.Date)
	dst = append(dst, `","text":`...)
	dst = appendJSONString(dst, m.Text)
	dst = append(dst, `,"data":`...)
	if m.Data == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, m.Data...)
	}
	return append(dst, '}')
}

// appendJSONString is contract.AppendString, faster: the runs of bytes
// it copies as they are are copied whole, and only the runs between them
// go through it. Escaping is per character and a run of escaped bytes
// ends at an ASCII byte, a character's end, so the bytes are the same
// (TestAppendJSONString).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && !jsonEscaped[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if j == len(s) {
			break
		}
		i = j
		for j < len(s) && jsonEscaped[s[j]] {
			j++
		}
		n := len(dst)
		dst = contract.AppendString(dst, s[i:j]) // "escaped", quotes dropped:
		dst = dst[:n+copy(dst[n:], dst[n+1:len(dst)-1])]
		i = j
	}
	return append(dst, '"')
}

// jsonEscaped is the bytes contract.AppendString does not copy as they
// are: controls, quote, backslash, slash, and every byte of a multi-byte
// character (written \uXXXX).
var jsonEscaped = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c == '/' || c >= 0x80
	}
	return t
}()

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
