package dataset

import (
	"bytes"
	"context"
	"testing"
)

// TestPresize: a presized dataset answers the same bytes, with the same
// Size, as one never presized; it learns every size and makes a large
// answer's conversations once, where without it they are made twice.
func TestPresize(t *testing.T) {
	t.Parallel()
	const seed, n, cache = 6, 3000, 64 << 10
	c := testContract(t)
	w := DefaultWindow()
	queries := append(determinismQueries(), Query{From: w.Start, To: w.End})
	window := len(queries) - 1
	answer := func(d *Dataset, q Query) (int64, []byte) {
		res := d.Query(q)
		size := res.Size()
		var b bytes.Buffer
		res.WriteTo(&b)
		return size, b.Bytes()
	}

	plain, err := NewSeededCache(c, seed, n, w, cache)
	if err != nil {
		t.Fatal(err)
	}
	if plain.st.(*lazyStore).pinned != nil {
		t.Fatal("the dataset is pinned whole: the test needs one larger than its cache")
	}
	before := plain.CacheStats()
	if generated := int64(len(plain.at)) - int64(plain.convOf[1]); before.Sized != 0 || before.Conversations != generated {
		t.Fatalf("a new dataset: %d of %d sized; want 0 of %d (the page's user's apart)", before.Sized, before.Conversations, generated)
	}
	wantSize := make([]int64, len(queries))
	want := make([][]byte, len(queries))
	for i, q := range queries {
		wantSize[i], want[i] = answer(plain, q)
	}
	twice := plain.CacheStats().Misses - before.Misses

	d, err := NewSeededCache(c, seed, n, w, cache)
	if err != nil {
		t.Fatal(err)
	}
	learned, done := d.Presize(context.Background(), nil)
	if !done {
		t.Fatal("Presize with no end: not done")
	}
	st := d.CacheStats()
	if int64(learned) != st.Conversations {
		t.Errorf("Presize learned %d sizes, want all %d", learned, st.Conversations)
	}
	if st.Sized != st.Conversations || st.Hits != 0 || st.Misses != 0 {
		t.Fatalf("presized: %d of %d sized, %d hits, %d misses; want all sized and no cache traffic", st.Sized, st.Conversations, st.Hits, st.Misses)
	}
	// The window first: every conversation made once, as it is written.
	size, b := answer(d, queries[window])
	if size != wantSize[window] || !bytes.Equal(b, want[window]) {
		t.Fatalf("presized whole window: Size %d and %d bytes, differ from the plain dataset's %d", size, len(b), wantSize[window])
	}
	once := d.CacheStats().Misses
	if once != st.Conversations {
		t.Errorf("presized whole window: %d conversations made, want each of %d once", once, st.Conversations)
	}
	if twice <= st.Conversations {
		t.Errorf("not presized, the queries made %d conversations, no more than the %d there are: the test shows nothing", twice, st.Conversations)
	}
	for i, q := range queries {
		if size, b := answer(d, q); size != wantSize[i] || !bytes.Equal(b, want[i]) {
			t.Errorf("presized, %s: Size %d and %d bytes; not presized: %d and %d", queryString(q), size, len(b), wantSize[i], len(want[i]))
		}
	}
	if learned, done := d.Presize(context.Background(), nil); !done || learned != 0 || d.CacheStats().Sized != st.Conversations {
		t.Errorf("a second Presize: done %v, learned %d; want done and none, the count unmoved", done, learned)
	}
}

// TestPresizeWaitsForIdle: Presize makes nothing more while the server
// is busy, and stops when its context ends.
func TestPresizeWaitsForIdle(t *testing.T) {
	t.Parallel()
	d, err := NewSeededCache(testContract(t), 7, 3000, DefaultWindow(), 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	asked := 0
	var sizedWhenAsked []int64
	busy := func() bool {
		asked++
		sizedWhenAsked = append(sizedWhenAsked, d.CacheStats().Sized)
		if asked == 3 {
			cancel()
		}
		return false
	}
	learned, done := d.Presize(ctx, busy)
	if done {
		t.Fatal("Presize of a busy server whose context ended: done")
	}
	st := d.CacheStats()
	if int64(learned) != st.Sized {
		t.Errorf("learned %d, but %d sized", learned, st.Sized)
	}
	if asked != 3 || st.Sized >= st.Conversations {
		t.Fatalf("asked %d times, %d of %d sized; want 3 times and not all", asked, st.Sized, st.Conversations)
	}
	// One slice (and the rest of its last user's conversations) before
	// the first look, nothing after.
	if first := sizedWhenAsked[0]; first < presizeSlice || first > presizeSlice+64 {
		t.Errorf("%d sized before the first look at idle; want a slice, %d", first, presizeSlice)
	}
	for i, n := range sizedWhenAsked {
		if n != sizedWhenAsked[0] || st.Sized != n {
			t.Errorf("look %d: %d sized, then %d at the end; want no more than at the first look, %d", i, n, st.Sized, sizedWhenAsked[0])
		}
	}

	// Idle again: it goes on where it stopped, to the end.
	looks := 0
	if more, done := d.Presize(context.Background(), func() bool { looks++; return true }); !done || int64(learned+more) != d.CacheStats().Conversations {
		t.Fatalf("Presize of an idle server: done %v, learned %d after %d; want done, all %d", done, more, learned, d.CacheStats().Conversations)
	}
	if st := d.CacheStats(); st.Sized != st.Conversations || looks == 0 {
		t.Errorf("idle: %d of %d sized, %d looks at idle", st.Sized, st.Conversations, looks)
	}
}

// TestPresizeNothingToLearn: a dataset given whole and a small one held
// whole have nothing to presize.
func TestPresizeNothingToLearn(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	eager, err := New(c, Generate(2, 50, DefaultWindow()))
	if err != nil {
		t.Fatal(err)
	}
	small, err := NewSeeded(c, 2, 50, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	never := func() bool { t.Error("idle asked of a dataset with nothing to presize"); return false }
	for name, d := range map[string]*Dataset{"given whole": eager, "small": small} {
		if learned, done := d.Presize(context.Background(), never); !done || learned != 0 {
			t.Errorf("%s: Presize learned %d, done %v; want none, done", name, learned, done)
		}
	}
}

// TestPresizeWhileQueried: presizing beside queries changes no answer.
func TestPresizeWhileQueried(t *testing.T) {
	t.Parallel()
	const seed, n, cache = 8, 3000, 64 << 10
	c := testContract(t)
	w := DefaultWindow()
	queries := append(raceShare(determinismQueries()), Query{From: w.Start, To: w.End})
	plain, err := NewSeededCache(c, seed, n, w, cache)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]byte, len(queries))
	for i, q := range queries {
		var b bytes.Buffer
		plain.Query(q).WriteTo(&b)
		want[i] = b.Bytes()
	}
	d, err := NewSeededCache(c, seed, n, w, cache)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		_, ok := d.Presize(context.Background(), nil)
		done <- ok
	}()
	for i, q := range queries {
		res := d.Query(q)
		size := res.Size()
		var b bytes.Buffer
		res.WriteTo(&b)
		if size != int64(b.Len()) || !bytes.Equal(b.Bytes(), want[i]) {
			t.Errorf("%s beside Presize: Size %d, %d bytes; differ from %d bytes", queryString(q), size, b.Len(), len(want[i]))
		}
	}
	if !<-done {
		t.Error("Presize: false")
	}
	if st := d.CacheStats(); st.Sized != st.Conversations {
		t.Errorf("%d of %d sized", st.Sized, st.Conversations)
	}
}
