package dataset

import "testing"

// UsersWith counts the users who have a value for an attribute, an empty
// one included (LIKE '%%' matches it; null matches nothing), over users
// given whole and over generated ones.
func TestUsersWith(t *testing.T) {
	c := testContract(t)
	d, err := New(c, []User{
		{ID: "a", Attributes: map[string]string{"browser": "chrome", "country": ""}},
		{ID: "b", Attributes: map[string]string{"browser": "firefox"}},
		{ID: "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for attr, want := range map[string]int{"browser": 2, "country": 1, "os": 0, "no-such-filter": 0} {
		if got := d.UsersWith(attr); got != want {
			t.Errorf("given whole: UsersWith(%q) = %d, want %d", attr, got, want)
		}
	}
	const n = 300
	users := Generate(2, n, DefaultWindow())
	seeded, err := NewSeededCache(c, 2, n, DefaultWindow(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, attr := range c.Attributes() {
		want := 0
		for _, u := range users {
			if _, ok := u.Attributes[attr]; ok {
				want++
			}
		}
		if got := seeded.UsersWith(attr); got != want {
			t.Errorf("generated: UsersWith(%q) = %d, want %d (a scan of Generate)", attr, got, want)
		}
	}
}
