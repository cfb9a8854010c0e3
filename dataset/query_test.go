package dataset

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
)

// queryString renders q as a request's query string.
func queryString(q Query) string {
	v := url.Values{}
	v.Set("from", q.From.Format(time.DateTime))
	v.Set("to", q.To.Format(time.DateTime))
	if q.UserID != "" {
		v.Set("user_id", q.UserID)
	}
	for _, f := range q.Filters {
		v.Set(f.Attribute, f.Value)
	}
	return v.Encode()
}

// bruteForceQueries makes queries that cover every filter: values taken
// from the data (whole, partial, in other cases, with LIKE wildcards),
// values nobody has, user IDs, and windows of many sizes.
func bruteForceQueries(c *contract.Contract, users []User, seed uint64) []Query {
	rng := rand.New(rand.NewPCG(seed, 7))
	w := DefaultWindow()
	full := Query{From: w.Start, To: w.End}
	var qs []Query
	qs = append(qs, full, Query{From: w.End, To: w.Start})
	randomWindow := func() (time.Time, time.Time) {
		span := int64(w.End.Sub(w.Start) / time.Second)
		a := w.Start.Add(time.Duration(rng.Int64N(span)) * time.Second)
		b := a.Add(time.Duration(rng.Int64N(span/3)) * time.Second)
		return a, b
	}
	pickUser := func() User { return users[rng.IntN(len(users))] }
	for _, attr := range c.Attributes() {
		for range 12 {
			u := pickUser()
			v, ok := u.Attributes[attr]
			if !ok || v == "" {
				continue
			}
			rs := []rune(v)
			i := rng.IntN(len(rs))
			j := i + 1 + rng.IntN(len(rs)-i)
			part := string(rs[i:j])
			from, to := randomWindow()
			qs = append(qs,
				Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: attr, Value: v}}},
				Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: attr, Value: strings.ToUpper(part)}}},
				Query{From: from, To: to, Filters: []Filter{{Attribute: attr, Value: part}}},
				Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: attr, Value: strings.Replace(v, string(rs[i]), "_", 1)}}},
				Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: attr, Value: string(rs[:i]) + "%" + string(rs[j:])}}},
			)
		}
		qs = append(qs, Query{From: w.Start, To: w.End, Filters: []Filter{{Attribute: attr, Value: "no-such-value-zz"}}})
	}
	for range 40 { // two or three filters ANDed, some with a user
		from, to := randomWindow()
		if rng.IntN(4) == 0 {
			from, to = w.Start, w.End
		}
		q := Query{From: from, To: to}
		for range 2 + rng.IntN(2) {
			attr := c.Attributes()[rng.IntN(len(c.Attributes()))]
			v := pickUser().Attributes[attr]
			if len(v) > 3 {
				v = v[:1+rng.IntN(3)]
			}
			q.Filters = append(q.Filters, Filter{Attribute: attr, Value: v})
		}
		if rng.IntN(3) == 0 {
			q.UserID = pickUser().ID
		}
		qs = append(qs, q)
	}
	for range 20 { // narrow windows, alone and filtered: the timeline's path
		from := w.Start.Add(time.Duration(rng.Int64N(int64(w.End.Sub(w.Start)/time.Second))) * time.Second)
		q := Query{From: from, To: from.Add(time.Duration(1+rng.IntN(24*3600)) * time.Second)}
		qs = append(qs, q)
		attr := c.Attributes()[rng.IntN(len(c.Attributes()))]
		if v := pickUser().Attributes[attr]; len(v) > 1 {
			qs = append(qs, Query{From: q.From, To: q.To, Filters: []Filter{{Attribute: attr, Value: v[:2]}}})
		}
	}
	for range 30 { // users, alone, in windows that cut their conversations
		u := pickUser()
		q := Query{From: w.Start, To: w.End, UserID: u.ID}
		if len(u.Messages) > 0 && rng.IntN(2) == 0 {
			m := u.Messages[rng.IntN(len(u.Messages))]
			q.From = m.Date
			q.To = m.Date.Add(time.Duration(rng.IntN(3600)) * time.Second)
		}
		qs = append(qs, q, Query{From: q.From, To: q.To, UserID: strings.ToUpper(u.ID)})
	}
	// The server reads a query as Laravel does (values trimmed, empty ones
	// ignored, the last of a repeated name wins: see TestLaravelQueryReading).
	// Keep the queries to what it will see, so the reference can be naive.
	for i := range qs {
		seen := map[string]bool{}
		var fs []Filter
		for j := len(qs[i].Filters) - 1; j >= 0; j-- {
			f := qs[i].Filters[j]
			f.Value = strings.TrimSpace(f.Value)
			if f.Value != "" && !seen[f.Attribute] {
				seen[f.Attribute] = true
				fs = append(fs, f)
			}
		}
		qs[i].Filters = fs
	}
	return qs
}

// TestQueryMatchesBruteForce checks that every filter returns exactly the
// users and messages, in the order and bytes, that a plain scan of the
// dataset gives: each query read from its query string as the server
// reads it (contract.ValidateQuery), answered by the seeded dataset the
// server builds, streamed.
func TestQueryMatchesBruteForce(t *testing.T) {
	t.Parallel()
	const seed, n = 1, 300
	c := testContract(t)
	users := Generate(seed, n, DefaultWindow())
	queries := raceShare(bruteForceQueries(c, users, 1))
	// The lazy dataset, at cache sizes from none to all of it: the cache
	// never changes an answer.
	for _, cache := range []int64{0, 16 << 10, DefaultCacheBytes} {
		d, err := NewSeededCache(c, seed, n, DefaultWindow(), cache)
		if err != nil {
			t.Fatal(err)
		}
		nonEmpty := 0
		for _, q := range queries {
			raw := queryString(q)
			parsed, err := c.ValidateQuery(raw)
			if err != nil {
				t.Fatalf("ValidateQuery(%s): %v", raw, err)
			}
			res := d.Query(parsed)
			var got bytes.Buffer
			if _, err := res.WriteTo(&got); err != nil {
				t.Fatal(err)
			}
			want := referenceAnswer(t, c, users, q)
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("cache %d, ?%s:\n got %.600s\nwant %.600s", cache, raw, got.Bytes(), want)
			}
			if res.Size() != int64(got.Len()) {
				t.Errorf("cache %d, ?%s: Size %d, wrote %d", cache, raw, res.Size(), got.Len())
			}
			if string(want) != contract.EmptyBody {
				nonEmpty++
			}
		}
		// The queries must mostly find something, or the test proves little.
		if nonEmpty < len(queries)/2 {
			t.Errorf("only %d of %d queries found data", nonEmpty, len(queries))
		}
	}
}

// TestStreamedEqualsPlain checks the streaming encoder against the plain
// encoder directly, and that Size is the streamed length, for every query
// of the brute-force and determinism tests.
func TestStreamedEqualsPlain(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	for _, seed := range []uint64{1, 2} {
		users := Generate(seed, 150, DefaultWindow())
		d, err := New(c, users)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range raceShare(append(bruteForceQueries(c, users, seed), determinismQueries()...)) {
			res := d.Query(q)
			var buf bytes.Buffer
			n, err := res.WriteTo(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(buf.Len()) || n != res.Size() {
				t.Errorf("seed %d, %s: WriteTo says %d bytes, wrote %d, Size says %d", seed, queryString(q), n, buf.Len(), res.Size())
			}
			if want := referenceAnswer(t, c, users, q); !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("seed %d, %s: streamed and plain answers differ\n got %.400s\nwant %.400s", seed, queryString(q), buf.Bytes(), want)
			}
		}
	}
}

// TestQuerySemantics checks the page's rules one by one on hand-made users.
func TestQuerySemantics(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	users := []User{
		{ID: "u1", Name: strPtr("Ann"), Attributes: map[string]string{"browser": "chrome 120.0.0", "country": "US", "email": "ann_1@example.com"},
			Messages: []Message{
				{Date: at("2024-01-10 12:00:00"), Author: "me", Type: "text", Text: "first"},
				{Date: at("2024-01-10 12:00:01"), Author: AuthorBot, Type: "text", Text: "bot says"},
				{Date: at("2024-01-12 08:00:00"), Author: "me", Type: "text", Text: "later"},
			}},
		{ID: "u2", Name: nil, Attributes: map[string]string{"browser": "Firefox 121.0", "country": "GB"},
			Messages: []Message{
				{Date: at("2024-01-11 09:00:00"), Author: "me", Type: "button", Text: "b", Data: []byte(`{"name":"B","callback_id":"b"}`)},
			}},
		{ID: "u3", Attributes: map[string]string{"country": "US"},
			Messages: []Message{
				{Date: at("2024-01-09 09:00:00"), Author: AuthorBot, Type: "text", Text: "bot only"},
			}},
	}
	d, err := New(testContract(t), users)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		q         Query
		wantUsers string // user IDs in order, then each user's interaction texts
	}{
		{"all, by first message", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59")}, "u1[first later] u2[b]"},
		{"first message in range orders users", Query{From: at("2024-01-11 00:00:00"), To: at("2024-01-31 23:59:59")}, "u2[b] u1[later]"},
		{"from is inclusive", Query{From: at("2024-01-12 08:00:00"), To: at("2024-01-31 23:59:59")}, "u1[later]"},
		{"to is inclusive", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-10 12:00:00")}, "u1[first]"},
		{"a second later excludes", Query{From: at("2024-01-12 08:00:01"), To: at("2024-01-31 23:59:59")}, ""},
		{"bot messages never count", Query{From: at("2024-01-10 12:00:01"), To: at("2024-01-10 12:00:01")}, ""},
		{"inverted range", Query{From: at("2024-01-31 00:00:00"), To: at("2024-01-01 00:00:00")}, ""},
		{"user_id exact", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), UserID: "u2"}, "u2[b]"},
		{"user_id is case-sensitive", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), UserID: "U2"}, ""},
		{"user_id is not partial", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), UserID: "u"}, ""},
		{"filter ignores case", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "browser", Value: "FIREFOX"}}}, "u2[b]"},
		{"filter is partial", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "browser", Value: "120"}}}, "u1[first later]"},
		{"filters AND", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "country", Value: "us"}, {Attribute: "browser", Value: "fire"}}}, ""},
		{"missing attribute never matches", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "email", Value: "e"}}}, "u1[first later]"},
		{"_ matches one character", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "browser", Value: "chr_me"}}}, "u1[first later]"},
		{"% matches a run", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "browser", Value: "c%0.0"}}}, "u1[first later]"},
		{"escaped _ is literal", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "email", Value: `ann\_1`}}}, "u1[first later]"},
		{"escaped _ does not match other characters", Query{From: at("2024-01-01 00:00:00"), To: at("2024-01-31 23:59:59"), Filters: []Filter{{Attribute: "browser", Value: `chrome\_120`}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := d.Query(tt.q)
			var parts []string
			for _, g := range res.groups {
				var texts []string
				res.messages(&g, func(e *encodedConv, lo, hi int) {
					for _, m := range e.msgs[lo:hi] {
						texts = append(texts, strings.Split(strings.Split(string(e.buf[m.off:m.end]), `"text":"`)[1], `"`)[0])
					}
				})
				parts = append(parts, fmt.Sprintf("%s%v", d.st.(*eagerStore).users[g.u].id, texts))
			}
			if got := strings.Join(parts, " "); got != tt.wantUsers {
				t.Errorf("%s: got %q, want %q", queryString(tt.q), got, tt.wantUsers)
			}
			var buf bytes.Buffer
			res.WriteTo(&buf)
			if tt.wantUsers == "" && buf.String() != `{"data":[]}` {
				t.Errorf("%s: empty answer = %s, want {\"data\":[]}", queryString(tt.q), buf.String())
			}
		})
	}
}
