package mock

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestSetScenarioBodyCutShort: a truncated or unreadable body on PUT
// /__odmock/scenario answered 500; it is the client's 400.
func TestSetScenarioBodyCutShort(t *testing.T) {
	t.Parallel()
	s := newBoundsServer(t, nil)
	r := httptest.NewRequest(http.MethodPut, "/__odmock/scenario", iotest.ErrReader(io.ErrUnexpectedEOF))
	r.Host = "127.0.0.1"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || !strings.HasPrefix(w.Body.String(), `{"message":`) {
		t.Errorf("PUT with a body cut short: %d %s, want 400 JSON", w.Code, w.Body)
	}

	srv := startServer(t, smallConfig())
	conn, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "PUT /__odmock/scenario HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50\r\n\r\n{\"name\":")
	conn.(*net.TCPConn).CloseWrite()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, _ := io.ReadAll(conn)
	if !strings.HasPrefix(string(got), "HTTP/1.1 400 ") {
		t.Errorf("PUT with a truncated body: %.60q, want 400", got)
	}
}

// TestJournalSizeBounded: --journal-size 1000000000 ran out of memory
// instead of a one-line error.
func TestJournalSizeBounded(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.JournalSize = 1_000_000_000
	if err := cfg.Validate(); err == nil || err.Error() != "journal size 1000000000: at most 100000" {
		t.Errorf("Validate with journal size 1e9: %v, want journal size 1000000000: at most 100000", err)
	}
	cfg.JournalSize = MaxJournalSize
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate with journal size %d: %v", MaxJournalSize, err)
	}
}

// TestAdminTokenRedacted: an admin token sent in a query, under any name,
// was logged and journalled in clear.
func TestAdminTokenRedacted(t *testing.T) {
	t.Parallel()
	const secret = "admin-secret-4242"
	var logs lockedBuffer
	cfg := smallConfig()
	cfg.AdminToken = secret
	cfg.Logger = logs.logger()
	s := newBoundsServer(t, func(c *Config) { *c = cfg })
	admin := http.Header{"Authorization": {"Bearer " + secret}}
	for _, target := range []string{
		apiPath + okQuery + "&x=" + secret,
		apiPath + okQuery + "&" + secret,
		apiPath + "?note=my%20" + secret,
		JournalPath + "?limit=1&x=" + secret, // admin requests are logged too
		"/__odmock/nope?" + secret,
	} {
		serve(s, http.MethodGet, target, admin)
	}
	w := serve(s, http.MethodGet, JournalPath, admin)
	if strings.Contains(w.Body.String(), secret) {
		t.Errorf("the journal shows the admin token: %s", w.Body)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the log shows the admin token:\n%s", logs.String())
	}
}

// TestCutAnswerLogged: an answer cut short (a client gone, a shutdown)
// was logged as a plain status=200; the log says what the client got.
func TestCutAnswerLogged(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	cfg := DefaultConfig()
	cfg.Users = 5000
	cfg.Logger = logs.logger()
	s := startServer(t, cfg)
	seen := exchanges(s, 4)
	conn := dialFrom(t, "127.0.0.1", s.Addr().String(), 4<<10)
	io.WriteString(conn, "GET "+apiPath+okQuery+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+DefaultToken+"\r\n\r\n")
	conn.Read(make([]byte, 1024))
	conn.Close() // unread data: the kernel resets the connection
	ex := waitExchange(t, seen, "cut answer")
	if ex.Status != http.StatusOK || !ex.Cut {
		t.Errorf("exchange of a cut answer: status %d, cut %v; want 200, true", ex.Status, ex.Cut)
	}
	if !strings.Contains(logs.String(), "status=200") || !strings.Contains(logs.String(), "cut=true sent_bytes=") {
		t.Errorf("log of a cut answer:\n%s\nwant status=200 ... cut=true sent_bytes=N", logs.String())
	}
}

// An answer is written in pieces a 16 KB/s reader takes in a quarter of
// the idle limit: small for a short limit, few system calls for the
// default one.
func TestProgressGrain(t *testing.T) {
	for _, tt := range []struct {
		idle time.Duration
		want int
	}{{0, 4 << 10}, {time.Second, 4 << 10}, {4 * time.Second, 16 << 10}, {30 * time.Second, 120 << 10}, {time.Hour, 128 << 10}} {
		if got := progressGrain(tt.idle); got != tt.want {
			t.Errorf("progressGrain(%v) = %d, want %d", tt.idle, got, tt.want)
		}
	}
	var writes, renewals []int
	n, err := writeInPieces(make([]byte, 10<<10), 4<<10, func(p []byte) (int, error) {
		writes = append(writes, len(p))
		return len(p), nil
	}, func() { renewals = append(renewals, len(writes)) })
	if n != 10<<10 || err != nil || !slices.Equal(writes, []int{4 << 10, 4 << 10, 2 << 10}) || len(renewals) != 3 {
		t.Errorf("10 KiB in 4 KiB pieces: wrote %d (%v) as %v, %d renewals", n, err, writes, len(renewals))
	}
}
