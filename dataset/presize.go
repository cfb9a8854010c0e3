package dataset

import (
	"context"
	"time"
)

// Presize learns, in the background of a server, the encoded size of
// every conversation and user head of a large generated dataset that no
// query has needed yet. An answer's Content-Length comes first; when its
// conversations' sizes are unknown they are made once to be measured and
// again to be written (but for the first runs, which the answer keeps).
// Once presized, a large answer is made once, as it is written.
//
// It works on one goroutine, a slice of conversations at a time, and only
// while idle reports that nothing is being answered (nil: always), looking
// again every presizePause otherwise, so that it never competes with the
// queries it is there to help. It returns how many conversations' sizes
// it learned, and whether every size is now known: it returns early,
// false, when ctx ends. The sizes are those a query would learn: answers
// are the same bytes whether or not it has run.
//
// A small dataset, encoded whole in the background as soon as it is
// built, and a dataset of users given whole have nothing to learn.
func (d *Dataset) Presize(ctx context.Context, idle func() bool) (learned int, done bool) {
	s, ok := d.st.(*lazyStore)
	if !ok || s.pinned != nil || d.users < 2 {
		return 0, true
	}
	m := makers.Get().(*maker)
	defer makers.Put(m)
	hs := s.headSizes()
	var e encodedConv
	made := 0 // conversations made since idle was last asked
	for u := 1; u < d.users; u++ {
		if made >= presizeSlice {
			if !waitIdle(ctx, idle) {
				return learned, false
			}
			made = 0
		}
		if hs[u].Load() == 0 {
			m.buf, _ = s.appendHeads(m.buf[:0], u)
			hs[u].Store(uint32(len(m.buf)))
		}
		for c := int(d.convOf[u]); c < int(d.convOf[u+1]); c++ {
			if s.sizes[c].Load() == 0 {
				m.buf, m.off = m.appendConv(m.buf[:0], m.off[:0], s, u, c, &e)
				made++
				learned++
			}
		}
	}
	return learned, ctx.Err() == nil
}

// presizeSlice is how many conversations Presize makes between looks at
// whether the server is idle: about 200 µs of one CPU, the most a request
// that comes meanwhile can find one of the server's CPUs taken.
const presizeSlice = 64

// presizePause is how long Presize waits before looking again at a
// server that was busy.
var presizePause = 50 * time.Millisecond

// waitIdle waits until idle reports true, or ctx ends (false).
func waitIdle(ctx context.Context, idle func() bool) bool {
	if idle == nil || idle() {
		return ctx.Err() == nil
	}
	t := time.NewTimer(presizePause)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
		if idle() {
			return ctx.Err() == nil
		}
		t.Reset(presizePause)
	}
}

// learnSize remembers that conversation c is n bytes, and counts it the
// first time.
func (s *lazyStore) learnSize(c, n int) {
	if s.sizes[c].Swap(uint32(n)) == 0 {
		s.sized.Add(1)
	}
}
