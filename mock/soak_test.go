// This file is longer than most: the soak is one workload, its checks and
// its report, read best top to bottom in one place.

package mock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// TestSoak is the bounded load and soak check. It runs only when
// ODMOCK_SOAK is a duration, e.g.
//
//	ODMOCK_SOAK=20s go test ./mock -run '^TestSoak$' -v   (CI)
//	ODMOCK_SOAK=5m  go test ./mock -run '^TestSoak$' -v   (the long run)
//
// A real server on 127.0.0.1 gets a mixed workload from ODMOCK_SOAK_CLIENTS
// concurrent clients (default 8) for that long: valid, filtered, empty,
// invalid, unauthorized, wrong-method, too-long and HEAD requests, health
// probes, unknown paths, and clients that hang up mid-answer. Every answer
// is checked against openapi.yaml and the status the request must get. It
// fails on any answer outside the contract, any transport error, memory
// growth past noise, or goroutines left behind; and it logs the figures.
func TestSoak(t *testing.T) {
	env := os.Getenv("ODMOCK_SOAK")
	if env == "" {
		t.Skip("set ODMOCK_SOAK to a duration (e.g. 20s) to run the soak")
	}
	duration, err := time.ParseDuration(env)
	if err != nil || duration <= 0 {
		t.Fatalf("ODMOCK_SOAK=%q: want a duration such as 20s or 5m", env)
	}
	clients := 8
	if v := os.Getenv("ODMOCK_SOAK_CLIENTS"); v != "" {
		if clients, err = strconv.Atoi(v); err != nil || clients < 1 || clients > 256 {
			t.Fatalf("ODMOCK_SOAK_CLIENTS=%q: want 1 to 256", v)
		}
	}
	// A scenarios directory of its own, watched: the soak edits a scenario
	// file in it all along (good edits and broken ones), and switches a
	// session's scenario over the admin API.
	dir := t.TempDir()
	liveFile := filepath.Join(dir, "live.yaml")
	liveVersions := []string{
		"rules:\n  - status: 401\n",
		"rules:\n  - name: again\n    status: 401\n    body: {message: Unauthenticated.}\n",
		"rules:\n  - status: 4010\n", // broken: the last good state must keep serving
	}
	if err := os.WriteFile(liveFile, []byte(liveVersions[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "empty.yaml"), []byte("rules:\n  - status: 200\n    body: {data: []}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.ScenariosDir = dir
	cfg.Watch = true
	s := startServer(t, cfg)
	sk := newSoak(t, s, cfg)
	sk.background = append(sk.background,
		func(ctx context.Context) error { // hot reloads
			for i := 1; ; i++ {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(300 * time.Millisecond):
				}
				if err := os.WriteFile(liveFile, []byte(liveVersions[i%len(liveVersions)]), 0o644); err != nil {
					return err
				}
			}
		},
		func(ctx context.Context) error { // a session's scenario, switched back and forth
			for i := 0; ; i++ {
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(100 * time.Millisecond):
				}
				name := []string{"empty", ""}[i%2]
				req, _ := http.NewRequestWithContext(ctx, http.MethodPut, sk.base+adminPrefix+"/scenario",
					strings.NewReader(`{"name":"`+name+`","session":"soak-switch"}`))
				resp, err := sk.client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return err
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("switch scenario: %s", resp.Status)
				}
			}
		})
	report := sk.run(duration, clients)
	t.Log(report.String())
	report.check(t)
}

// soakOp is one kind of request in the workload.
type soakOp struct {
	name   string
	weight int
	// request makes a request of this kind; want is the status the
	// contract gives it.
	request func(sk *soak, rng *rand.Rand) (req *http.Request, want int)
	// hangUp reads a little of the answer and closes the connection.
	hangUp bool
}

// soakOps is the workload. TestSoak's background edits scenarios/live.yaml
// (always a 401, or a broken edit that must change nothing) and switches
// session soak-switch between the empty scenario and none (a 200 either way).
func soakOps() []soakOp {
	return []soakOp{
		{name: "scenario being edited", weight: 4, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			req := sk.api(rng, sk.window(rng, true), nil, DefaultToken)
			req.Header.Set("Prefer", "scenario=live")
			return req, http.StatusUnauthorized
		}},
		{name: "session switched over the admin API", weight: 4, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			req := sk.api(rng, sk.window(rng, true), sk.filters(rng), DefaultToken)
			req.Header.Set(SessionHeader, "soak-switch")
			return req, http.StatusOK
		}},
		{name: "Prefer code", weight: 3, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			code := []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusTooManyRequests}[rng.IntN(3)]
			req := sk.api(rng, sk.window(rng, true), nil, DefaultToken)
			req.Header.Set("Prefer", fmt.Sprintf("code=%d", code))
			return req, code
		}},
		{name: "valid, whole window", weight: 4, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.api(rng, sk.window(rng, false), nil, DefaultToken), http.StatusOK
		}},
		{name: "valid, random window", weight: 10, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.api(rng, sk.window(rng, true), nil, DefaultToken), http.StatusOK
		}},
		{name: "filtered", weight: 20, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.api(rng, sk.window(rng, rng.IntN(2) == 0), sk.filters(rng), DefaultToken), http.StatusOK
		}},
		{name: "one user", weight: 5, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			u := sk.users[rng.IntN(len(sk.users))]
			return sk.api(rng, sk.window(rng, false), url.Values{"user_id": {u.ID}}, DefaultToken), http.StatusOK
		}},
		{name: "empty (inverted range)", weight: 3, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			w := sk.window(rng, false)
			w.Set("from", sk.cfg.Window.End.Format(time.DateTime))
			w.Set("to", sk.cfg.Window.Start.Format(time.DateTime))
			return sk.api(rng, w, nil, DefaultToken), http.StatusOK
		}},
		{name: "invalid", weight: 10, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			bad := []string{"", "from=2024-01-01", "from=2024-02-30%2000:00:00&to=x", "to=2024-01-01%2000:00:00",
				okQuery[1:] + "&nope=1", okQuery[1:] + "&browser[]=x", "from[]=1&to[]=2", okQuery[1:] + "&a.b=1&c+d=2"}
			return sk.raw(http.MethodGet, apiPath+"?"+bad[rng.IntN(len(bad))], DefaultToken), http.StatusUnprocessableEntity
		}},
		{name: "unauthorized", weight: 8, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			tokens := []string{"", "wrong", DefaultToken + "x", "bearer " + DefaultToken}
			return sk.api(rng, sk.window(rng, true), nil, tokens[rng.IntN(len(tokens))]), http.StatusUnauthorized
		}},
		{name: "wrong method", weight: 2, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			m := []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}[rng.IntN(4)]
			return sk.raw(m, apiPath+okQuery, DefaultToken), http.StatusMethodNotAllowed
		}},
		{name: "too long", weight: 1, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.raw(http.MethodGet, padQuery(apiPath, 8193+rng.IntN(20000)), DefaultToken), http.StatusRequestURITooLong
		}},
		{name: "HEAD", weight: 3, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			req := sk.api(rng, sk.window(rng, true), sk.filters(rng), DefaultToken)
			req.Method = http.MethodHead
			return req, http.StatusOK
		}},
		{name: "health", weight: 2, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.raw(http.MethodGet, HealthPath, ""), http.StatusOK
		}},
		{name: "unknown path", weight: 1, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.raw(http.MethodGet, "/public/api/nope"+okQuery, DefaultToken), http.StatusNotFound
		}},
		{name: "hang up mid-answer", weight: 2, hangUp: true, request: func(sk *soak, rng *rand.Rand) (*http.Request, int) {
			return sk.api(rng, sk.window(rng, false), nil, DefaultToken), http.StatusOK
		}},
	}
}

// soak is one soak run: the server, its data for building requests, and
// the counts.
type soak struct {
	t      *testing.T
	s      *Server
	cfg    Config
	base   string
	users  []dataset.User
	ops    []soakOp
	client *http.Client
	tr     *http.Transport
	// background runs beside the clients until ctx ends (e.g. a scenario
	// file rewritten now and then); an error fails the run.
	background []func(ctx context.Context) error

	counts []soakCount // per op
	mu     sync.Mutex
	fails  []string // the first few failures, for the report
}

type soakCount struct {
	sent, outside, transport atomic.Int64
}

func newSoak(t *testing.T, s *Server, cfg Config) *soak {
	ops := soakOps()
	tr := &http.Transport{MaxIdleConnsPerHost: 256, ResponseHeaderTimeout: 30 * time.Second}
	return &soak{
		t: t, s: s, cfg: cfg, base: s.URL(),
		users:  dataset.Generate(cfg.Seed, cfg.Users, cfg.Window),
		ops:    ops,
		tr:     tr,
		client: &http.Client{Transport: tr, Timeout: 60 * time.Second},
		counts: make([]soakCount, len(ops)),
	}
}

// window is the query's from and to: the whole window, or a random span.
func (sk *soak) window(rng *rand.Rand, random bool) url.Values {
	from, to := sk.cfg.Window.Start, sk.cfg.Window.End
	if random {
		span := to.Sub(from)
		from = from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Second)
		to = from.Add(time.Duration(rng.Int64N(int64(3 * 24 * time.Hour)))).Truncate(time.Second)
	}
	return url.Values{"from": {from.Format(time.DateTime)}, "to": {to.Format(time.DateTime)}}
}

// filters picks one to three filters from real users' attributes: a part
// of a value, in another case now and then, a wildcard now and then.
func (sk *soak) filters(rng *rand.Rand) url.Values {
	v := url.Values{}
	u := sk.users[rng.IntN(len(sk.users))]
	for range 1 + rng.IntN(3) {
		attrs := sk.s.Contract().Attributes()
		name := attrs[rng.IntN(len(attrs))]
		value, ok := u.Attributes[name]
		if !ok || value == "" {
			value = "zz-nothing"
		}
		rs := []rune(value)
		i := rng.IntN(len(rs))
		j := i + 1 + rng.IntN(len(rs)-i)
		part := string(rs[i:j])
		switch rng.IntN(6) {
		case 0:
			part = strings.ToUpper(part)
		case 1:
			part = "%" + part + "_"
		}
		v.Set(name, part)
	}
	return v
}

// api is a GET of the API with the given query and token.
func (sk *soak) api(rng *rand.Rand, window, filters url.Values, token string) *http.Request {
	q := url.Values{}
	for k, v := range window {
		q[k] = v
	}
	for k, v := range filters {
		q[k] = v
	}
	enc := q.Encode()
	if rng.IntN(2) == 0 {
		enc = strings.ReplaceAll(enc, "+", "%20") // as the public page writes it
	}
	return sk.raw(http.MethodGet, apiPath+"?"+enc, token)
}

// raw is a request for target (path and query, as sent) with token.
func (sk *soak) raw(method, target, token string) *http.Request {
	req, err := http.NewRequest(method, sk.base+target, nil)
	if err != nil {
		panic(fmt.Sprintf("soak request %s %.80s: %v", method, target, err)) // a bug in the soak itself
	}
	switch {
	case token == "":
	case strings.HasPrefix(token, "bearer "):
		req.Header.Set("Authorization", token)
	default:
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func (sk *soak) fail(format string, args ...any) {
	sk.mu.Lock()
	defer sk.mu.Unlock()
	if len(sk.fails) < 10 {
		sk.fails = append(sk.fails, fmt.Sprintf(format, args...))
	}
}

// one sends one request of op and checks its answer.
func (sk *soak) one(ctx context.Context, rng *rand.Rand, i int) {
	op := &sk.ops[i]
	c := &sk.counts[i]
	req, want := op.request(sk, rng)
	req = req.WithContext(ctx)
	c.sent.Add(1)
	resp, err := sk.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			c.sent.Add(-1) // cut by the end of the run, not by the server
			return
		}
		c.transport.Add(1)
		sk.fail("%s: %s %.120s: %v", op.name, req.Method, req.URL, err)
		return
	}
	defer resp.Body.Close()
	if op.hangUp {
		io.CopyN(io.Discard, resp.Body, 1+rng.Int64N(64<<10))
		return // Close with the answer unread: the connection is dropped
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		if ctx.Err() != nil {
			c.sent.Add(-1)
			return
		}
		c.transport.Add(1)
		sk.fail("%s: %s %.120s: read body: %v", op.name, req.Method, req.URL, err)
		return
	}
	if err := sk.checkAnswer(req, resp, body, want); err != nil {
		c.outside.Add(1)
		sk.fail("%s: %s %.120s: %v\nbody: %.200s", op.name, req.Method, req.URL, err, body)
	}
}

// checkAnswer is checkContract, returning what it finds, plus the status.
func (sk *soak) checkAnswer(req *http.Request, resp *http.Response, body []byte, want int) error {
	if resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("Content-Type %q", ct)
	}
	err := sk.s.Contract().ValidateResponse(req.Context(), req, resp.StatusCode, resp.Header, body)
	if errors.Is(err, contract.ErrNotInContract) {
		if req.Method == http.MethodHead {
			return nil
		}
		var m struct {
			Message *string `json:"message"`
			Status  *string `json:"status"`
		}
		if err := json.Unmarshal(body, &m); err != nil || m.Message == nil && m.Status == nil {
			return errors.New("not JSON {\"message\": ...}")
		}
		return nil
	}
	if err == nil && req.Method == http.MethodGet && resp.StatusCode == http.StatusOK &&
		resp.ContentLength != int64(len(body)) {
		return fmt.Errorf("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
	}
	return err
}

// soakReport holds a run's figures.
type soakReport struct {
	duration                 time.Duration
	clients                  int
	ops                      []soakOp
	sent, outside, transport []int64
	rssRest, rssStart        int64 // at rest after the warm-up, and under load at a tenth of the run
	rssEnd, rssPeak          int64 // bytes; -1 when unknown
	heapStart, heapEnd       uint64
	goroutinesBefore         int
	goroutinesAfter          int
	rssSeries                []int64
	fails                    []string
	backgroundErr            error
}

// run drives the workload for d with n clients and returns the figures.
func (sk *soak) run(d time.Duration, n int) *soakReport {
	// A few requests of every kind first: pools and buffers fill, so
	// the start figures are those of a server that has served.
	warm, cancelWarm := context.WithCancel(context.Background())
	rng := rand.New(rand.NewPCG(0, 0))
	for range 3 {
		for i := range sk.ops {
			sk.one(warm, rng, i)
		}
	}
	cancelWarm()
	sk.tr.CloseIdleConnections()
	for i := range sk.counts {
		sk.counts[i] = soakCount{}
	}
	sk.fails = nil
	time.Sleep(100 * time.Millisecond) // let the warm-up's connections close
	r := &soakReport{duration: d, clients: n, ops: sk.ops, goroutinesBefore: runtime.NumGoroutine()}
	r.heapStart = liveHeap()
	r.rssRest = rss()

	var total int
	for _, op := range sk.ops {
		total += op.weight
	}
	pick := func(rng *rand.Rand) int {
		k := rng.IntN(total)
		for i, op := range sk.ops {
			if k < op.weight {
				return i
			}
			k -= op.weight
		}
		return len(sk.ops) - 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for c := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c)+1, 7))
			for ctx.Err() == nil {
				sk.one(ctx, rng, pick(rng))
			}
		})
	}
	bgErr := make(chan error, len(sk.background))
	for _, bg := range sk.background {
		wg.Go(func() { bgErr <- bg(ctx) })
	}
	// Sample memory ten times along the run.
	tick := time.NewTicker(d / 10)
	for sampling := true; sampling; {
		select {
		case <-tick.C:
			v := rss()
			r.rssSeries = append(r.rssSeries, v)
			r.rssPeak = max(r.rssPeak, v)
		case <-ctx.Done():
			sampling = false
		}
	}
	tick.Stop()
	wg.Wait()
	close(bgErr)
	for err := range bgErr {
		r.backgroundErr = errors.Join(r.backgroundErr, err)
	}

	sk.tr.CloseIdleConnections()
	r.heapEnd = liveHeap()
	r.rssEnd = rss()
	r.rssPeak = max(r.rssPeak, r.rssEnd)
	r.rssStart = r.rssEnd
	if len(r.rssSeries) > 0 {
		r.rssStart = r.rssSeries[0]
	}
	for i := range sk.counts {
		r.sent = append(r.sent, sk.counts[i].sent.Load())
		r.outside = append(r.outside, sk.counts[i].outside.Load())
		r.transport = append(r.transport, sk.counts[i].transport.Load())
	}
	r.fails = sk.fails
	// Goroutines: back to the count before, once connections are gone.
	deadline := time.Now().Add(20 * time.Second)
	for r.goroutinesAfter = runtime.NumGoroutine(); r.goroutinesAfter > r.goroutinesBefore && time.Now().Before(deadline); r.goroutinesAfter = runtime.NumGoroutine() {
		time.Sleep(50 * time.Millisecond)
	}
	return r
}

// RSS may grow by a quarter and 16 MiB over a run (from the first sample
// under load to the end) and still be noise: the allocator's and the
// kernel's buffers. The live heap after a collection is steadier: a tenth
// and 4 MiB. A leak of 1 KiB a request shows in the CI run's heap.
func allowedRSSGrowth(start int64) int64   { return start/4 + 16<<20 }
func allowedHeapGrowth(start uint64) int64 { return int64(start/10) + 4<<20 }

func (r *soakReport) check(t *testing.T) {
	t.Helper()
	var sent, outside, transport int64
	for i := range r.ops {
		sent += r.sent[i]
		outside += r.outside[i]
		transport += r.transport[i]
	}
	if sent == 0 {
		t.Errorf("no request sent")
	}
	if outside > 0 {
		t.Errorf("%d answers outside the contract, want 0", outside)
	}
	if transport > 0 {
		t.Errorf("%d transport errors, want 0", transport)
	}
	for _, f := range r.fails {
		t.Errorf("failure: %s", f)
	}
	if r.backgroundErr != nil {
		t.Errorf("background: %v", r.backgroundErr)
	}
	if r.rssStart > 0 && r.rssEnd-r.rssStart > allowedRSSGrowth(r.rssStart) {
		t.Errorf("RSS under load grew from %s to %s, more than noise (%s)", mib(r.rssStart), mib(r.rssEnd), mib(allowedRSSGrowth(r.rssStart)))
	}
	if grew := int64(r.heapEnd) - int64(r.heapStart); grew > allowedHeapGrowth(r.heapStart) {
		t.Errorf("live heap grew from %s to %s, more than noise (%s)", mib(int64(r.heapStart)), mib(int64(r.heapEnd)), mib(allowedHeapGrowth(r.heapStart)))
	}
	if r.goroutinesAfter > r.goroutinesBefore {
		t.Errorf("goroutines after the run = %d, want at most %d (the count before)", r.goroutinesAfter, r.goroutinesBefore)
	}
}

func (r *soakReport) String() string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	var sent, outside, transport int64
	for i := range r.ops {
		sent += r.sent[i]
		outside += r.outside[i]
		transport += r.transport[i]
	}
	fmt.Fprintf(w, "soak: %s, %d clients, loopback\n", r.duration, r.clients)
	fmt.Fprintf(w, "  requests sent:            %d (%.0f/s)\n", sent, float64(sent)/r.duration.Seconds())
	fmt.Fprintf(w, "  answers outside contract: %d\n", outside)
	fmt.Fprintf(w, "  transport errors:         %d\n", transport)
	fmt.Fprintf(w, "  RSS at rest, then under load start/end (peak): %s, %s / %s (%s)\n", mib(r.rssRest), mib(r.rssStart), mib(r.rssEnd), mib(r.rssPeak))
	fmt.Fprintf(w, "  live heap start/end:      %s / %s\n", mib(int64(r.heapStart)), mib(int64(r.heapEnd)))
	fmt.Fprintf(w, "  goroutines before/after:  %d / %d\n", r.goroutinesBefore, r.goroutinesAfter)
	series := make([]string, len(r.rssSeries))
	for i, v := range r.rssSeries {
		series[i] = mib(v)
	}
	fmt.Fprintf(w, "  RSS along the run:        %s\n", strings.Join(series, " "))
	order := make([]int, len(r.ops))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(r.sent[b] - r.sent[a]) })
	for _, i := range order {
		fmt.Fprintf(w, "  %-24s %8d sent %4d outside %4d transport\n", r.ops[i].name, r.sent[i], r.outside[i], r.transport[i])
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}

// rss is this process's resident set size from /proc/self/status, or -1
// where there is none.
func rss() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// liveHeap is the heap in use after a collection: what is really kept.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1fMiB", float64(n)/(1<<20))
}
