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

// Size is the exact length of the body WriteTo writes, for Content-Length.
func (r Result) Size() int64 {
	if len(r.groups) == 0 {
		return int64(len(contract.EmptyBody))
	}
	n := int64(len(`{"data":[`) + len(`]}`) + len(r.groups) - 1)
	for _, g := range r.groups {
		u := g.u
		n += int64(len(u.head) + len(r.from) + len(toSep) + len(r.to) + len(u.mid) + len(r.applied) + len(groupEnd))
		n += int64(g.hi - g.lo - 1) // commas between interactions
		n += int64(u.msgs[g.hi-1].end - u.msgs[g.lo].off)
	}
	return n
}

// WriteTo streams the body to w. The messages of one user are contiguous
// in its buffer, separated by nothing; commas are written between them.
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
	for i, g := range r.groups {
		if i > 0 {
			cw.writeString(",")
		}
		u := g.u
		cw.write(u.head)
		cw.write(r.from[:])
		cw.writeString(toSep)
		cw.write(r.to[:])
		cw.write(u.mid)
		cw.writeString(r.applied)
		for j := g.lo; j < g.hi; j++ {
			if j > g.lo {
				cw.writeString(",")
			}
			m := u.msgs[j]
			cw.write(u.buf[m.off:m.end])
		}
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
