package dataset

import (
	"testing"
	"time"
)

// TestEmailCodeInverts checks that an address's number leads back to its
// user, the lookup of IDs without a map.
func TestEmailCodeInverts(t *testing.T) {
	t.Parallel()
	if 611_953*emailInverse%1_000_000 != 1 {
		t.Fatalf("emailInverse %d is not 611953's inverse modulo 10^6", emailInverse)
	}
	for _, i := range []uint64{0, 1, 2, 999_999, 1_000_000, 1_000_001, 123_456_789} {
		if got, ok := emailIndex(emailCode(i)); !ok || got != i {
			t.Errorf("emailIndex(emailCode(%d)) = %d, %v", i, got, ok)
		}
	}
	if _, ok := emailIndex(1_500_000); ok {
		t.Errorf("emailIndex(1500000): no user has it")
	}
}

// TestUUIDInverts checks that an anonymous user's UUID leads back to it.
func TestUUIDInverts(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 42, 1 << 60} {
		for _, i := range []uint64{1, 2, 77, 1 << 20, 99_999_999} {
			id := string(appendUUID(nil, uuidOf(seed, i)))
			got, ok := candidateIndex(seed, id)
			if !ok || got != i {
				t.Errorf("seed %d: candidateIndex(%s) = %d, %v; want %d", seed, id, got, ok, i)
			}
		}
	}
}

// TestShapeCountsAndBounds checks that a conversation has the messages its
// shape says, and that they keep within the bounds its placement assumed:
// what the lazy dataset counts and indexes without making them.
func TestShapeCountsAndBounds(t *testing.T) {
	t.Parallel()
	const seed = 9
	cat := newCatalog(seed, DefaultWindow())
	for i := uint64(1); i < 3000; i++ {
		sk, convs := cat.skeleton(seed, i, nil)
		p := cat.persona(detailsFaker(seed, i), &sk, i)
		for k, cv := range convs {
			msgs := cat.conversation(seed, i, k, p, cv)
			var user, bot int
			for _, m := range msgs {
				if m.FromBot() {
					bot++
				} else {
					user++
				}
				at := time.Unix(cv.at, 0)
				if m.Date.Before(at.Add(-preBound)) || m.Date.After(at.Add(postBound)) {
					t.Fatalf("user %d conversation %d: message at %s, anchor %s", i, k, m.Date, at)
				}
			}
			wu, wb := cv.shape.messages()
			if user != wu || bot != wb {
				t.Fatalf("user %d conversation %d (shape %#x): %d user and %d bot messages, shape says %d and %d", i, k, cv.shape, user, bot, wu, wb)
			}
			if first := firstUserMessage(msgs); first.Unix() != cv.at {
				t.Fatalf("user %d conversation %d: first user message at %s, anchor %d", i, k, first, cv.at)
			}
		}
	}
}

func firstUserMessage(msgs []Message) time.Time {
	for _, m := range msgs {
		if !m.FromBot() {
			return m.Date
		}
	}
	return time.Time{}
}
