package dataset

import (
	"testing"

	"github.com/brianvoe/gofakeit/v6"
)

// TestFakeRandIsGofakeit holds fakeRand to the draws gofakeit makes from
// the same source: the generated data depends on them number for number.
func TestFakeRandIsGofakeit(t *testing.T) {
	t.Parallel()
	ranges := [][2]int{{0, 0}, {0, 1}, {1, 3}, {0, 9}, {0, 99}, {0, 999}, {2, 15}, {1500, 25000}, {0, 1 << 20}, {0, 15}, {5, 3}, {0, 0xffff}, {1, 254}}
	for seed := uint64(0); seed < 200; seed++ {
		want := gofakeit.NewCustom(&splitMix64{state: seed * 0x9e3779b97f4a7c15})
		got := fakeRand{splitMix64{state: seed * 0x9e3779b97f4a7c15}}
		for k := range 300 {
			switch k % 5 {
			case 4:
				if w, g := want.Numerify("4######"), string(got.appendNumerify(nil, "4######")); w != g {
					t.Fatalf("seed %d draw %d: Numerify %q, want %q", seed, k, g, w)
				}
				if w, g := want.Numerify("##-###"), string(got.appendNumerify(nil, "##-###")); w != g {
					t.Fatalf("seed %d draw %d: Numerify %q, want %q", seed, k, g, w)
				}
			default:
				r := ranges[(k*7+int(seed))%len(ranges)]
				if w, g := want.IntRange(r[0], r[1]), got.IntRange(r[0], r[1]); w != g {
					t.Fatalf("seed %d draw %d: IntRange(%d, %d) = %d, want %d", seed, k, r[0], r[1], g, w)
				}
			}
		}
	}
}
