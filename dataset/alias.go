package dataset

import (
	"math"
	"math/bits"
	"slices"
)

// Skeletons draw many-branched choices (a conversation's flow, a user's
// device) in one draw: the choices are written once as code that picks
// (drawShape, deviceDraw), every outcome of that code and its chance are
// found by walking all its branches (enumerate), and the outcomes are
// drawn from an alias table (Vose's method): the odds are the code's, to
// within about a millionth, for one draw and no unpredictable branch.

// choices is what code that picks asks of its source of randomness.
type choices interface {
	chance(percent uint64) bool
	pick(t *wtab) int
}

// pick is the code a draw picks in t (its index, or the code codeTable
// put there), as pickIndex picks by weights.
func (r *fastRand) pick(t *wtab) int { return int(t.idx[r.below(t.n)]) }

// enumerate is every outcome of draw with its chance.
func enumerate(draw func(choices) uint32) map[uint32]float64 {
	out := map[uint32]float64{}
	pending := [][]int{nil}
	for len(pending) > 0 {
		w := &walker{script: pending[len(pending)-1], p: 1}
		pending = pending[:len(pending)-1]
		v := draw(w)
		if w.p > 0 {
			out[v] += w.p
		}
		// The branches not taken past the script, to walk in turn.
		for pos := len(w.script); pos < len(w.path); pos++ {
			for c := 1; c < w.arity[pos]; c++ {
				pending = append(pending, append(slices.Clone(w.path[:pos]), c))
			}
		}
	}
	return out
}

// walker follows a script of choices, then the first choice at each
// step; it records the way it went, how many ways each step had, and the
// chance of that way.
type walker struct {
	script, path, arity []int
	p                   float64
}

func (w *walker) choose(weights []float64) int {
	c := 0
	if pos := len(w.path); pos < len(w.script) {
		c = w.script[pos]
	}
	total := 0.0
	for _, x := range weights {
		total += x
	}
	w.path, w.arity = append(w.path, c), append(w.arity, len(weights))
	w.p *= weights[c] / total
	return c
}

func (w *walker) chance(percent uint64) bool {
	return w.choose([]float64{float64(percent), float64(100 - percent)}) == 0
}

func (w *walker) pick(t *wtab) int {
	var codes []int
	var weights []float64
	for _, code := range t.idx {
		k := slices.Index(codes, int(code))
		if k < 0 {
			k = len(codes)
			codes, weights = append(codes, int(code)), append(weights, 0)
		}
		weights[k]++
	}
	return codes[w.choose(weights)]
}

// aliasTable draws outcomes with given chances in one draw: column k of
// n is drawn, then its own outcome with chance cut[k]/2^32, else its
// alias.
type aliasTable struct {
	n    uint64
	cols []aliasCol
}

type aliasCol struct {
	cut      uint64
	val, alt uint32
}

// newAliasTable is Vose's alias table of the outcomes, whose chances sum
// to 1; outcomes in order, so the table is the same on every run.
func newAliasTable(chances map[uint32]float64) aliasTable {
	vals := make([]uint32, 0, len(chances))
	for v := range chances {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	n := len(vals)
	t := aliasTable{n: uint64(n), cols: make([]aliasCol, n)}
	scaled := make([]float64, n)
	var small, large []int
	for k, v := range vals {
		scaled[k] = chances[v] * float64(n)
		t.cols[k] = aliasCol{val: v, alt: v}
		if scaled[k] < 1 {
			small = append(small, k)
		} else {
			large = append(large, k)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		t.cols[s].cut = uint64(math.Round(scaled[s] * (1 << 32)))
		t.cols[s].alt = vals[l]
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, k := range append(small, large...) { // what rounding left: whole
		t.cols[k].cut = 1 << 32
	}
	return t
}

// draw is an outcome: the high word of x*n is the column, and the top
// of the low word, still uniform, the coin.
func (t *aliasTable) draw(f *fastRand) uint32 {
	hi, lo := bits.Mul64(f.s.Uint64(), t.n)
	c := &t.cols[hi]
	own := uint32(int64(lo>>32-c.cut) >> 63) // all ones when the coin falls under the cut
	return c.alt ^ (c.val^c.alt)&own
}
