package contract

import "testing"

// FuzzParseQuery checks parseQuery's promises for any input: names are
// never empty and never repeat, and the last of repeated names wins.
func FuzzParseQuery(f *testing.F) {
	for _, q := range []string{"", "a=1&a=2", "a[]=1&a=2", "a.b=1&a_b=2", "+a=+1+", "%=%", "&&=&", "[a]=1", "a[=1", "a]=1&a[b=2"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params := ParseQuery(raw)
		seen := map[string]bool{}
		for _, p := range params {
			if p.Name == "" {
				t.Fatalf("ParseQuery(%q): an empty name", raw)
			}
			if seen[p.Name] {
				t.Fatalf("ParseQuery(%q): %q twice", raw, p.Name)
			}
			seen[p.Name] = true
			if p.Value != phpTrim(p.Value) {
				t.Fatalf("ParseQuery(%q): value %q is not trimmed", raw, p.Value)
			}
		}
		// Appending a parameter overrides any earlier one of its name.
		more := ParseQuery(raw + "&zz=last")
		if p, ok := more.Get("zz"); !ok || p.Value != "last" || p.Array {
			t.Fatalf("ParseQuery(%q+\"&zz=last\"): zz = %+v, %v; want last", raw, p, ok)
		}
	})
}
