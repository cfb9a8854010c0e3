package dataset

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestAppendTimestamp holds appendTimestamp to time's formatter, dates
// from year 0 to 9999 included.
func TestAppendTimestamp(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	lo := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	if lo != minTimestamp || hi != maxTimestamp {
		t.Fatalf("range %d to %d, want %d to %d", minTimestamp, maxTimestamp, lo, hi)
	}
	secs := []int64{lo, hi, 0, -1, 86399, 86400, 951782400, 951868800, 1709164800, 4107542400}
	for range 100000 {
		secs = append(secs, lo+r.Int64N(hi-lo+1))
	}
	for k, sec := range secs {
		date := time.Unix(sec, 0).UTC()
		if k%3 == 1 {
			date = date.In(time.FixedZone("x", 3600*5+1800))
		}
		for _, d := range []time.Time{date, date.Add(time.Duration(r.Int64N(1e9)))} {
			if got, want := appendTimestamp(nil, d), d.UTC().AppendFormat(nil, timestampLayout); !bytes.Equal(got, want) {
				t.Fatalf("%v: %s, want %s", d, got, want)
			}
		}
	}
}

// TestJSONField holds jsonField's reading without a decoder to
// encoding/json's.
func TestJSONField(t *testing.T) {
	t.Parallel()
	objs := []string{`{}`, `{"name":"Yes","callback_id":"x"}`, `{"name":"a\"b\/c\u00e9","name":"last"}`, `{"name":1}`,
		`{"name":"x"} `, `{"name" :"x"}`, `{"name":"x",}`, `{"name":"x"`, `[]`, ``, `{"a":"b","name":"caf\u00e9 \ud83d\ude00"}`,
		"{\"name\":\"\xff\"}", "{\"name\":\"a\x01\"}", `{"name":null}`, `{"nam\u0065":"escaped key"}`}
	for _, o := range objs {
		var fields map[string]any
		want := ""
		if json.Unmarshal([]byte(o), &fields) == nil {
			want, _ = fields["name"].(string)
		}
		if got := jsonField([]byte(o), "name"); got != want {
			t.Errorf("%s: %q, want %q", o, got, want)
		}
	}
	if got := jsonField(jsonObject("name", "Sí / \"no\"", "callback_id", "c"), "name"); got != "Sí / \"no\"" {
		t.Errorf("jsonObject: %q", got)
	}
}

// TestLazyHeads holds the lazy store's head writer to appendHead and
// appendMid over the users' identities.
func TestLazyHeads(t *testing.T) {
	t.Parallel()
	d, err := NewSeededCache(testContract(t), 11, 5000, DefaultWindow(), 0)
	if err != nil {
		t.Fatal(err)
	}
	s := d.st.(*lazyStore)
	for u := 1; u < d.Users(); u++ {
		id, name, email := ident(s, u)
		want := appendHead(nil, id, name, email, name != nil)
		wantMid := len(want)
		want = appendMid(want, id)
		got, mid := s.appendHeads([]byte("x"), u)
		if !bytes.Equal(got[1:], want) || mid-1 != wantMid {
			t.Fatalf("user %d: %s (mid at %d), want %s (at %d)", u, got[1:], mid-1, want, wantMid)
		}
	}
}

// TestSortGroups holds sortGroups to a stable sort by first message,
// with many ties, and with times too far apart for its numbers.
func TestSortGroups(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	for _, spread := range []int64{1, 50, 1 << 40, math.MaxInt64} {
		gs := make([]group, 2000)
		for i := range gs {
			gs[i] = group{u: uint32(i), firstAt: r.Int64N(spread) - spread/2}
		}
		want := slices.Clone(gs)
		slices.SortStableFunc(want, func(a, b group) int { return cmp.Compare(a.firstAt, b.firstAt) })
		sortGroups(gs)
		if !slices.Equal(gs, want) {
			t.Errorf("spread %d: not a stable sort by first message", spread)
		}
	}
}

// ident is user u's ID, name and e-mail (when the webchat knows them),
// as strings: what appendHead writes.
func ident(s *lazyStore, u int) (id string, name *string, email string) {
	sk := &s.users[u]
	id = string(s.cat.appendUserID(nil, s.seed, sk, uint64(u)))
	if sk.flags&flagKnown == 0 {
		return id, nil, ""
	}
	c := &s.cat.countries[sk.country]
	names := s.cat.nameList(c, c.languages[sk.tag])
	full := names.first[sk.first] + " " + names.last[sk.last]
	return id, &full, id
}
