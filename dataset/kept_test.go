package dataset

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// TestKeptRunsBoundedAcrossAnswers: sizing a large answer keeps its first
// runs for its writer. Many answers sized at once (as many requests in
// flight) keep about the cache's size in all, not each; writing an answer
// gives its share back, and so does an answer sized and never written
// (a HEAD request), once collected.
func TestKeptRunsBoundedAcrossAnswers(t *testing.T) {
	const cache = 256 << 10
	d, err := NewSeededCache(testContract(t), 4, 4000, DefaultWindow(), cache)
	if err != nil {
		t.Fatal(err)
	}
	s := d.st.(*lazyStore)
	if s.pinned != nil {
		t.Fatal("the dataset is pinned whole: the test needs answers larger than the cache")
	}
	w := DefaultWindow()
	q := Query{From: w.Start, To: w.End}
	// The slack: each worker may finish the run it started past the bound.
	slack := int64(runtime.GOMAXPROCS(0)) * 64 << 10
	results := make([]Result, 8)
	for i := range results {
		results[i] = d.Query(q)
		results[i].Size()
		if k := s.kept.Load(); k > cache+slack {
			t.Fatalf("after sizing %d answers, %d bytes kept; bound %d (+%d)", i+1, k, cache, slack)
		}
	}
	if s.kept.Load() == 0 {
		t.Fatal("no runs kept: the test shows nothing")
	}
	var first []byte
	for i := range results {
		var b bytes.Buffer
		results[i].WriteTo(&b)
		if i == 0 {
			first = b.Bytes()
		} else if !bytes.Equal(b.Bytes(), first) {
			t.Fatalf("answer %d differs from the first", i)
		}
	}
	if k := s.kept.Load(); k != 0 {
		t.Errorf("every answer written, %d bytes still kept", k)
	}

	// Sized, never written: given back when collected. A new dataset,
	// whose sizes are not known yet.
	d, err = NewSeededCache(testContract(t), 4, 4000, DefaultWindow(), cache)
	if err != nil {
		t.Fatal(err)
	}
	s = d.st.(*lazyStore)
	func() {
		r := d.Query(Query{From: w.Start, To: w.End.Add(-time.Hour)})
		r.Size()
	}()
	if s.kept.Load() == 0 {
		t.Fatal("a new answer kept nothing: the test shows nothing")
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.kept.Load() != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if k := s.kept.Load(); k != 0 {
		t.Errorf("an answer sized and dropped still holds %d bytes after 5 s of collections", k)
	}
}
