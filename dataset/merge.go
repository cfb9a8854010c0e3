package dataset

import "slices"

// MergeUsers returns base with extra added; a user of extra replaces the
// user of base with the same ID, in place.
func MergeUsers(base, extra []User) []User {
	out := slices.Clone(base)
	index := make(map[string]int, len(out))
	for i, u := range out {
		index[u.ID] = i
	}
	for _, u := range extra {
		if i, ok := index[u.ID]; ok {
			out[i] = u
		} else {
			index[u.ID] = len(out)
			out = append(out, u)
		}
	}
	return out
}
