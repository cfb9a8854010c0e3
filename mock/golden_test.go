package mock

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
)

// TestGoldenAnswers pins whole 200 bodies: the public page's own example
// requests, and the exact empty answer.
func TestGoldenAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		name  string
		query string
	}{
		{"page-example", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345&selected_scenario=customer_support"},
		{"page-filters", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&email=example.com&browser=chrome"},
		{"page-curl-country", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=chrome&country=US"},
		{"one-day", "from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59"},
		{"empty", "from=2023-01-01%2000:00:00&to=2023-01-31%2023:59:59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.get(apiPath + "?" + tt.query)
			if got.status != 200 {
				t.Fatalf("GET ?%s: status = %d, want 200: %s", tt.query, got.status, got.body)
			}
			golden(t, tt.name, got.body)
		})
	}
}

// TestDeterminism checks that two servers with one seed answer byte for
// byte the same, whatever order the requests come in, and that another
// seed answers differently.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	a, b := newTestServer(t, cfg), newTestServer(t, cfg)
	cfg.Seed = 2
	other := newTestServer(t, cfg)
	qs := determinismQueries()
	differs := false
	for i, q := range qs {
		path := apiPath + "?" + queryString(q)
		// b answers the queries in reverse order.
		rq := qs[len(qs)-1-i]
		rpath := apiPath + "?" + queryString(rq)
		_ = b.get(rpath)
		ga, gb, go2 := a.get(path), b.get(path), other.get(path)
		if !bytes.Equal(ga.body, gb.body) {
			t.Errorf("GET %s: two servers with seed 1 answer differently", path)
		}
		if len(ga.body) < 100 && q.UserID == "" {
			t.Errorf("GET %s: answer %s is too small to compare", path, ga.body)
		}
		if !bytes.Equal(ga.body, go2.body) {
			differs = true
		}
	}
	if !differs {
		t.Error("seeds 1 and 2 answer every query the same")
	}
}

// determinismQueries are the queries the determinism test compares.
func determinismQueries() []Query {
	w := dataset.DefaultWindow()
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	return []Query{
		{From: w.Start, To: w.End},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}}},
		{From: w.Start, To: w.End, Filters: []Filter{{Attribute: "browser", Value: "chrome"}, {Attribute: "country", Value: "US"}}},
		{From: day(15), To: day(16), UserID: "user_12345"},
		{From: day(3), To: day(9), Filters: []Filter{{Attribute: "selected_scenario", Value: "billing"}}},
		{From: day(20), To: day(27), Filters: []Filter{{Attribute: "email", Value: "@example.org"}}},
	}
}

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

// TestEngineOverHTTP checks that the server's answers over HTTP are the
// dataset's, byte for byte, for the determinism queries: the engine's own
// correctness is dataset's brute-force test.
func TestEngineOverHTTP(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	s := newTestServer(t, cfg)
	d := s.srv.Dataset()
	for _, q := range determinismQueries() {
		path := apiPath + "?" + queryString(q)
		got := s.get(path)
		var want bytes.Buffer
		if _, err := d.Query(q).WriteTo(&want); err != nil {
			t.Fatal(err)
		}
		if got.status != http.StatusOK || !bytes.Equal(got.body, want.Bytes()) {
			t.Errorf("GET %s: status %d, body %.300s; want 200, %.300s", path, got.status, got.body, want.Bytes())
		}
	}
}
