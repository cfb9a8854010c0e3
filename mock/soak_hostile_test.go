package mock

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSoakHostile is the bounded soak of client-grown state. It runs only
// when ODMOCK_SOAK_HOSTILE is a number of requests, e.g.
//
//	ODMOCK_SOAK_HOSTILE=50000   go test ./mock -run '^TestSoakHostile$' -v   (CI)
//	ODMOCK_SOAK_HOSTILE=1000000 go test ./mock -run '^TestSoakHostile$' -v -timeout 30m
//
// A real server on 127.0.0.1 gets that many requests, each on a new
// connection from its own loopback address (127.x.y.z), with its own
// session, and a token, a filter value and a rate-limit key of its own:
// valid and unknown tokens, scenario calls, sessions without a token. All
// along, every admin endpoint is read, and a probe times the API. It
// reports RSS, the live heap, the size and time of every admin answer and
// the API's latency at the start and the end; it fails when the heap grows
// past the bounds' worth, an admin answer passes 2 MiB, the API's latency
// at the end is not flat beyond noise, or any answer is not the one due.
func TestSoakHostile(t *testing.T) {
	env := os.Getenv("ODMOCK_SOAK_HOSTILE")
	if env == "" {
		t.Skip("set ODMOCK_SOAK_HOSTILE to a number of requests (e.g. 50000) to run the hostile soak")
	}
	total, err := strconv.Atoi(env)
	if err != nil || total < 1000 || total > 5_000_000 {
		t.Fatalf("ODMOCK_SOAK_HOSTILE=%q: want 1000 to 5000000 requests", env)
	}
	cfg := DefaultConfig()
	cfg.RateLimit = 1 << 30 // on, so that every address is a rate-limit key, never 429
	s := startServer(t, cfg)
	addr := s.Addr().String()

	heapStart, rssStart := liveHeap(), rss()
	var sent, bad atomic.Int64
	var failMu sync.Mutex
	var fails []string
	fail := func(format string, args ...any) {
		bad.Add(1)
		failMu.Lock()
		defer failMu.Unlock()
		if len(fails) < 10 {
			fails = append(fails, fmt.Sprintf(format, args...))
		}
	}

	done := make(chan struct{})
	var bg sync.WaitGroup
	// The API's latency, on one keep-alive connection from 127.0.0.1.
	var probeMu sync.Mutex
	var probes []time.Duration
	bg.Go(func() {
		c := &http.Client{Timeout: 10 * time.Second}
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			req, _ := http.NewRequest(http.MethodGet, s.URL()+apiPath+okQuery+"&user_id=user_12345", nil)
			req.Header.Set("Authorization", "Bearer "+DefaultToken)
			req.Header.Set(SessionHeader, "probe")
			start := time.Now()
			resp, err := c.Do(req)
			if err != nil {
				fail("probe: %v", err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			probeMu.Lock()
			probes = append(probes, time.Since(start))
			probeMu.Unlock()
		}
	})
	// Every admin endpoint, read all along.
	admin := []string{HealthPath, JournalPath, JournalPath + "?session=s-1", CoveragePath, CoveragePath + "?offset=9000",
		CoveragePath + "?session=s-4", "/__odmock/scenarios", "/__odmock/scenario?session=s-2", StatePath}
	type reading struct {
		at           time.Duration
		sent         int64
		rss          int64
		sizes, times []int64 // per admin endpoint: bytes, microseconds
	}
	var readings []reading
	maxSize := make([]int64, len(admin))
	maxTime := make([]time.Duration, len(admin))
	began := time.Now()
	bg.Go(func() {
		c := &http.Client{Timeout: 30 * time.Second}
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Second):
			}
			rd := reading{at: time.Since(began).Round(time.Second), sent: sent.Load(), rss: rss()}
			for i, p := range admin {
				start := time.Now()
				resp, err := c.Get(s.URL() + p)
				if err != nil {
					fail("GET %s: %v", p, err)
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took := time.Since(start)
				if resp.StatusCode != http.StatusOK {
					fail("GET %s: status %d", p, resp.StatusCode)
				}
				rd.sizes, rd.times = append(rd.sizes, n), append(rd.times, took.Microseconds())
				maxSize[i], maxTime[i] = max(maxSize[i], n), max(maxTime[i], took)
			}
			readings = append(readings, rd)
		}
	})

	// The flood: each request on a new connection from its own address.
	const workers = 16
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				hostileOne(addr, i, fail)
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	close(done)
	bg.Wait()
	elapsed := time.Since(began)

	heapEnd, rssEnd := liveHeap(), rss()
	st := s.State()
	t.Logf("hostile soak: %d requests in %s (%.0f/s), each from its own address, session, token and key",
		total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	t.Logf("RSS %s -> %s, live heap %s -> %s", mib(rssStart), mib(rssEnd), mib(int64(heapStart)), mib(int64(heapEnd)))
	t.Logf("state at the end: coverage %+v, guests %+v, counters %+v, rate keys %+v, journal %+v",
		st.CoverageSessions, st.GuestSessions, st.CallCounters, *st.RateLimitKeys, st.Journal)
	var b strings.Builder
	for _, rd := range readings {
		fmt.Fprintf(&b, "\n  %5s %8d sent  RSS %-9s", rd.at, rd.sent, mib(rd.rss))
		for i := range rd.sizes {
			fmt.Fprintf(&b, " %dB/%dus", rd.sizes[i], rd.times[i])
		}
	}
	t.Logf("admin answers (size/time) of %s, every 2s:%s", strings.Join(admin, " "), b.String())
	for i, p := range admin {
		t.Logf("  %-36s largest %7d B, slowest %s", p, maxSize[i], maxTime[i].Round(time.Microsecond))
		if maxSize[i] > 2<<20 {
			t.Errorf("GET %s answered %d bytes, want at most 2 MiB", p, maxSize[i])
		}
	}
	startLat, endLat := medianOf(probes, true), medianOf(probes, false)
	t.Logf("API latency (median of 20 probes): start %s, end %s", startLat, endLat)
	if endLat > 3*startLat+5*time.Millisecond {
		t.Errorf("API latency grew from %s to %s: not flat", startLat, endLat)
	}
	// The bounds' worth: 10,000 sessions of coverage, scenario and counts,
	// 1,000 guests, 10,000 rate keys, 1,000 journal entries: some 20 MiB.
	if grow := int64(heapEnd) - int64(heapStart); grow > 48<<20 {
		t.Errorf("live heap grew by %s, want at most 48 MiB (the bounds' worth)", mib(grow))
	}
	if n := bad.Load(); n > 0 {
		t.Errorf("%d failures, the first: %s", n, strings.Join(fails, "; "))
	}
}

// hostileOne sends request i from its own loopback address 127.a.b.c on
// a new connection, and checks it got the status due.
func hostileOne(addr string, i int64, fail func(string, ...any)) {
	n := i + 2 // past 127.0.0.0 and 127.0.0.1
	ip := net.IPv4(127, byte(n>>16), byte(n>>8), byte(n))
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		fail("request %d from %s: %v", i, ip, err)
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	var h strings.Builder
	fmt.Fprintf(&h, "GET %s%s&browser=b%d HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s: s-%d\r\n",
		apiPath, "?from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59", i, SessionHeader, i)
	want := http.StatusOK
	switch i % 4 {
	case 0: // a valid token, a filter value of its own
		h.WriteString("Authorization: Bearer " + DefaultToken + "\r\n")
	case 1: // an unknown token of its own
		fmt.Fprintf(&h, "Authorization: Bearer unknown-%d\r\n", i)
		want = http.StatusUnauthorized
	case 2: // a scenario's call counters, per session
		h.WriteString("Authorization: Bearer " + DefaultToken + "\r\nPrefer: scenario=token-expires\r\n")
	case 3: // a session name without a token
		want = http.StatusUnauthorized
	}
	h.WriteString("\r\n")
	if _, err := io.WriteString(conn, h.String()); err != nil {
		fail("request %d: write: %v", i, err)
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		fail("request %d: %v", i, err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		fail("request %d (kind %d): status %d, want %d", i, i%4, resp.StatusCode, want)
	}
}

// medianOf is the median of the first (or last) 20 durations.
func medianOf(ds []time.Duration, first bool) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	k := min(20, len(ds))
	part := slices.Clone(ds[len(ds)-k:])
	if first {
		part = slices.Clone(ds[:k])
	}
	slices.Sort(part)
	return part[len(part)/2]
}
