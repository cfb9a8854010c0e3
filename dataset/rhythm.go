package dataset

import (
	"time"
)

// rhythm is when conversations happen: on the user's own clock, quiet at
// night with peaks late in the morning and in the evening, fewer at
// weekends, and a few busy days (a sale, an outage) that every user of a
// dataset shares. It depends only on the seed and the window, so users
// stay independent of each other.
type rhythm struct {
	w Window
	// days are the local calendar days conversations may start on (the
	// window's days and one either side, for zones ahead and behind),
	// with cumulative weights.
	days  []time.Time
	cumD  []int
	hours [24]int // cumulative weights of the local hours
	// The same as tables the skeleton draws from, in Unix seconds: a draw
	// v from 0 to len(dayOf)-1 falls on day dayOf[v], which starts at
	// daySec[dayOf[v]], and a draw from 0 to len(hourOf)-1 on hour
	// hourOf[v]. long is whether the window is long enough for the
	// rhythm; first and last are the earliest and latest anchors in it.
	dayOf       []uint32
	daySec      []int64
	hourOf      []uint8
	long        bool
	first, last int64
}

// hourWeights is how busy each local hour is, midnight first.
func hourWeights() [24]int {
	return [24]int{12, 7, 4, 3, 3, 5, 12, 25, 45, 70, 90, 100, 85, 78, 82, 80, 74, 66, 64, 74, 82, 72, 45, 24}
}

// weekdayWeight is how busy a day of the week is, in percent of a weekday.
func weekdayWeight(d time.Weekday) int {
	switch d {
	case time.Saturday:
		return 62
	case time.Sunday:
		return 55
	}
	return 100
}

func newRhythm(seed uint64, w Window) *rhythm {
	r := &rhythm{w: w}
	first := w.Start.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	last := w.End.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		r.days = append(r.days, d)
	}
	weights := make([]int, len(r.days))
	for i, d := range r.days {
		weights[i] = weekdayWeight(d.Weekday())
	}
	// Busy days: about one in twelve, two to three times as busy, chosen
	// by the seed and the window alone.
	mix := splitMix64{state: seed ^ 0x2545f4914f6cdd1d ^ uint64(w.Start.Unix())*0x9e3779b97f4a7c15 ^ uint64(w.End.Unix())}
	for range max(1, len(r.days)/12) {
		i := int(mix.Uint64() % uint64(len(r.days)))
		weights[i] = weights[i] * int(200+mix.Uint64()%100) / 100
	}
	total := 0
	r.cumD = make([]int, len(weights))
	for i, wt := range weights {
		total += wt
		r.cumD[i] = total
	}
	total = 0
	for h, wt := range hourWeights() {
		total += wt
		r.hours[h] = total
	}
	r.long = w.End.Sub(w.Start) >= 2*24*time.Hour
	if r.long {
		r.tables()
	}
	return r
}

// tables fills dayOf, daySec, hourOf, first and last.
func (r *rhythm) tables() {
	r.dayOf = make([]uint32, r.cumD[len(r.cumD)-1])
	d := 0
	for v := range r.dayOf {
		for r.cumD[d] < v+1 {
			d++
		}
		r.dayOf[v] = uint32(d)
	}
	for _, day := range r.days {
		r.daySec = append(r.daySec, day.Unix())
	}
	r.hourOf = make([]uint8, r.hours[23])
	h := 0
	for v := range r.hourOf {
		for r.hours[h] < v+1 {
			h++
		}
		r.hourOf[v] = uint8(h)
	}
	// at-pre is not before the start: at least its second, rounded up;
	// at+post not after the end: at most its second.
	start, end := r.w.Start.Unix(), r.w.End.Unix()
	if r.w.Start.Nanosecond() > 0 {
		start++
	}
	r.first, r.last = start+int64(preBound/time.Second), end-int64(postBound/time.Second)
}

// start draws the anchor of a conversation (its first user message), in
// Unix seconds, for a user in zone z: a local day and hour by the rhythm,
// the conversation's messages, at most preBound before and postBound
// after it, inside the window. A window too short for the rhythm (a few
// hours) gets a uniform draw.
func (r *rhythm) start(f *fastRand, z *zone) int64 {
	if r.long {
		for range 6 {
			d := r.dayOf[f.below(uint64(len(r.dayOf)))]
			h := r.hourOf[f.below(uint64(len(r.hourOf)))]
			local := r.daySec[d] + int64(h)*3600 + int64(f.below(3600))
			at := local - z.offsetSec(local-z.offsetS)
			if at >= r.first && at <= r.last {
				return at
			}
		}
	}
	room := r.w.End.Sub(r.w.Start) - preBound - postBound
	if room < 0 {
		return r.w.Start.Add(preBound).Unix()
	}
	return r.w.Start.Add(preBound + time.Duration(f.IntRange(0, int(room/time.Second)))*time.Second).Unix()
}
