package dataset

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// TestUserOf: the user of every conversation, found between two entries
// of userAt, is the one a search of all users finds, whatever the users'
// numbers of conversations: none, one, or more than a block.
func TestUserOf(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, counts := range [][]int{
		{},
		{0},
		{1},
		{0, 0, 3, 0},
		{1 << userBlockBits},
		{1<<userBlockBits - 1, 1, 1<<userBlockBits + 1, 0, 2},
		{0, 5 << userBlockBits, 0, 0, 1},
		nil, // random, below
	} {
		if counts == nil {
			for range 3000 {
				n := r.IntN(4) // most users have a few conversations
				if r.IntN(50) == 0 {
					n = r.IntN(3 << userBlockBits) // some more than a block
				}
				counts = append(counts, n)
			}
		}
		d := &Dataset{users: len(counts), convOf: []uint32{0}}
		for _, n := range counts {
			d.convOf = append(d.convOf, d.convOf[len(d.convOf)-1]+uint32(n))
		}
		conversations := int(d.convOf[len(d.convOf)-1])
		d.userAt = blockUsers(d.convOf, conversations)
		for c := range conversations {
			want := sort.Search(d.users, func(u int) bool { return d.convOf[u+1] > uint32(c) })
			if got := d.userOf(uint32(c)); got != want {
				t.Fatalf("%d users, conversation %d: user %d, want %d", d.users, c, got, want)
			}
		}
	}
}
