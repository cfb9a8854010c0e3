// Command scale measures odmock at sizes from the default dataset to a
// hundred million user messages, side by side with another build of
// odmock (by default the last eager engine, eagerRef), in one run: time to
// ready, RSS, the latency of one-day, one-user and filtered-day queries,
// whole-window streaming (cold; then once the server has learned every
// conversation's size while idle, --no-presize not given; then warm), the
// cache's hit ratio, the
// default dataset's one-day requests per second with 4 clients, and at
// the end issue 19's targets beside the figures, met or not. Latencies
// are given to the whole answer and to its first byte: a large answer's
// Content-Length is known before it is streamed.
//
//	go run ./bench/scale                          # default, 1M and 10M; the eager engine's build beside
//	go run ./bench/scale -sizes 1M,10M,100M       # the 100M run needs about 2 GB free
//	go run ./bench/scale -base-ref '' -sizes 1M   # this build alone
//
// Every server listens on 127.0.0.1 on a free port, and is stopped by its
// process id when its size is done.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// result is what one server measured, for the targets' table.
type result struct {
	size, target string
	ready        time.Duration
	rss          float64
	p99          map[string]time.Duration // by query kind, whole answer
	ttfb99       map[string]time.Duration // by query kind, to the first byte
	streamMBs    map[string]float64       // whole-window MB/s: cold, presized, warm
	coldSized    float64                  // the share of conversations sized before the cold window
	rps          float64                  // one-day queries per second, 4 clients
}

// eagerRef is the last commit whose engine encoded every message at start,
// before the dataset was generated on demand (issue 19).
const eagerRef = "bb36ea0"

type options struct {
	sizes       []string
	baseRef     string
	baseMax     int64
	window      string
	reps        int
	streamMax   int64
	perUserMsgs float64
	presizeWait time.Duration
}

func run() error {
	var o options
	var sizes string
	flag.StringVar(&sizes, "sizes", "1M,10M", "user-message `sizes` to measure besides the default dataset (comma-separated)")
	flag.StringVar(&o.baseRef, "base-ref", eagerRef, "git `ref` whose odmock to measure beside this one (default: the last engine that encoded every message at start; '' for none)")
	flag.Int64Var(&o.baseMax, "base-max", 10_000_000, "largest size the base build is run at (`messages`; the eager engine needs about 340 bytes per message)")
	flag.StringVar(&o.window, "window", "2024-01-01/2024-12-31", "`window` of the sized datasets (a year, so that January's queries find data)")
	flag.IntVar(&o.reps, "reps", 40, "`requests` per query kind and size")
	flag.Int64Var(&o.streamMax, "stream-max", 10_000_000, "largest size whose whole window is streamed (`messages`)")
	flag.Float64Var(&o.perUserMsgs, "base-messages-per-user", 7.75, "user messages per user of the base build, to size it by --users")
	flag.DurationVar(&o.presizeWait, "presize-wait", 3*time.Minute, "longest wait for a server to learn every conversation's size before the presized window")
	flag.Parse()
	o.sizes = slices.DeleteFunc(strings.Split(sizes, ","), func(s string) bool { return s == "" })

	tmp, err := os.MkdirTemp("", "odmock-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins := map[string]string{"lazy": filepath.Join(tmp, "odmock")}
	if err := goBuild(".", bins["lazy"]); err != nil {
		return err
	}
	targets := []string{"lazy"}
	if o.baseRef != "" {
		bins["base"] = filepath.Join(tmp, "odmock-base")
		if err := buildRef(o.baseRef, filepath.Join(tmp, "src"), bins["base"]); err != nil {
			return err
		}
		targets = append(targets, "base")
	}
	fmt.Printf("%-8s %-5s %12s %9s %9s %9s | %-10s %9s %9s %9s | %s\n",
		"size", "build", "messages", "ready", "RSS MB", "peak MB", "query", "p50", "p99", "KB", "notes")
	var results []*result
	for _, size := range append([]string{"default"}, o.sizes...) {
		msgs := int64(0)
		if size != "default" {
			if msgs, err = parseCount(size); err != nil {
				return err
			}
		}
		for _, t := range targets {
			if t == "base" && msgs > o.baseMax {
				fmt.Printf("%-8s %-5s %12s  (not run: the eager engine needs about %d GB)\n", size, t, "-", msgs*340/1e9+1)
				continue
			}
			r, err := measure(o, t, bins[t], size, msgs)
			if err != nil {
				return fmt.Errorf("%s %s: %w", t, size, err)
			}
			results = append(results, r)
		}
	}
	printTargets(results)
	return nil
}

// printTargets sets the figures beside issue 19's targets.
func printTargets(results []*result) {
	find := func(size, target string) *result {
		for _, r := range results {
			if r.size == size && r.target == target {
				return r
			}
		}
		return nil
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT met"
	}
	fmt.Println("\ntargets (issue 19):")
	for _, t := range []struct {
		size  string
		ready time.Duration
		rss   float64
	}{{"100M", 5 * time.Second, 1500}, {"10M", time.Second, 300}} {
		if r := find(t.size, "lazy"); r != nil {
			fmt.Printf("  %-5s ready %v (under %v: %s), RSS %.0f MB (under %.0f: %s)\n", t.size, r.ready.Round(time.Millisecond), t.ready,
				verdict(r.ready < t.ready), r.rss, t.rss, verdict(r.rss < t.rss))
		}
	}
	def, base := find("default", "lazy"), find("default", "base")
	if def != nil && base != nil {
		fmt.Printf("  default: ready %v vs base %v; %.0f vs %.0f one-day requests/s (no worse: %s)\n",
			def.ready.Round(time.Millisecond), base.ready.Round(time.Millisecond), def.rps, base.rps, verdict(def.rps >= 0.95*base.rps))
	}
	if def != nil {
		for _, size := range []string{"1M", "10M", "100M"} {
			r := find(size, "lazy")
			if r == nil {
				continue
			}
			for _, k := range []string{"one-user", "one-day", "one-day*"} {
				if _, ok := r.p99[k]; !ok {
					continue
				}
				d := def.p99[strings.TrimSuffix(k, "*")] // one-day* is one-day once presized
				fmt.Printf("  %-5s %-8s p99 %v (first byte %v) vs default's %v: %.1fx (within 2x: %s)\n", size, k,
					r.p99[k], r.ttfb99[k], d, float64(r.p99[k])/float64(d), verdict(r.p99[k] <= 2*d))
			}
		}
	}
	for _, r := range results {
		if r.target != "lazy" || len(r.streamMBs) == 0 {
			continue
		}
		cold, warm := r.streamMBs["cold"], r.streamMBs["warm"]
		once, ok := r.streamMBs["presized"]
		if !ok { // nothing to presize: the default dataset, encoded whole at start
			once = cold
		}
		fmt.Printf("  %-7s whole window: %.0f MB/s cold (%.0f%% sized: %s), %.0f presized, %.0f warm (200 or more once sized: %s)\n",
			r.size, cold, 100*r.coldSized, verdict(cold >= 200), once, warm, verdict(min(once, warm) >= 200))
	}
}

// presized waits until base's server knows every generated
// conversation's size, for at most limit: how long it waited, and
// whether it does.
func presized(base string, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	for {
		if h := cache(base); h != nil && h.Sized >= h.Conversations {
			return time.Since(start), true
		}
		if time.Since(start) > limit {
			return time.Since(start), false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func goBuild(dir, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/odmock")
	cmd.Dir, cmd.Stderr = dir, os.Stderr
	return cmd.Run()
}

// buildRef builds ref's odmock from a temporary worktree.
func buildRef(ref, dir, out string) error {
	add := exec.Command("git", "worktree", "add", "--detach", dir, ref)
	add.Stderr = os.Stderr
	if err := add.Run(); err != nil {
		return fmt.Errorf("git worktree add %s: %w", ref, err)
	}
	defer exec.Command("git", "worktree", "remove", "--force", dir).Run()
	return goBuild(dir, out)
}

// measure starts one server and runs every query kind against it.
func measure(o options, target, bin, size string, msgs int64) (*result, error) {
	res := &result{size: size, target: target, p99: map[string]time.Duration{}, ttfb99: map[string]time.Duration{}, streamMBs: map[string]float64{}}
	args := []string{"--addr", "127.0.0.1:0", "--no-watch", "--log-level", "error"}
	if msgs > 0 {
		args = append(args, "--window", o.window)
		if target == "lazy" {
			args = append(args, "--messages", strconv.FormatInt(msgs, 10))
		} else {
			args = append(args, "--users", strconv.Itoa(int(float64(msgs)/o.perUserMsgs)))
		}
	}
	srv, err := startServer(bin, args)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	cmd, base, messages, ready := srv.cmd, srv.base, srv.messages, srv.ready
	rss, peak := memory(cmd.Process.Pid)
	res.ready, res.rss = ready, rss
	fmt.Printf("%-8s %-5s %12s %9s %9.0f %9.0f |\n", size, target, messages, ready.Round(time.Millisecond), rss, peak)

	// January 2024 is in every dataset: the default window, and the year.
	day := func(i int) time.Time { return time.Date(2024, 1, 8+i%21, 0, 0, 0, 0, time.UTC) }
	users, err := usersAround(base, day(7).Add(12*time.Hour))
	if err != nil {
		return nil, err
	}
	health0 := cache(base)
	kinds := []struct {
		name string
		q    func(i int) url.Values
	}{
		{"one-user", func(i int) url.Values {
			v := dayQuery(day(7))
			v.Set("user_id", users[i%len(users)])
			return v
		}},
		{"one-day", func(i int) url.Values { return dayQuery(day(i)) }},
		{"filtered", func(i int) url.Values {
			v := dayQuery(day(i))
			v.Set("browser", "chrome")
			return v
		}},
	}
	measureKind := func(name string, q func(i int) url.Values, note string) error {
		var lat, first []time.Duration
		var bytes int64
		for i := range o.reps {
			took, ttfb, n, err := get(base, q(i))
			if err != nil {
				return err
			}
			lat, first = append(lat, took), append(first, ttfb)
			bytes += n
		}
		slices.Sort(lat)
		slices.Sort(first)
		res.p99[name], res.ttfb99[name] = at(lat, 99), at(first, 99)
		fmt.Printf("%-8s %-5s %12s %9s %9s %9s | %-10s %9s %9s %9.1f | first byte p50 %s, p99 %s%s\n", "", "", "", "", "", "", name,
			pct(lat, 50), pct(lat, 99), float64(bytes)/float64(o.reps)/1000, pct(first, 50), pct(first, 99), note)
		return nil
	}
	for _, k := range kinds {
		if err := measureKind(k.name, k.q, ""); err != nil {
			return nil, err
		}
	}
	if h := cache(base); h != nil && health0 != nil {
		hits, misses := h.Hits-health0.Hits, h.Misses-health0.Misses
		fmt.Printf("%-8s %-5s %12s %9s %9s %9s | %-10s %9s %9s %9s | %.0f%% of %d conversations from the cache (%d MB held)\n",
			"", "", "", "", "", "", "cache", "", "", "", 100*float64(hits)/float64(max(hits+misses, 1)), hits+misses, h.Bytes>>20)
	}
	if msgs == 0 {
		res.rps = throughput(base, 4, 2*time.Second, func(i int) url.Values { return dayQuery(day(i)) })
		fmt.Printf("%-8s %-5s %12s %9s %9s %9s | %-10s %9.0f %9s %9s | one-day queries/s, 4 clients, 2 s\n", "", "", "", "", "", "", "rps", res.rps, "", "")
	}
	if msgs <= o.streamMax {
		v := url.Values{"from": {"2000-01-01 00:00:00"}, "to": {"2099-12-31 23:59:59"}}
		window := func(base, pass, note string) error {
			took, ttfb, n, err := get(base, v)
			if err != nil {
				return err
			}
			mbs := float64(n) / took.Seconds() / 1e6
			res.streamMBs[pass] = mbs
			fmt.Printf("%-8s %-5s %12s %9s %9s %9s | %-10s %9s %9s %9d | %.0f MB/s, %s%s; first byte after %s\n", "", "", "", "", "", "", "window",
				took.Round(time.Millisecond), "", n/1000, mbs, pass, note, ttfb.Round(time.Millisecond))
			return nil
		}
		note := ""
		h := cache(base)
		if h != nil && h.Conversations > 0 {
			res.coldSized = float64(h.Sized) / float64(h.Conversations)
			note = fmt.Sprintf(" (%.0f%% sized)", 100*res.coldSized)
		}
		if err := window(base, "cold", note); err != nil {
			return nil, err
		}
		if err := window(base, "warm", ""); err != nil {
			return nil, err
		}
		// The cold answer learned every size: the presized one is asked
		// of a new server, once it has learned them while idle (a small
		// dataset is encoded whole at start: it has nothing to learn).
		if h != nil && h.Sized < h.Conversations {
			again, err := startServer(bin, args)
			if err != nil {
				return nil, err
			}
			waited, done := presized(again.base, o.presizeWait)
			if done {
				err = window(again.base, "presized", fmt.Sprintf(" (a new server, idle %s after ready)", waited.Round(100*time.Millisecond)))
			} else {
				err = fmt.Errorf("not every conversation sized after %s", o.presizeWait)
			}
			again.stop()
			if err != nil {
				return nil, err
			}
		}
	}
	// Days again, once the server has learned every conversation's size
	// while idle (or the window query learned them).
	if h := cache(base); msgs > 0 && h != nil && h.Conversations > 0 {
		waited, done := presized(base, o.presizeWait)
		if !done {
			return nil, fmt.Errorf("not every conversation sized after %s", o.presizeWait)
		}
		if err := measureKind("one-day*", kinds[1].q, fmt.Sprintf("; presized (waited %s)", waited.Round(100*time.Millisecond))); err != nil {
			return nil, err
		}
	}
	rss, peak = memory(cmd.Process.Pid)
	fmt.Printf("%-8s %-5s %12s %9s %9.0f %9.0f | after the queries\n", "", "", "", "", rss, peak)
	return res, nil
}

// server is an odmock process serving on a free loopback port.
type server struct {
	cmd            *exec.Cmd
	base, messages string
	ready          time.Duration
}

// startServer starts bin with args, and waits for its banner.
func startServer(bin string, args []string) (*server, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Env = slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "ODMOCK_") })
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	banner := bufio.NewScanner(out)
	for banner.Scan() {
		line := banner.Text()
		if strings.Contains(line, " serving ") {
			s.base = strings.Fields(line)[3]
		}
		if strings.Contains(line, "dataset:") {
			s.messages = strings.Fields(line)[5]
		}
		if strings.Contains(line, "try:") {
			break
		}
	}
	if s.base == "" {
		s.stop()
		return nil, errors.New("no banner")
	}
	s.ready = time.Since(started)
	go io.Copy(io.Discard, out)
	return s, nil
}

// stop ends the server's process, by its id.
func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func dayQuery(d time.Time) url.Values {
	return url.Values{"from": {d.Format(time.DateTime)}, "to": {d.Add(24*time.Hour - time.Second).Format(time.DateTime)}}
}

// usersAround is the users with messages in the hour from t.
func usersAround(base string, t time.Time) ([]string, error) {
	v := url.Values{"from": {t.Format(time.DateTime)}, "to": {t.Add(time.Hour).Format(time.DateTime)}}
	req, _ := http.NewRequest("GET", base+"/public/api/user-interactions?"+v.Encode(), nil)
	req.Header.Set("Authorization", "Bearer odmock-dev-token")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	var ids []string
	for _, g := range body.Data {
		for id := range g {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, errors.New("no users in the hour")
	}
	slices.Sort(ids)
	return ids, nil
}

// throughput is the queries per second clients concurrent clients get
// answered, each reading answers whole, over d.
func throughput(base string, clients int, d time.Duration, q func(i int) url.Values) float64 {
	var done atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Now().Before(deadline); i += clients {
				if _, _, _, err := get(base, q(i)); err == nil {
					done.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / d.Seconds()
}

// get sends one query and reads its answer whole: how long it took, and
// how long until its headers (the Content-Length first) came.
func get(base string, v url.Values) (took, ttfb time.Duration, n int64, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/public/api/user-interactions?"+v.Encode(), nil)
	req.Header.Set("Authorization", "Bearer odmock-dev-token")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	ttfb = time.Since(start)
	n, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, 0, 0, fmt.Errorf("%s: status %d", v.Encode(), resp.StatusCode)
	}
	return time.Since(start), ttfb, n, err
}

type cacheStats struct{ Hits, Misses, Bytes, Conversations, Sized int64 }

// cache is the server's cache figures from its health, nil without.
func cache(base string) *cacheStats {
	resp, err := http.Get(base + "/__odmock/health")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var h struct {
		Cache *cacheStats `json:"cache"`
	}
	json.NewDecoder(resp.Body).Decode(&h)
	return h.Cache
}

// memory is the process's resident and peak resident set, in MB.
func memory(pid int) (rss, peak float64) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

func pct(sorted []time.Duration, p int) string {
	return at(sorted, p).Round(10 * time.Microsecond).String()
}

// at is the p-th percentile of sorted.
func at(sorted []time.Duration, p int) time.Duration {
	i := min(len(sorted)-1, (len(sorted)*p+99)/100-1)
	return sorted[max(i, 0)]
}

func parseCount(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "k"):
		mult, s = 1e3, strings.TrimSuffix(s, "k")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want e.g. 1M", s)
	}
	return n * mult, nil
}
