package mock

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// okQuery is a valid query over the whole default window.
const okQuery = "?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59"

// startServer starts a server on a free loopback port, as odmock runs: the
// tests of timeouts and raw HTTP need the real net/http server that Start
// configures, not httptest's.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := New(withTestState(t, cfg))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

// rawExchange sends raw bytes on a new connection and reads one answer.
func rawExchange(t testing.TB, addr string, raw string) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := sendRaw(addr, raw)
	if err != nil {
		t.Fatalf("%.80q: %v", raw, err)
	}
	return resp, body
}

// sendRaw is rawExchange for goroutines other than the test's.
func sendRaw(addr string, raw string) (*http.Response, []byte, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		return nil, nil, fmt.Errorf("write request: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read answer: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	return resp, body, nil
}

// settleGoroutines waits until no more goroutines run than baseline, and
// fails with a dump of them if that does not happen in a generous time.
func settleGoroutines(t testing.TB, baseline int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return
		}
		if time.Now().After(deadline) {
			var b bytes.Buffer
			pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("goroutines = %d, want at most %d (the count before)\n%s", n, baseline, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exchanges collects the server's exchanges on a channel.
func exchanges(s *Server, size int) <-chan exchange {
	ch := make(chan exchange, size)
	s.watch.list = append(s.watch.list, func(ex *exchange) {
		select {
		case ch <- *ex:
		default:
		}
	})
	return ch
}

// waitExchange waits for the next exchange, failing after a generous time.
func waitExchange(t testing.TB, ch <-chan exchange, what string) exchange {
	t.Helper()
	select {
	case ex := <-ch:
		return ex
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: the server saw no end of the exchange in 30s", what)
		return exchange{}
	}
}
