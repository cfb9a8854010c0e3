package mock

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/internal/liketest"
)

// explainBody is what a test reads of an explanation.
type explainBody struct {
	Checks []ExplainCheck       `json:"checks"`
	Engine *dataset.Explanation `json:"engine"`
	User   *dataset.UserVerdict `json:"user"`
	Notes  []string             `json:"notes"`
	Data   string               `json:"data"`
	Extra  map[string]any       `json:"-"`
}

func (s *testServer) admin(method, path, body string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	return response{status: resp.StatusCode, header: resp.Header, body: []byte(b.String())}
}

// TestExplainMatchesBruteForce asks the explanation endpoint about random
// queries and users, and checks its counts and verdicts against a plain
// scan of the users the server was made from, and its totals against the
// API's own answer.
func TestExplainMatchesBruteForce(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Users, cfg.Seed = 120, 5
	s := newTestServer(t, cfg)
	users := dataset.Generate(cfg.Seed, cfg.Users, cfg.Window)
	rng := rand.New(rand.NewPCG(5, 17))
	attrs := testContract(t).Attributes()
	span := int64(cfg.Window.End.Sub(cfg.Window.Start) / time.Second)
	verdicts := map[string]int{}
	for range 60 {
		from := cfg.Window.Start.Add(time.Duration(rng.Int64N(span)) * time.Second)
		to := from.Add(time.Duration(rng.Int64N(span/2)) * time.Second)
		if rng.IntN(4) == 0 {
			from, to = cfg.Window.Start, cfg.Window.End
		}
		v := url.Values{"from": {from.Format(time.DateTime)}, "to": {to.Format(time.DateTime)}}
		var filters [][2]string
		for range rng.IntN(3) {
			a := attrs[rng.IntN(len(attrs))]
			val := users[rng.IntN(len(users))].Attributes[a]
			if len(val) > 2 {
				i := rng.IntN(len(val) - 1)
				val = val[i : i+1+rng.IntN(2)]
			}
			if strings.TrimSpace(val) == "" || v.Has(a) {
				continue
			}
			v.Set(a, val)
			// The server reads the value as Laravel does: trimmed.
			filters = append(filters, [2]string{a, strings.Trim(val, " \t\n\r\x00\x0b")})
		}
		if rng.IntN(5) == 0 {
			v.Set("user_id", users[rng.IntN(len(users))].ID)
		}
		id := users[rng.IntN(len(users))].ID
		if rng.IntN(6) == 0 {
			id = "nobody-" + id
		}
		raw := v.Encode()
		r := s.admin(http.MethodGet, ExplainPath+"?"+url.Values{"query": {raw}, "user": {id}}.Encode(), "")
		var got explainBody
		if err := json.Unmarshal(r.body, &got); err != nil || got.Engine == nil || got.User == nil {
			t.Fatalf("explain %s: %d %s (%v)", raw, r.status, r.body, err)
		}

		// The plain scan: in the order the explanation narrows (user_id, then the filters in the contract's order).
		slices.SortFunc(filters, func(a, b [2]string) int { return slices.Index(attrs, a[0]) - slices.Index(attrs, b[0]) })
		inRange, kept, msgs := 0, 0, 0
		var after []int
		if v.Get("user_id") != "" {
			after = append(after, 0)
		}
		after = append(after, make([]int, len(filters))...)
		verdict, vmsgs := "", 0
		for _, u := range users {
			n := 0
			for _, m := range u.Messages {
				if !m.FromBot() && !m.Date.Before(from) && !m.Date.After(to) {
					n++
				}
			}
			var tests []bool
			if uid := v.Get("user_id"); uid != "" {
				tests = append(tests, u.ID == uid)
			}
			failed := ""
			for _, f := range filters {
				val, has := u.Attributes[f[0]]
				ok := has && liketest.Regexp(f[1]).MatchString(strings.ToLower(val))
				tests = append(tests, ok)
				if !ok && failed == "" {
					failed = f[0]
				}
			}
			if u.ID == id {
				vmsgs = n
				switch {
				case v.Get("user_id") != "" && v.Get("user_id") != id:
					verdict = dataset.VerdictOtherUser
				case n == 0:
					verdict = dataset.VerdictNoMessage
				case failed != "":
					verdict = dataset.VerdictFilteredOut
				default:
					verdict = dataset.VerdictKept
				}
			}
			if n == 0 {
				continue
			}
			inRange++
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
				msgs += n
			}
		}
		if verdict == "" {
			verdict = dataset.VerdictNoSuchUser
		}
		gotCounts := []int{got.Engine.InRange, got.Engine.Users, got.Engine.Messages}
		for _, st := range got.Engine.Steps {
			gotCounts = append(gotCounts, st.After)
		}
		if want := append([]int{inRange, kept, msgs}, after...); !slices.Equal(gotCounts, want) {
			t.Errorf("explain %s: in range, kept, messages, steps = %v, plain scan %v", raw, gotCounts, want)
		}
		if got.User.Verdict != verdict || got.User.Messages != vmsgs && verdict != dataset.VerdictNoSuchUser {
			t.Errorf("explain %s, user %s: %s with %d messages (%s); plain scan %s with %d", raw, id, got.User.Verdict, got.User.Messages, got.User.Reason, verdict, vmsgs)
		}
		verdicts[verdict]++

		// The API answers what the explanation counts.
		api := s.get(apiPath + "?" + raw)
		var body struct{ Data []map[string]json.RawMessage }
		if err := json.Unmarshal(api.body, &body); err != nil {
			t.Fatalf("GET %s: %v", raw, err)
		}
		if len(body.Data) != got.Engine.Users {
			t.Errorf("GET %s: %d users, the explanation says %d", raw, len(body.Data), got.Engine.Users)
		}
	}
	for _, want := range []string{dataset.VerdictKept, dataset.VerdictNoSuchUser, dataset.VerdictNoMessage, dataset.VerdictFilteredOut} {
		if verdicts[want] == 0 {
			t.Errorf("no random case gave the verdict %s: %v", want, verdicts)
		}
	}
}

// checkNames lists the checks of an explanation as check=result.
func checkNames(cs []ExplainCheck) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Check+"="+c.Result)
	}
	return out
}

// TestExplainExchange explains exchanges of the journal: a filtered
// query's checks in the server's order and its per-filter counts; a 401
// stopped at the token; a scenario's rules, the earlier one out of turn.
func TestExplainExchange(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	send := func(query string, h http.Header) uint64 {
		t.Helper()
		s.do(http.MethodGet, apiPath+query, h)
		s.srv.Settle()
		es := s.srv.Journal().Entries(JournalFilter{Limit: 1})
		return es[0].ID
	}
	explain := func(id uint64) explainBody {
		t.Helper()
		r := s.admin(http.MethodGet, fmt.Sprintf("%s?id=%d&user=user_12345", ExplainPath, id), "")
		var e explainBody
		if err := json.Unmarshal(r.body, &e); err != nil || r.status != 200 {
			t.Fatalf("explain %d: %d %s", id, r.status, r.body)
		}
		return e
	}
	auth := http.Header{"Authorization": {"Bearer " + DefaultToken}, "Accept": {"application/json"}}

	e := explain(send(okQuery+"&country=GB&browser=chrome", auth))
	want := []string{"length=pass", "method=pass", "scenario=skip", "token=pass", "from=pass", "to=pass", "user_id=pass",
		"selected_scenario=pass", "ip_address=pass", "country=pass", "browser_language=pass", "os=pass", "browser=pass",
		"timezone=pass", "email=pass", "platform=pass", "(filter names)=pass"}
	if got := checkNames(e.Checks); !slices.Equal(got, want) {
		t.Errorf("checks = %v, want %v", got, want)
	}
	if e.Engine == nil || len(e.Engine.Steps) != 2 || e.Engine.Steps[0].Param != "country" || e.Engine.Steps[1].Param != "browser" ||
		e.Engine.Steps[0].Before != e.Engine.InRange || e.Engine.Steps[0].After > e.Engine.InRange || e.Engine.Steps[1].After != e.Engine.Users {
		t.Errorf("engine = %+v, want steps country then browser narrowing in_range to users", e.Engine)
	}
	if e.User == nil || e.User.Verdict != dataset.VerdictKept {
		t.Errorf("user_12345 (GB, chrome) = %+v, want kept", e.User)
	}

	e = explain(send(okQuery, http.Header{"Accept": {"application/json"}}))
	if got := checkNames(e.Checks); !slices.Equal(got, []string{"length=pass", "method=pass", "scenario=skip", "token=fail"}) || e.Engine != nil {
		t.Errorf("a 401's checks = %v, engine %v; want them to stop at the token", got, e.Engine)
	}

	e = explain(send("?from=2024-01-01&to=2024-01-31%2023:59:59&nope=1", auth))
	if got := checkNames(e.Checks); !slices.Contains(got, "from=fail") || !slices.Contains(got, "(filter names)=skip") {
		t.Errorf("a 422's checks = %v, want from=fail and the filter names not reached", got)
	}

	te := http.Header{"Authorization": {"Bearer " + DefaultToken}, "Prefer": {"scenario=token-expires"}, SessionHeader: {"why"}}
	send(okQuery, te)
	send(okQuery, te)
	e = explain(send(okQuery, te))
	got := checkNames(e.Checks)
	if !slices.Contains(got, `rule 1 "still valid"=skip`) || !slices.Contains(got, `rule 2 "expired"=answered`) || got[len(got)-1] != `rule 2 "expired"=answered` {
		t.Errorf("token-expires' third call: checks = %v, want rule 1 skipped (its turn) and rule 2 answering, last", got)
	}
	if !strings.Contains(e.Checks[len(e.Checks)-2].Detail, "times: 2") {
		t.Errorf("rule 1's detail = %q, want it to name times: 2", e.Checks[len(e.Checks)-2].Detail)
	}

	if r := s.admin(http.MethodGet, ExplainPath+"?id=999999", ""); r.status != http.StatusNotFound {
		t.Errorf("explain of an unknown id: %d, want 404", r.status)
	}
}

// TestJournalEntryDetail: the detail of an exchange has its headers with
// the token redacted, and the body the client got (computed again for
// the engine's answers).
func TestJournalEntryDetail(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	got := s.get(apiPath + okQuery + "&country=g")
	s.srv.Settle()
	id := s.srv.Journal().Entries(JournalFilter{Limit: 1})[0].ID
	r := s.admin(http.MethodGet, fmt.Sprintf("%s/%d", JournalPath, id), "")
	var d exchangeDetail
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatalf("detail: %d %s", r.status, r.body)
	}
	if a := d.RequestHeaders["Authorization"]; !slices.Equal(a, []string{"Bearer REDACTED"}) || strings.Contains(string(r.body), DefaultToken) {
		t.Errorf("Authorization = %q, and the token in the detail: %v; want it redacted", a, strings.Contains(string(r.body), DefaultToken))
	}
	if d.Body != string(got.body) || d.BodySize != int64(len(got.body)) {
		t.Errorf("detail body (%d bytes) differs from the answer (%d bytes)", d.BodySize, len(got.body))
	}
	if d.ResponseHeaders["Content-Length"] == nil {
		t.Errorf("response headers = %v, want the answer's", d.ResponseHeaders)
	}
	s.do(http.MethodGet, apiPath+"?from=x", http.Header{"Authorization": {"Bearer " + DefaultToken}})
	s.srv.Settle()
	id = s.srv.Journal().Entries(JournalFilter{Limit: 1})[0].ID
	r = s.admin(http.MethodGet, fmt.Sprintf("%s/%d", JournalPath, id), "")
	if err := json.Unmarshal(r.body, &d); err != nil || !strings.Contains(d.Body, "The to field is required.") {
		t.Errorf("a 422's detail body = %q (%v)", d.Body, err)
	}
}

// TestJournalStream: an exchange reaches a live reader as an event; a
// reader that reconnects with ?after= gets what it missed.
func TestJournalStream(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	s.get(apiPath + okQuery)
	s.srv.Settle()
	first := s.srv.Journal().Entries(JournalFilter{Limit: 1})[0].ID
	resp, err := s.ts.Client().Get(s.ts.URL + JournalPath + "/stream?after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, ct)
	}
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
				events <- id
			}
		}
		close(events)
	}()
	next := func() string {
		select {
		case id := <-events:
			return id
		case <-time.After(5 * time.Second):
			t.Fatal("no event in 5s")
		}
		return ""
	}
	if id := next(); id != fmt.Sprint(first) {
		t.Errorf("first event id %s, want the backlog's %d", id, first)
	}
	s.get(apiPath + okQuery)
	if id := next(); id != fmt.Sprint(first+1) {
		t.Errorf("live event id %s, want %d", id, first+1)
	}
}

// TestJournalSlowReaderDropped: a reader that never reads is dropped once
// it is journalSubBuffer behind; recording never waits for it, and the
// readers are bounded.
func TestJournalSlowReaderDropped(t *testing.T) {
	t.Parallel()
	j := newJournal(10)
	sub, err := j.subscribe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		for range journalSubBuffer + 5 {
			j.Record(JournalEntry{})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Record blocked on a reader that does not read")
	}
	if !j.dropped(sub) {
		t.Error("the slow reader was not dropped")
	}
	n := 0
	for range sub.ch {
		n++
	}
	if n != journalSubBuffer {
		t.Errorf("the dropped reader got %d entries, want its buffer, %d", n, journalSubBuffer)
	}
	var subs []*journalSub
	for range maxJournalSubs {
		sb, err := j.subscribe()
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sb)
	}
	if _, err := j.subscribe(); err == nil {
		t.Errorf("subscriber %d accepted, want at most %d", maxJournalSubs+1, maxJournalSubs)
	}
	for _, sb := range subs {
		j.unsubscribe(sb)
	}
	if j.subs != nil {
		t.Errorf("readers left after unsubscribing: %d", len(j.subs))
	}
}

// TestExercise: each behaviour the console's button sends is exercised in
// that session, and only there.
func TestExercise(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	for _, b := range Behaviours(s.srv.Contract()) {
		r := s.admin(http.MethodPost, ExercisePath, `{"behaviour":"`+b+`","session":"ex"}`)
		if r.status != http.StatusOK {
			t.Errorf("exercise %s: %d %s", b, r.status, r.body)
		}
	}
	cv := s.srv.SessionCoverage("ex")
	if len(cv.Missing) != 0 {
		t.Errorf("after exercising every behaviour, missing: %v (%v)", cv.Missing, cv.Behaviours)
	}
	if r := s.admin(http.MethodPost, ExercisePath, `{"behaviour":"nope","session":"ex"}`); r.status != http.StatusNotFound {
		t.Errorf("exercise of an unknown behaviour: %d, want 404", r.status)
	}
}

// TestConsoleFiles: the console loads without the admin token (it asks
// for it), framed by nobody; the admin API behind it still wants it.
func TestConsoleFiles(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.AdminToken = "admin-secret-123"
	s := newTestServer(t, cfg)
	for _, p := range []string{ConsolePath, adminPrefix + "/console/console.js", adminPrefix + "/console/console.css"} {
		r := s.admin(http.MethodGet, p, "")
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s: %d, CSP %q", p, r.status, r.header.Get("Content-Security-Policy"))
		}
	}
	if r := s.admin(http.MethodGet, adminPrefix+"/console/../console.go", ""); r.status != http.StatusNotFound && r.status != http.StatusUnauthorized {
		t.Errorf("a path out of the console: %d", r.status)
	}
	for _, p := range []string{adminPrefix + "/info", JournalPath + "/stream", ExplainPath + "?id=1"} {
		if r := s.admin(http.MethodGet, p, ""); r.status != http.StatusUnauthorized {
			t.Errorf("GET %s without the admin token: %d, want 401", p, r.status)
		}
	}
}
