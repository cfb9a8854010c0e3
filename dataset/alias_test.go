package dataset

import (
	"math"
	"testing"
)

// TestShapeTables checks that skeletons draw shapes with drawShape's
// odds: the walk of its branches finds every outcome (chances summing to
// 1, each outcome's frequency over drawShape's own draws within five
// standard deviations, and five draws, of its chance), and the alias tables give each
// outcome its chance.
func TestShapeTables(t *testing.T) {
	t.Parallel()
	tables := shapeTables()
	for k := range tables {
		webchat, scenario := k>>1 == 1, scCustomerSupport
		if k&1 == 1 {
			scenario = scFeedbackSurvey
		}
		chances := checkAlias(t, k, enumerate(func(f choices) uint32 { return uint32(drawShape(f, webchat, scenario)) }), &tables[k])
		r := skeletonRand(7, uint64(k))
		const draws = 400_000
		seen := map[uint32]int{}
		for range draws {
			seen[uint32(drawShape(&r, webchat, scenario))]++
		}
		for v, n := range seen {
			p := chances[v]
			if p == 0 {
				t.Fatalf("table %d: drawShape gave %#x, which the walk did not find", k, v)
			}
			if sd := math.Sqrt(draws * p * (1 - p)); math.Abs(float64(n)-draws*p) > 5*sd+5 { // +5: rare outcomes come in small counts
				t.Errorf("table %d: shape %#x drawn %d times in %d, chance %.6f", k, v, n, draws, p)
			}
		}
	}
}

// checkAlias checks that the chances sum to 1 and that table gives each
// outcome its chance.
func checkAlias(t *testing.T, name int, outcomes []outcome, table *aliasTable) map[uint32]float64 {
	t.Helper()
	sum := 0.0
	chances := map[uint32]float64{}
	for _, o := range outcomes {
		if _, dup := chances[o.v]; dup {
			t.Fatalf("table %d: outcome %#x twice", name, o.v)
		}
		chances[o.v] = o.p
		sum += o.p
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("table %d: chances sum to %v", name, sum)
	}
	got := map[uint32]float64{}
	for _, c := range table.cols {
		own := float64(c.cut) / (1 << 32)
		got[c.val] += own / float64(table.n)
		got[c.alt] += (1 - own) / float64(table.n)
	}
	for v, p := range chances {
		if math.Abs(got[v]-p) > 1e-9 {
			t.Errorf("table %d: outcome %#x has chance %.12f in the table, %.12f in the code", name, v, got[v], p)
		}
	}
	return chances
}

// TestDeviceTables is TestShapeTables for devices, at a few shares of iOS.
func TestDeviceTables(t *testing.T) {
	t.Parallel()
	for _, ios := range []uint64{4, 50, 57} {
		tables := deviceTables(ios)
		for p := range tables {
			chances := checkAlias(t, p, enumerate(func(f choices) uint32 { return deviceDraw(f, ios, uint8(p)) }), &tables[p])
			r := skeletonRand(ios, uint64(p))
			const draws = 200_000
			seen := map[uint32]int{}
			for range draws {
				seen[deviceDraw(&r, ios, uint8(p))]++
			}
			for v, n := range seen {
				p := chances[v]
				if sd := math.Sqrt(draws * p * (1 - p)); p == 0 || math.Abs(float64(n)-draws*p) > 5*sd+5 {
					t.Errorf("iOS %d%%: device %#x drawn %d times in %d, chance %.6f", ios, v, n, draws, p)
				}
			}
		}
	}
}
