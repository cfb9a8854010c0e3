package dataset

import (
	"sort"
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
	return r
}

// start draws the anchor of a conversation (its first user message) for
// a user in zone z: a local day and hour by the rhythm, the conversation's
// messages, at most pre before and post after it, inside the window. A
// window too short for the rhythm (a few hours) gets a uniform draw.
func (r *rhythm) start(f drawer, z *zone, pre, post time.Duration) time.Time {
	if r.w.End.Sub(r.w.Start) >= 2*24*time.Hour {
		for range 6 {
			d := sort.SearchInts(r.cumD, f.IntRange(1, r.cumD[len(r.cumD)-1]))
			h := sort.SearchInts(r.hours[:], f.IntRange(1, r.hours[23]))
			local := r.days[d].Add(time.Duration(h)*time.Hour + time.Duration(f.IntRange(0, 3599))*time.Second)
			at := local.Add(-z.offset)
			at = local.Add(-z.offsetAt(at))
			if !at.Add(-pre).Before(r.w.Start) && !at.Add(post).After(r.w.End) {
				return at
			}
		}
	}
	room := r.w.End.Sub(r.w.Start) - pre - post
	if room < 0 {
		return r.w.Start.Add(pre)
	}
	return r.w.Start.Add(pre + time.Duration(f.IntRange(0, int(room/time.Second)))*time.Second)
}
