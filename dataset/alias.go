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

// The tables of shapes and devices take a few milliseconds of one core
// to make, once per process, when the first skeleton needs them: a
// process that generates nothing (odmock journal, verify) pays nothing.

// choices is what code that picks asks of its source of randomness.
type choices interface {
	chance(percent uint64) bool
	pick(t *wtab) int
}

// pick is the code a draw picks in t (its index, or the code codeTable
// put there), as pickIndex picks by weights.
func (r *fastRand) pick(t *wtab) int { return int(t.idx[r.below(t.n)]) }

// outcome is a value code that picks can give, and its chance.
type outcome struct {
	v uint32
	p float64
}

// enumerate is every outcome of draw with its chance, by value: draw runs
// once per way through its choices, in order, each way the last one with
// its deepest choice not yet at its last option moved to the next; the
// chances of ways to one value are added in that order.
func enumerate(draw func(choices) uint32) []outcome {
	var ways []uint64 // value<<32 | the way's number
	var chance []float64
	w := &walker{}
	for {
		w.pos, w.p = 0, 1
		if v := draw(w); w.p > 0 {
			ways = append(ways, uint64(v)<<32|uint64(len(chance)))
			chance = append(chance, w.p)
		}
		pos := len(w.path) - 1
		for pos >= 0 && w.path[pos]+1 == w.arity[pos] {
			pos--
		}
		if pos < 0 {
			break
		}
		w.path[pos]++
		w.path, w.arity = w.path[:pos+1], w.arity[:pos+1]
	}
	slices.Sort(ways)
	var out []outcome
	for _, x := range ways {
		v, p := uint32(x>>32), chance[uint32(x)]
		if k := len(out) - 1; k >= 0 && out[k].v == v {
			out[k].p += p
		} else {
			out = append(out, outcome{v, p})
		}
	}
	return out
}

// walker makes the choices of path, then the first option at each
// further step, appended to path; arity is how many options each step
// had, and p the chance of the way taken.
type walker struct {
	path, arity []int
	pos         int
	p           float64
}

func (w *walker) choose(weights []float64, total float64) int {
	if w.pos == len(w.path) {
		w.path, w.arity = append(w.path, 0), append(w.arity, len(weights))
	}
	c := w.path[w.pos]
	w.pos++
	w.p *= weights[c] / total
	return c
}

func (w *walker) chance(percent uint64) bool {
	ws := [2]float64{float64(percent), float64(100 - percent)}
	return w.choose(ws[:], 100) == 0
}

func (w *walker) pick(t *wtab) int { return int(t.codes[w.choose(t.weights, float64(t.n))]) }

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
// to 1.
func newAliasTable(outcomes []outcome) aliasTable {
	n := len(outcomes)
	t := aliasTable{n: uint64(n), cols: make([]aliasCol, n)}
	scaled := make([]float64, n)
	var small, large []int
	for k, o := range outcomes {
		scaled[k] = o.p * float64(n)
		t.cols[k] = aliasCol{val: o.v, alt: o.v}
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
		t.cols[s].alt = outcomes[l].v
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
