package dataset

import (
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
