package mock

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// redisServer is a redis-server a test started: on a free loopback port,
// in a temporary directory, with no persistence. It is stopped by its pid
// when the test ends.
type redisServer struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

// startRedis starts Debian's redis-server for t; without it the test is
// skipped, or fails when CI is set.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("redis-server not installed; CI must have it (.ci/run installs Debian's redis-server)")
		}
		t.Skip("redis-server not installed: apt-get install redis-server to run the shared-state tests")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &redisServer{t: t, port: port, dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

// URL is the server's redis:// URL.
func (r *redisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// start runs redis-server and waits until it answers PING.
func (r *redisServer) start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no", "--loglevel", "warning")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.ping() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop()
	r.t.Fatalf("redis-server on port %d did not answer within 10s", r.port)
}

// ping reports whether the server answers PING, in RESP by hand.
func (r *redisServer) ping() bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)), 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// stop kills the server by its pid and waits for it; it may start again.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

var testPrefixes atomic.Uint64

// uniquePrefix is a key prefix no other test uses.
func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("odmock-test-%d-%s:", testPrefixes.Add(1), strings.ReplaceAll(t.Name(), "/", "-"))
}

// stateBackend is where a test's state lives: memory, or Redis.
type stateBackend struct {
	name  string
	redis bool
}

// stateBackends are the backends every test of the state's semantics runs
// against: the same expectations for both.
var stateBackends = []stateBackend{{name: "memory"}, {name: "redis", redis: true}}

// config sets cfg's State for the backend, starting a redis-server for it
// (once per call: each test gets its own).
func (b stateBackend) config(t testing.TB, cfg Config) Config {
	if b.redis {
		cfg.State, cfg.StatePrefix = startRedis(t).URL(), uniquePrefix(t)
	}
	return cfg
}

// shared connects to the backend's Redis, or is nil for memory.
func (b stateBackend) shared(t testing.TB, url, prefix string) *sharedState {
	t.Helper()
	if !b.redis {
		return nil
	}
	s, err := connectShared(Config{State: url, StatePrefix: prefix}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(s.close)
	return s
}

// replicas are n connections to one backend's state, as n replicas have:
// for memory, one (memory is not shared).
func (b stateBackend) replicas(t testing.TB, n int) []*sharedState {
	t.Helper()
	if !b.redis {
		return []*sharedState{nil}
	}
	url, prefix := startRedis(t).URL(), uniquePrefix(t)
	out := make([]*sharedState, n)
	for i := range out {
		out[i] = b.shared(t, url, prefix)
	}
	return out
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waited 10s for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
