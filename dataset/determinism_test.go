package dataset

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sync"
	"testing"
	"time"
)

// determinismQueries are the queries the determinism tests compare.
func determinismQueries() []Query {
	w := DefaultWindow()
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	return []Query{
		{From: w.Start, To: w.End},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}}},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}, {Attribute: "country", Value: "US"}}},
		{From: day(15), To: day(16), UserID: "user_12345"},
		{From: day(3), To: day(9), Filters: []Filter{{Attribute: "selected_scenario", Value: "billing"}}},
		{From: day(20), To: day(21), Filters: []Filter{{Attribute: "email", Value: "@example.org"}}},
	}
}

// TestGenerateIsStable checks that a user depends only on the seed and its
// index: more users leave the first ones as they were, so data does not
// move when --users changes.
func TestGenerateIsStable(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	users := Generate(7, 40, DefaultWindow())
	small, err := New(c, users)
	if err != nil {
		t.Fatal(err)
	}
	large, err := NewSeeded(c, 7, 400, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	for i := range users {
		q := Query{From: DefaultWindow().Start, To: DefaultWindow().End, UserID: users[i].ID}
		var x, y bytes.Buffer
		small.Query(q).WriteTo(&x)
		large.Query(q).WriteTo(&y)
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Fatalf("user %d differs between 40 and 400 users", i)
		}
	}
}

// TestGeneratedDataInWindow checks that every generated message falls in
// the window, whatever the window.
func TestGeneratedDataInWindow(t *testing.T) {
	t.Parallel()
	windows := []Window{
		DefaultWindow(),
		{Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 23, 59, 59, 0, time.UTC)},
		{Start: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 12, 5, 0, 0, time.UTC)},
	}
	for _, w := range windows {
		users := Generate(5, 300, w)
		inWindow := 0
		for _, u := range users[1:] { // user 0 is the page's example, on its own dates
			for _, m := range u.Messages {
				if m.Date.Before(w.Start) || m.Date.After(w.End) && w.End.Sub(w.Start) > time.Hour {
					t.Fatalf("window %s: user %s has a message at %s", w, u.ID, m.Date)
				}
				inWindow++
			}
		}
		if inWindow == 0 {
			t.Errorf("window %s: no messages", w)
		}
	}
}

// TestLazyAnswersWhateverTheOrder checks that a seeded dataset answers the
// same bytes as the same users given whole, whatever the cache's size, the
// order of the queries, and how many run at once.
func TestLazyAnswersWhateverTheOrder(t *testing.T) {
	t.Parallel()
	const seed, n = 3, 400
	c := testContract(t)
	users := Generate(seed, n, DefaultWindow())
	eager, err := New(c, users)
	if err != nil {
		t.Fatal(err)
	}
	queries := append(determinismQueries(), raceShare(bruteForceQueries(c, users, 5))...)
	want := make([][]byte, len(queries))
	for i, q := range queries {
		var b bytes.Buffer
		eager.Query(q).WriteTo(&b)
		want[i] = b.Bytes()
	}
	// 1 MiB: answers fit in half of it, but not the dataset (see pinned).
	for _, cache := range []int64{0, 4 << 10, 256 << 10, 1 << 20, DefaultCacheBytes} {
		d, err := NewSeededCache(c, seed, n, DefaultWindow(), cache)
		if err != nil {
			t.Fatal(err)
		}
		if d.Messages() != eager.Messages() || d.BotMessages() != eager.BotMessages() || d.Users() != eager.Users() {
			t.Fatalf("cache %d: %d users, %d and %d messages; given whole: %d, %d and %d", cache,
				d.Users(), d.Messages(), d.BotMessages(), eager.Users(), eager.Messages(), eager.BotMessages())
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				order := rand.New(rand.NewPCG(uint64(w), uint64(cache))).Perm(len(queries))
				for k, i := range order {
					res := d.Query(queries[i])
					size := int64(len(want[i]))
					if k%2 == w%2 { // sized first, as the server does, or not
						size = res.Size()
					}
					var b bytes.Buffer
					res.WriteTo(&b)
					if size != int64(b.Len()) {
						t.Errorf("cache %d, worker %d, %s: Size %d, wrote %d", cache, w, queryString(queries[i]), size, b.Len())
					}
					if !bytes.Equal(b.Bytes(), want[i]) {
						t.Errorf("cache %d, worker %d, %s: answer differs from the users given whole", cache, w, queryString(queries[i]))
						return
					}
					if res.Interactions() != eager.Query(queries[i]).Interactions() {
						t.Errorf("cache %d, %s: Interactions differ", cache, queryString(queries[i]))
					}
					if got, want := d.Explain(queries[i]), eager.Explain(queries[i]); !reflect.DeepEqual(got, want) {
						t.Errorf("cache %d, %s: Explain %+v, given whole %+v", cache, queryString(queries[i]), got, want)
					}
				}
			}()
		}
		wg.Wait()
		if st := d.CacheStats(); st.Bytes > st.Max {
			t.Errorf("cache %d holds %d bytes, over its bound %d", cache, st.Bytes, st.Max)
		}
	}
}

// TestWriteToStopsWithItsWriter checks that an answer made ahead of its
// writer stops making it when the writer fails, and leaves nothing
// running.
func TestWriteToStopsWithItsWriter(t *testing.T) {
	d, err := NewSeededCache(testContract(t), 5, 3000, DefaultWindow(), 0)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	w := DefaultWindow()
	for range 20 {
		res := d.Query(Query{From: w.Start, To: w.End})
		if n, err := res.WriteTo(&failingWriter{left: 10 << 10}); err == nil || n >= res.Size() {
			t.Fatalf("wrote %d bytes of %d, error %v; want an error", n, res.Size(), err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines left running, %d before", n, before)
	}
}

type failingWriter struct{ left int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.left {
		n := f.left
		f.left = 0
		return n, errors.New("gone")
	}
	f.left -= len(p)
	return len(p), nil
}

// TestLazyAnswersWhateverTheCPUs builds a seeded dataset and answers from it
// with 1, 3 and 8 CPUs: skeletons are drawn in parallel chunks and large
// answers made by workers, and neither may show in the bytes. Not
// parallel: it sets GOMAXPROCS, which Go's test runner lets no parallel
// test see (they run after the sequential ones).
func TestLazyAnswersWhateverTheCPUs(t *testing.T) {
	const seed, n = 9, 3000
	c := testContract(t)
	queries := determinismQueries()
	answers := func() [][]byte {
		d, err := NewSeededCache(c, seed, n, DefaultWindow(), 0)
		if err != nil {
			t.Fatal(err)
		}
		out := make([][]byte, len(queries))
		for i, q := range queries {
			var b bytes.Buffer
			res := d.Query(q)
			size := res.Size()
			res.WriteTo(&b)
			if size != int64(b.Len()) {
				t.Fatalf("GOMAXPROCS %d, %s: Size %d, wrote %d", runtime.GOMAXPROCS(0), queryString(q), size, b.Len())
			}
			out[i] = b.Bytes()
		}
		return out
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	want := answers()
	for _, procs := range []int{3, 8} {
		runtime.GOMAXPROCS(procs)
		for i, got := range answers() {
			if !bytes.Equal(got, want[i]) {
				t.Errorf("GOMAXPROCS %d, %s: the answer differs from one CPU's", procs, queryString(queries[i]))
			}
		}
	}
}
