package mock

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The hot path, piece by piece: go test ./mock -run '^$' -bench . -benchmem
// bench/run.sh measures the whole server over loopback.

func benchServer(b *testing.B) *Server {
	b.Helper()
	srv, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	return srv
}

const (
	benchOneUser  = apiPath + "?from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59&user_id=user_12345"
	benchFiltered = apiPath + "?" + okRange + "&browser=chrome"
	benchInvalid  = apiPath + "?to=2024-01-31%2023:59:59"
)

func benchRequest(path, auth string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	return r
}

// discardWriter is a reusable http.ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func benchHandler(b *testing.B, path, auth string) {
	srv := benchServer(b)
	h := srv.Handler()
	r := benchRequest(path, auth)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkHandlerOneUser(b *testing.B)      { benchHandler(b, benchOneUser, authOK) }
func BenchmarkHandlerFiltered(b *testing.B)     { benchHandler(b, benchFiltered, authOK) }
func BenchmarkHandlerInvalid(b *testing.B)      { benchHandler(b, benchInvalid, authOK) }
func BenchmarkHandlerUnauthorized(b *testing.B) { benchHandler(b, benchOneUser, "") }

func BenchmarkValidate(b *testing.B) {
	srv := benchServer(b)
	r := benchRequest(benchOneUser, authOK)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv.val.validate(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateInvalid(b *testing.B) {
	srv := benchServer(b)
	r := benchRequest(benchInvalid, authOK)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv.val.validate(r); err == nil {
			b.Fatal("valid")
		}
	}
}

func benchQuery(b *testing.B, q Query) {
	srv := benchServer(b)
	d := srv.Dataset()
	b.ReportAllocs()
	for b.Loop() {
		d.Query(q)
	}
}

func BenchmarkQueryOneUser(b *testing.B) {
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	benchQuery(b, Query{From: day, To: day.Add(24*time.Hour - time.Second), UserID: "user_12345"})
}

func BenchmarkQueryFiltered(b *testing.B) {
	w := DefaultWindow()
	benchQuery(b, Query{From: w.Start, To: w.End, Filters: []Filter{{"browser", "chrome"}}})
}

func BenchmarkQueryWildcard(b *testing.B) {
	w := DefaultWindow()
	benchQuery(b, Query{From: w.Start, To: w.End, Filters: []Filter{{"email", "a%e_x%.com"}}})
}

func benchEncode(b *testing.B, q Query) {
	srv := benchServer(b)
	res := srv.Dataset().Query(q)
	b.SetBytes(res.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := res.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeOneUser(b *testing.B) {
	benchEncode(b, Query{From: DefaultWindow().Start, To: DefaultWindow().End, UserID: "user_12345"})
}

func BenchmarkEncodeWindow(b *testing.B) {
	benchEncode(b, Query{From: DefaultWindow().Start, To: DefaultWindow().End})
}

func BenchmarkSeededDataset(b *testing.B) {
	c := contract(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSeededDataset(c, 1, 1000, DefaultWindow()); err != nil {
			b.Fatal(err)
		}
	}
}
