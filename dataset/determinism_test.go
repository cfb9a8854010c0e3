package dataset

import (
	"bytes"
	"testing"
	"time"
)

// determinismQueries are the queries the determinism tests compare.
func determinismQueries() []Query {
	w := DefaultWindow()
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	return []Query{
		{From: w.Start, To: w.End},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}}},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}, {Attribute: "country", Value: "US"}}},
		{From: day(15), To: day(16), UserID: "user_12345"},
		{From: day(3), To: day(9), Filters: []Filter{{Attribute: "selected_scenario", Value: "billing"}}},
		{From: day(20), To: day(21), Filters: []Filter{{Attribute: "email", Value: "@example.org"}}},
	}
}

// TestGenerateIsStable checks that a user depends only on the seed and its
// index: more users leave the first ones as they were, so data does not
// move when --users changes.
func TestGenerateIsStable(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	small, err := New(c, Generate(7, 40, DefaultWindow()))
	if err != nil {
		t.Fatal(err)
	}
	large, err := New(c, Generate(7, 400, DefaultWindow()))
	if err != nil {
		t.Fatal(err)
	}
	for i := range small.users {
		q := Query{From: DefaultWindow().Start, To: DefaultWindow().End, UserID: small.users[i].id}
		var x, y bytes.Buffer
		small.Query(q).WriteTo(&x)
		large.Query(q).WriteTo(&y)
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Fatalf("user %d differs between 40 and 400 users", i)
		}
	}
}

// TestGeneratedDataInWindow checks that every generated message falls in
// the window, whatever the window.
func TestGeneratedDataInWindow(t *testing.T) {
	t.Parallel()
	windows := []Window{
		DefaultWindow(),
		{Start: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 23, 59, 59, 0, time.UTC)},
		{Start: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 12, 5, 0, 0, time.UTC)},
	}
	for _, w := range windows {
		users := Generate(5, 300, w)
		inWindow := 0
		for _, u := range users[1:] { // user 0 is the page's example, on its own dates
			for _, m := range u.Messages {
				if m.Date.Before(w.Start) || m.Date.After(w.End) && w.End.Sub(w.Start) > time.Hour {
					t.Fatalf("window %s: user %s has a message at %s", w, u.ID, m.Date)
				}
				inWindow++
			}
		}
		if inWindow == 0 {
			t.Errorf("window %s: no messages", w)
		}
	}
}
