package mock

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// These tests count goroutines, so they do not run in parallel: Go runs
// them before any parallel test of the package resumes.

const rawGet = "GET " + apiPath + okQuery + " HTTP/1.1\r\nHost: odmock\r\nAuthorization: Bearer " + DefaultToken + "\r\n\r\n"

// TestClientFaults: clients that go away, stop reading, or never finish
// their request hold nothing for long.
func TestClientFaults(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Users = 10000 // an answer of about 9 MB: more than the socket buffers hold
	cfg.Limits.ReadHeaderTimeout = 300 * time.Millisecond
	cfg.Limits.WriteIdleTimeout = 500 * time.Millisecond
	s := startServer(t, cfg)
	addr := s.Addr().String()
	seen := exchanges(s, 64)
	full := s.Dataset().Query(Query{From: cfg.Window.Start, To: cfg.Window.End}).Size()

	// A whole answer first, so what the first request starts once is
	// counted in the baseline.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, strings.Replace(rawGet, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1))
	n, _ := io.Copy(io.Discard, conn)
	conn.Close()
	waitExchange(t, seen, "warm-up")
	if n < full {
		t.Fatalf("warm-up read %d bytes, want the whole answer (%d and headers)", n, full)
	}

	t.Run("disconnect mid-answer", func(t *testing.T) {
		baseline := runtime.NumGoroutine() // this subtest's own goroutine included
		for i := range 10 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(conn, rawGet)
			buf := make([]byte, 100+i*1000)
			if _, err := io.ReadFull(conn, buf); err != nil {
				t.Fatalf("read the answer's start: %v", err)
			}
			conn.Close() // unread data: the kernel resets the connection
			if ex := waitExchange(t, seen, "disconnect"); ex.Status != http.StatusOK {
				t.Errorf("exchange of a vanished client: status %d, want 200 (it was sent)", ex.Status)
			}
		}
		settleGoroutines(t, baseline)
	})

	t.Run("client stops reading", func(t *testing.T) {
		baseline := runtime.NumGoroutine() // this subtest's own goroutine included
		var conns []net.Conn
		for range 3 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conns = append(conns, conn)
			// A small window, so the answer cannot hide in socket buffers
			// (at most 4 MB on the server's side).
			conn.(*net.TCPConn).SetReadBuffer(4 << 10)
			io.WriteString(conn, rawGet)
			// The server gives up on its own: its write makes no progress.
			waitExchange(t, seen, "stalled reader")
		}
		// The clients are still connected, and not reading: the server
		// has let go of them all the same.
		settleGoroutines(t, baseline)
		for _, c := range conns {
			c.Close()
		}
	})

	t.Run("slowloris", func(t *testing.T) {
		baseline := runtime.NumGoroutine() // this subtest's own goroutine included
		for range 3 {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(conn, "GET "+apiPath+okQuery+" HTTP/1.1\r\nHost: odmock\r\n")
			closed := make(chan error, 1)
			go func() {
				_, err := conn.Read(make([]byte, 1))
				closed <- err
			}()
			give := time.After(20 * time.Second)
		dribble:
			for {
				select {
				case err := <-closed:
					if err == nil {
						t.Errorf("the server answered a request it had not finished reading")
					}
					break dribble
				case <-give:
					conn.Close()
					t.Fatalf("a slowloris client is still connected after 20s (ReadHeaderTimeout %s)", cfg.Limits.ReadHeaderTimeout)
				case <-time.After(50 * time.Millisecond):
					if _, err := io.WriteString(conn, "X-Slow: 1\r\n"); err != nil {
						break dribble // closed under us: as good
					}
				}
			}
			conn.Close()
		}
		settleGoroutines(t, baseline)
		// And the server still serves.
		resp, body := rawExchange(t, addr, rawGet)
		if resp.StatusCode != http.StatusOK || int64(len(body)) != full {
			t.Errorf("after slowloris: status %d, %d bytes, want 200, %d", resp.StatusCode, len(body), full)
		}
	})
}

// TestShutdownDrains: Shutdown stops accepting at once, answers the
// request in flight in full, and only then returns.
func TestShutdownDrains(t *testing.T) {
	s := startServer(t, smallConfig())
	entered, release := blockingRoute(s)
	addr := s.Addr().String()
	answered := make(chan error, 1)
	go func() {
		resp, body, err := sendRaw(addr, "GET /test/block HTTP/1.1\r\nHost: odmock\r\n\r\n")
		if err != nil {
			answered <- err
			return
		}
		if resp.StatusCode != http.StatusOK || string(body) != `{"message":"done"}` {
			answered <- errors.New("in-flight request: status " + resp.Status + ", body " + string(body))
			return
		}
		answered <- nil
	}()
	<-entered
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	// New connections are refused once shutdown begins.
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNREFUSED) {
			break
		}
		if err == nil {
			c.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("still accepting connections 20s into shutdown (last dial error %v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown after draining: %v, want nil", err)
	}
}

// TestShutdownGivesUp: a request that outlives Shutdown's context is cut,
// and Shutdown says so.
func TestShutdownGivesUp(t *testing.T) {
	s := startServer(t, smallConfig())
	entered, release := blockingRoute(s)
	defer close(release)
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /test/block HTTP/1.1\r\nHost: odmock\r\n\r\n")
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a stuck request: %v, want context.DeadlineExceeded", err)
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = http.ReadResponse(bufio.NewReader(conn), nil)
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("the stuck request's connection after Shutdown gave up: read err %v, want it closed", err)
	}
}
