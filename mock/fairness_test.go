package mock

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address ip (127.0.0.2 is a
// client of its own on Linux), with a receive buffer of rcvbuf bytes set
// before the connection opens, so that an answer cannot hide in socket
// buffers.
func dialFrom(t testing.TB, ip, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	if rcvbuf > 0 {
		d.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf) })
			return errors.Join(err, serr)
		}
	}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("dial from %s: %v (this test needs Linux's 127.0.0.0/8 loopback)", ip, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// clientFrom is an HTTP client whose connections come from ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

func getStatus(t *testing.T, c *http.Client, url string, h http.Header) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header = h
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

var authHeader = http.Header{"Authorization": {"Bearer " + DefaultToken}}

// TestTruncateHeadSendsNoBody: a HEAD with fault=truncate got half a body.
func TestTruncateHeadSendsNoBody(t *testing.T) {
	t.Parallel()
	s := startServer(t, smallConfig())
	conn := dialFrom(t, "127.0.0.1", s.Addr().String(), 0)
	io.WriteString(conn, "HEAD "+apiPath+okQuery+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+DefaultToken+"\r\nPrefer: fault=truncate\r\n\r\n")
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	all, err := io.ReadAll(conn)
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(string(all), "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200") || !strings.Contains(head, "Content-Length: ") || body != "" {
		t.Errorf("HEAD with fault=truncate: %q then %d body bytes, want the 200's headers and none", head, len(body))
	}
}

// TestTruncateHoldsNoSlotAndIsCut: clients that never read a truncated
// answer held an in-flight slot and a connection each, for ever (258 took
// every slot for over 100 s, and 6.25 GB).
func TestTruncateHoldsNoSlotAndIsCut(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Users = 5000 // half the answer is megabytes: more than socket buffers hold
	cfg.Limits.MaxInFlight = 2
	cfg.Limits.QueueWait = 5 * time.Second // a turn comes once a fault gives its slot back
	cfg.Limits.WriteIdleTimeout = time.Second
	// A small send buffer, so the half answer cannot hide in the kernel's
	// buffers whatever the data's size.
	s := startSmallBuffers(t, cfg)
	addr := s.Addr().String()
	var stalled []net.Conn
	for _, ip := range []string{"127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		conn := dialFrom(t, ip, addr, 4<<10)
		io.WriteString(conn, "GET "+apiPath+okQuery+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+DefaultToken+"\r\nPrefer: fault=truncate\r\n\r\n")
		stalled = append(stalled, conn)
	}
	time.Sleep(200 * time.Millisecond) // the four are being served, and not reading
	if got := getStatus(t, clientFrom("127.0.0.1"), s.URL()+apiPath+okQuery, authHeader); got != http.StatusOK {
		t.Errorf("beside 4 stalled truncated answers (cap 2): status %d, want 200", got)
	}
	time.Sleep(1500 * time.Millisecond) // stalled for longer than WriteIdleTimeout
	// Each stalled connection has been cut: it gets less than the half
	// answer a reader would have had.
	for i, conn := range stalled {
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("stalled truncated answer %d: %v", i, err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			t.Errorf("stalled truncated answer %d: still connected after 20s, want it cut", i)
		}
		if resp.StatusCode != http.StatusOK || n >= resp.ContentLength/2 {
			t.Errorf("stalled truncated answer %d: status %d, %d of %d bytes, want 200 cut short of the half", i, resp.StatusCode, n, resp.ContentLength)
		}
	}
}

// TestDelayHoldsNoSlot: requests waiting out Prefer: delay held their
// in-flight slots, so 256 of them locked every other client out.
func TestDelayHoldsNoSlot(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Limits.MaxInFlight = 4
	cfg.Limits.QueueWait = -1
	s := startServer(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, ip := range []string{"127.0.0.4", "127.0.0.5", "127.0.0.6", "127.0.0.7"} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+apiPath+okQuery, nil)
		req.Header = authHeader.Clone()
		req.Header.Set("Prefer", "delay=60s")
		go clientFrom(ip).Do(req) //nolint:errcheck // cancelled at the end
	}
	time.Sleep(300 * time.Millisecond)
	if got := getStatus(t, clientFrom("127.0.0.1"), s.URL()+apiPath+okQuery, authHeader); got != http.StatusOK {
		t.Errorf("beside 4 delayed requests (cap 4): status %d, want 200", got)
	}
}

// TestInFlightFairBetweenAddresses: one client address used to be able to
// take every slot; now it gets half at most.
func TestInFlightFairBetweenAddresses(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Limits.MaxInFlight = 4
	cfg.Limits.QueueWait = -1
	s := startServer(t, cfg)
	entered, release := blockingRoute(s)
	defer close(release)
	greedy := clientFrom("127.0.0.8")
	statuses := make(chan int, 4)
	for range 4 {
		go func() {
			resp, err := greedy.Get(s.URL() + "/test/block")
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	<-entered
	<-entered
	for range 2 { // the greedy address's other two are turned away
		if got := <-statuses; got != http.StatusServiceUnavailable {
			t.Errorf("greedy address past half the slots: status %d, want 503", got)
		}
	}
	if got := getStatus(t, clientFrom("127.0.0.9"), s.URL()+apiPath+okQuery, authHeader); got != http.StatusOK {
		t.Errorf("another address beside the greedy one: status %d, want 200", got)
	}
}

// TestSlowSteadyDownloadIsNotCut: the write deadline was renewed once per
// 32 KiB write, so a client reading steadily but slowly was cut. The
// README promises a steady reader is never cut; a reader at 16 KB/s, with
// the idle limit at 1 s, must read for as long as it likes.
func TestSlowSteadyDownloadIsNotCut(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Limits.WriteIdleTimeout = time.Second
	// Small socket buffers on both sides, so that the answer cannot hide in
	// them and every write waits on the reader.
	s := startSmallBuffers(t, cfg)
	conn := dialFrom(t, "127.0.0.10", s.Addr().String(), 4<<10)
	io.WriteString(conn, "GET "+apiPath+okQuery+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+DefaultToken+"\r\n\r\n")
	br := bufio.NewReaderSize(conn, 1<<10)
	buf := make([]byte, 1<<10)
	const rate = 16 << 10 // bytes a second
	start := time.Now()
	read := 0
	for time.Since(start) < 6*time.Second {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := br.Read(buf)
		read += n
		if err != nil {
			t.Fatalf("a steady reader at 16 KB/s was cut after %d bytes, %s: %v", read, time.Since(start).Round(time.Millisecond), err)
		}
		// Keep to the rate.
		if ahead := time.Duration(read)*time.Second/rate - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
	}
}

// startSmallBuffers starts a server on 127.0.0.1 whose connections have an
// 8 KiB send buffer: an answer cannot hide in the kernel, and every write
// waits on the reader.
func startSmallBuffers(t *testing.T, cfg Config) *Server {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 8<<10) })
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.serve(ln); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(context.Background()) }) //nolint:errcheck
	return s
}
