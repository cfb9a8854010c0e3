package dataset

import (
	"context"
	"io"
	"runtime"
	"testing"
	"time"
)

// The engine, piece by piece: go test ./dataset -run '^$' -bench . -benchmem
// bench/run.sh measures the whole server over loopback.

// benchDataset is the default dataset: seed 1, 500 users.
func benchDataset(b *testing.B) *Dataset {
	b.Helper()
	d, err := NewSeeded(testContract(b), 1, 500, DefaultWindow())
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func benchQuery(b *testing.B, q Query) {
	d := benchDataset(b)
	b.ReportAllocs()
	for b.Loop() {
		d.Query(q)
	}
}

func BenchmarkQueryOneUser(b *testing.B) {
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	benchQuery(b, Query{From: day, To: day.Add(24*time.Hour - time.Second), UserID: "user_12345"})
}

func BenchmarkQueryFiltered(b *testing.B) {
	w := DefaultWindow()
	benchQuery(b, Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}}})
}

func BenchmarkQueryWildcard(b *testing.B) {
	w := DefaultWindow()
	benchQuery(b, Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "email", Value: "a%e_x%.com"}}})
}

func benchEncode(b *testing.B, q Query) {
	res := benchDataset(b).Query(q)
	b.SetBytes(res.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := res.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeOneUser(b *testing.B) {
	benchEncode(b, Query{From: DefaultWindow().Start, To: DefaultWindow().End, UserID: "user_12345"})
}

func BenchmarkEncodeWindow(b *testing.B) {
	benchEncode(b, Query{From: DefaultWindow().Start, To: DefaultWindow().End})
}

func BenchmarkSeededDataset(b *testing.B) {
	c := testContract(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSeeded(c, 1, 1000, DefaultWindow()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSkeleton(b *testing.B) {
	cat := newCatalog(1, DefaultWindow())
	var convs []convSkel
	i := uint64(1)
	for b.Loop() {
		_, convs = cat.skeleton(1, i, convs[:0])
		i++
	}
}

// BenchmarkMakeConversation is the cost of a conversation made on demand:
// what a cache miss costs.
func BenchmarkMakeConversation(b *testing.B) {
	d, err := NewSeededCache(testContract(b), 1, 20_000, DefaultWindow(), 0)
	if err != nil {
		b.Fatal(err)
	}
	st := d.st.(*lazyStore)
	c := int(d.convOf[1])
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		e := st.make(d.userOf(uint32(c)), c)
		n += int64(len(e.buf))
		if c++; c == len(d.at) {
			c = int(d.convOf[1])
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "bytes/conv")
}

// BenchmarkNewSeededMillion is the startup of a large seeded dataset: a
// million users over a year (about six million user messages), what
// --messages costs before serving: ns/user is wall time on every core,
// B/user what it allocates.
func BenchmarkNewSeededMillion(b *testing.B) {
	c := testContract(b)
	w := Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)}
	const n = 1_000_000
	b.ReportAllocs()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	for b.Loop() {
		if _, err := NewSeededCache(c, 1, n, w, 0); err != nil {
			b.Fatal(err)
		}
	}
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/user")
	b.ReportMetric(float64(ms.TotalAlloc-before)/float64(b.N)/n, "B/user")
}

// BenchmarkAnswerWindow is a whole-window answer as the server gives it
// (query, Content-Length, body) over the default dataset and a year of
// a million user messages: cold (a dataset just made, nothing made or
// sized yet; the default one before its background encoding) and warm
// (the same answer again).
func BenchmarkAnswerWindow(b *testing.B) {
	year := Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)}
	for _, size := range []struct {
		name  string
		users func() int
		w     Window
	}{
		{"default", func() int { return 500 }, DefaultWindow()},
		{"1M", func() int { return UsersForMessages(1, year, 1_000_000) }, year},
	} {
		n := size.users()
		q := Query{From: size.w.Start, To: size.w.End}
		answer := func(b *testing.B, d *Dataset) int64 {
			res := d.Query(q)
			want := res.Size()
			got, err := res.WriteTo(io.Discard)
			if err != nil || got != want {
				b.Fatalf("wrote %d of %d bytes: %v", got, want, err)
			}
			return got
		}
		b.Run(size.name+"/cold", func(b *testing.B) {
			var bytes int64
			for b.Loop() {
				b.StopTimer()
				d, err := NewSeeded(testContract(b), 1, n, size.w)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				bytes += answer(b, d)
			}
			b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
		b.Run(size.name+"/warm", func(b *testing.B) {
			d, err := NewSeeded(testContract(b), 1, n, size.w)
			if err != nil {
				b.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // the default dataset's background encoding
			answer(b, d)
			var bytes int64
			for b.Loop() {
				bytes += answer(b, d)
			}
			b.ReportMetric(float64(bytes)/1e6/b.Elapsed().Seconds(), "MB/s")
		})
	}
}

// BenchmarkFirstByteWindow is what a whole-window answer over a year of a
// million user messages costs before its first byte once every size is
// known (presized): the query and its Content-Length.
func BenchmarkFirstByteWindow(b *testing.B) {
	year := Window{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC)}
	d, err := NewSeeded(testContract(b), 1, UsersForMessages(1, year, 1_000_000), year)
	if err != nil {
		b.Fatal(err)
	}
	d.Presize(context.Background(), nil)
	q := Query{From: year.Start, To: year.End}
	for b.Loop() {
		d.Query(q).Size()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(d.at)), "ns/conversation")
}
