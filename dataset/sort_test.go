package dataset

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortByTime compares the time index's bucket sort with a plain sort
// of (anchor, index), at sizes that take each path: few anchors, buckets
// small and large, several parts, and anchors too sparse for buckets.
func TestSortByTime(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		n    int
		span int64
	}{{0, 1}, {1, 1}, {5, 10}, {1000, 90 * 86400}, {200_000, 365 * 86400}, {300_000, 3600}, {100_000, 1 << 45}} {
		at := make([]int64, tc.n)
		for i := range at {
			at[i] = 1_700_000_000 + r.Int64N(tc.span)
		}
		want := make([]uint32, tc.n)
		for i := range want {
			want[i] = uint32(i)
		}
		slices.SortFunc(want, func(a, b uint32) int { return cmp.Or(cmp.Compare(at[a], at[b]), cmp.Compare(a, b)) })
		if got := sortByTime(at); !slices.Equal(got, want) {
			t.Errorf("%d anchors over %d s: not in (anchor, index) order", tc.n, tc.span)
		}
	}
}
