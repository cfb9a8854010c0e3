package dataset

import "slices"

// UsersWith is the number of users who have a value for the attribute: a
// filter on an attribute nobody has matches no one, which a recording of
// a provider that does not return the attribute makes common.
func (d *Dataset) UsersWith(attribute string) int {
	i := slices.Index(d.attributes, attribute)
	if i < 0 {
		return 0
	}
	any := newLikeMatcher("") // LIKE '%%': every value, never null
	ft := filterer{d: d}
	n := 0
	for u := range d.users {
		if ft.keeps(&compiledFilter{attr: i, m: any}, u) {
			n++
		}
	}
	return n
}

// Attributes are the filterable attributes, in the contract's order.
func (d *Dataset) Attributes() []string { return slices.Clone(d.attributes) }
