package mock

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// BenchmarkTruncateFault is the memory a Prefer: fault=truncate answer
// costs the server (B/op): it used to build the whole answer in memory
// before sending half; it is streamed now. The client reads it all.
func BenchmarkTruncateFault(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Users = 2000
	s := startServer(b, cfg)
	raw := "GET " + apiPath + okQuery + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + DefaultToken + "\r\nPrefer: fault=truncate\r\n\r\n"
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		io.WriteString(conn, raw)
		for {
			if _, err := conn.Read(buf); err != nil {
				break
			}
		}
		conn.Close()
	}
}

// BenchmarkRateLimitNewKey is the cost of a new client address with
// 200,000 live keys: past 100,000, each new key used to scan the whole map
// under the limiter's one lock; expired keys are swept on a timer now.
func BenchmarkRateLimitNewKey(b *testing.B) {
	now := time.Unix(1_700_000_000, 0)
	l := newRateLimiter(60, 1<<20, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	for i := range 200_000 {
		l.take("ip-" + strconv.Itoa(i))
	}
	i := 0
	for b.Loop() {
		i++
		l.take("new-" + strconv.Itoa(i))
	}
}
