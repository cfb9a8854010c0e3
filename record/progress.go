package record

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressBar shows a recording's progress: on a terminal a bar redrawn in
// place (chunks, requests, the rate, the time left at the pace allowed);
// elsewhere a plain line per chunk, for logs. A nil writer shows nothing.
type progressBar struct {
	w        io.Writer
	terminal bool
	from, to time.Time
	rate     float64 // requests a second allowed
	started  time.Time
	chunks   int
	startAt  time.Time // where this run started in the window
	bytes    int64
	drawn    bool
}

func newProgressBar(w io.Writer, terminal bool, from, to time.Time, rate float64) *progressBar {
	return &progressBar{w: w, terminal: terminal, from: from, to: to, rate: rate, started: time.Now(), startAt: from}
}

// resume notes where an interrupted recording continues.
func (b *progressBar) resume(next time.Time, exchanges int) {
	b.startAt, b.chunks = next, exchanges
	if b.w != nil && exchanges > 0 {
		fmt.Fprintf(b.w, "resuming at %s after %d exchanges\n", next.Format(time.DateTime), exchanges)
	}
}

// chunk notes a chunk recorded up to end, its answer's size, and the
// requests sent so far.
func (b *progressBar) chunk(end time.Time, size int, requests int) {
	if b == nil || b.w == nil {
		return
	}
	b.chunks++
	b.bytes += int64(size)
	total := b.to.Sub(b.from).Seconds() + 1
	done := end.Sub(b.from).Seconds() + 1
	frac := min(done/total, 1)
	elapsed := time.Since(b.started)
	perSec := 0.0
	if elapsed > 0 {
		perSec = float64(requests) / elapsed.Seconds()
	}
	// Time left: the window still to do, at the pace of this run so far,
	// and never faster than the rate allows.
	runDone := end.Sub(b.startAt).Seconds() + 1
	left := time.Duration(0)
	if runDone > 0 {
		left = time.Duration(float64(elapsed) * (total - done) / runDone)
		if minLeft := time.Duration((total - done) / runDone * float64(requests) / b.rate * float64(time.Second)); left < minLeft {
			left = minLeft
		}
	}
	if !b.terminal {
		fmt.Fprintf(b.w, "recorded to %s: %d chunks, %d requests, %s, %.0f%%, about %s left\n",
			end.Format(time.DateTime), b.chunks, requests, sizeText(b.bytes), frac*100, left.Round(time.Second))
		return
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(b.w, "\r\x1b[K[%s%s] %3.0f%% %d chunks %d req %.1f req/s ETA %s",
		strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100, b.chunks, requests, perSec, left.Round(time.Second))
	b.drawn = true
}

// done ends the bar's line.
func (b *progressBar) done() {
	if b != nil && b.w != nil && b.drawn {
		fmt.Fprintln(b.w)
	}
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
