package dataset

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odmock/odmock/internal/liketest"
)

// plainCounts is Explain done the obvious way: a scan of every user and
// every message, LIKE through regexp.
func plainCounts(users []User, q Query) (inRange int, after []int, kept, msgs int) {
	n := len(q.Filters)
	if q.UserID != "" {
		n++
	}
	after = make([]int, n)
	for _, u := range users {
		in := 0
		for _, m := range u.Messages {
			if !m.FromBot() && !m.Date.Before(q.From) && !m.Date.After(q.To) {
				in++
			}
		}
		if in == 0 {
			continue
		}
		inRange++
		var tests []bool
		if q.UserID != "" {
			tests = append(tests, u.ID == q.UserID)
		}
		for _, f := range q.Filters {
			v, has := u.Attributes[f.Attribute]
			tests = append(tests, has && liketest.Regexp(f.Value).MatchString(strings.ToLower(v)))
		}
		all := true
		for k, ok := range tests {
			if !ok {
				all = false
				break
			}
			after[k]++
		}
		if all {
			kept++
			msgs += in
		}
	}
	return inRange, after, kept, msgs
}

// plainVerdict is ExplainUser done the obvious way.
func plainVerdict(users []User, q Query, id string) (verdict string, messages, bots int, filter string) {
	var u *User
	for i := range users {
		if users[i].ID == id {
			u = &users[i]
		}
	}
	if u == nil {
		return VerdictNoSuchUser, 0, 0, ""
	}
	for _, m := range u.Messages {
		if m.Date.Before(q.From) || m.Date.After(q.To) {
			continue
		}
		if m.FromBot() {
			bots++
		} else {
			messages++
		}
	}
	switch {
	case q.UserID != "" && q.UserID != id:
		return VerdictOtherUser, messages, 0, ""
	case messages == 0:
		return VerdictNoMessage, 0, min(bots, maxVerdictTimes), ""
	}
	for _, f := range q.Filters {
		v, has := u.Attributes[f.Attribute]
		if !has || !liketest.Regexp(f.Value).MatchString(strings.ToLower(v)) {
			return VerdictFilteredOut, messages, 0, f.Attribute
		}
	}
	return VerdictKept, messages, 0, ""
}

// TestExplainMatchesBruteForce checks Explain's counts, step by step, and
// ExplainUser's verdicts for random users against a plain scan, for the
// queries that check Query itself.
func TestExplainMatchesBruteForce(t *testing.T) {
	t.Parallel()
	const seed, n = 3, 300
	c := testContract(t)
	d, err := NewSeeded(c, seed, n, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	users := Generate(seed, n, DefaultWindow())
	rng := rand.New(rand.NewPCG(seed, 11))
	verdicts := map[string]int{}
	for _, q := range bruteForceQueries(c, users, seed) {
		e := d.Explain(q)
		inRange, after, kept, msgs := plainCounts(users, q)
		if q.From.After(q.To) {
			inRange, kept, msgs = 0, 0, 0
			after = make([]int, len(after))
		}
		got := []int{e.InRange, e.Users, e.Messages}
		for _, s := range e.Steps {
			got = append(got, s.After)
		}
		want := append([]int{inRange, kept, msgs}, after...)
		if !slices.Equal(got, want) {
			t.Errorf("Explain(%s): in range, kept, messages, steps = %v, plain scan %v", queryString(q), got, want)
		}
		if res := d.Query(q); res.Len() != e.Users || res.Interactions() != e.Messages {
			t.Errorf("Explain(%s) says %d users, %d messages; Query answers %d, %d", queryString(q), e.Users, e.Messages, res.Len(), res.Interactions())
		}
		for k := 1; k < len(e.Steps); k++ {
			if e.Steps[k].Before != e.Steps[k-1].After {
				t.Errorf("Explain(%s): step %d starts at %d, the one before ended at %d", queryString(q), k, e.Steps[k].Before, e.Steps[k-1].After)
			}
		}
		ids := []string{users[rng.IntN(n)].ID, users[rng.IntN(n)].ID, "no-such-user", users[0].ID}
		if q.UserID != "" {
			ids = append(ids, q.UserID)
		}
		for _, id := range ids {
			v := d.ExplainUser(q, id)
			wv, wm, wb, wf := plainVerdict(users, q, id)
			gf := ""
			if v.Filter != nil {
				gf = v.Filter.Param
			}
			if v.Verdict != wv || v.Messages != wm || len(v.BotInRange) != wb || gf != wf {
				t.Errorf("ExplainUser(%s, %s) = %s, %d messages, %d bot, filter %q; plain scan: %s, %d, %d, %q (%s)",
					queryString(q), id, v.Verdict, v.Messages, len(v.BotInRange), gf, wv, wm, wb, wf, v.Reason)
			}
			verdicts[v.Verdict]++
		}
	}
	// The queries reach every verdict, or the test proves less than it says.
	for _, want := range []string{VerdictKept, VerdictNoSuchUser, VerdictOtherUser, VerdictNoMessage, VerdictFilteredOut} {
		if verdicts[want] == 0 {
			t.Errorf("no query gave the verdict %s: %v", want, verdicts)
		}
	}
}

// TestExplainUserReasons pins the sentences a person reads.
func TestExplainUserReasons(t *testing.T) {
	t.Parallel()
	c := testContract(t)
	d, err := NewSeeded(c, 1, 20, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { tm, _ := time.Parse(time.DateTime, s); return tm }
	jan := Query{From: day("2024-01-01 00:00:00"), To: day("2024-01-31 23:59:59")}
	tests := []struct {
		name string
		q    Query
		id   string
		want string
	}{
		{"kept", jan, "user_12345", "in the answer, with 2 message(s) in the range"},
		{"filtered", Query{From: jan.From, To: jan.To, Filters: []Filter{{Attribute: "country", Value: "fr"}}}, "user_12345",
			`country "GB" does not match LIKE '%fr%' (case-insensitive)`},
		{"no such user", jan, "USER_12345", `no user has the id "USER_12345" (ids are exact: case and spaces count)`},
		{"outside", Query{From: day("2024-01-16 00:00:00"), To: day("2024-01-20 00:00:00")}, "user_12345",
			"the user sent no message between 2024-01-16 00:00:00 and 2024-01-20 00:00:00; the last one before is at 2024-01-15 10:35:15"},
		{"only the bot", Query{From: day("2024-01-15 10:30:01"), To: day("2024-01-15 10:35:14")}, "user_12345",
			"the user sent no message between 2024-01-15 10:30:01 and 2024-01-15 10:35:14; the bot did (1), and the API never returns the bot's messages; the last one before is at 2024-01-15 10:30:00; the first one after is at 2024-01-15 10:35:15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.ExplainUser(tt.q, tt.id).Reason; got != tt.want {
				t.Errorf("reason = %q, want %q", got, tt.want)
			}
		})
	}
}

// A large dataset's stats count an evenly spaced sample, the first and
// last users included, and say so; a small one counts every user.
func TestStatsSampleLargeDatasets(t *testing.T) {
	c := testContract(t)
	d, err := NewSeeded(c, 3, 40, DefaultWindow())
	if err != nil {
		t.Fatal(err)
	}
	whole := d.Stats()
	if whole.Users != 40 || whole.SampledFrom != 0 || whole.Whole != nil {
		t.Fatalf("40 users: users %d, sampled from %d, whole %v; want 40, 0, nil", whole.Users, whole.SampledFrom, whole.Whole)
	}
	defer func(n int) { statsSample = n }(statsSample)
	statsSample = 10
	st := d.Stats()
	if st.Users != 10 || st.SampledFrom != 40 {
		t.Fatalf("sample of 10: users %d, sampled from %d; want 10, 40", st.Users, st.SampledFrom)
	}
	want := []User{}
	for k := range 10 {
		want = append(want, d.source(sampleIndex(k, 10, 40)))
	}
	if got, w := st, StatsOf(want); !reflect.DeepEqual(got.Countries, w.Countries) || got.UserMessages != w.UserMessages {
		t.Errorf("the sample's stats are not StatsOf the sampled users")
	}
	wantWhole := Totals{Users: 40, Conversations: whole.Conversations, UserMessages: whole.UserMessages, BotMessages: whole.BotMessages}
	if st.Whole == nil || *st.Whole != wantWhole {
		t.Errorf("sample of 10: whole %+v, want the 40 users' totals %+v", st.Whole, wantWhole)
	}
	if sampleIndex(0, 10, 40) != 0 || sampleIndex(9, 10, 40) != 39 {
		t.Errorf("sample bounds %d..%d, want 0..39", sampleIndex(0, 10, 40), sampleIndex(9, 10, 40))
	}
	if again := d.Stats(); !reflect.DeepEqual(again, st) {
		t.Errorf("the sample differs from one call to the next")
	}
}
