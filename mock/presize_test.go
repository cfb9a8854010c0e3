package mock

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// health reads a started server's health over HTTP.
func health(t *testing.T, s *Server) Health {
	t.Helper()
	resp, err := http.Get(s.URL() + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if h.Cache == nil {
		t.Fatal("health has no cache figures")
	}
	return h
}

// TestStartedServerPresizes: a started server learns every generated
// conversation's size while idle, and says so in its health; with
// NoPresize it learns none until asked.
func TestStartedServerPresizes(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Users, cfg.CacheBytes = 3000, 64<<10 // larger than half its cache: not encoded whole
	on := startServer(t, cfg)
	cfg.NoPresize = true
	off := startServer(t, cfg)

	deadline := time.Now().Add(30 * time.Second)
	for {
		h := health(t, on).Cache
		if h.Conversations == 0 {
			t.Fatalf("health: %+v, no conversations", h)
		}
		if h.Sized == h.Conversations {
			if h.Misses != 0 || h.Hits != 0 {
				t.Errorf("presizing counted in the cache's figures: %+v", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s idle, %d of %d conversations sized", h.Sized, h.Conversations)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if h := health(t, off).Cache; h.Sized != 0 {
		t.Errorf("NoPresize: %d of %d sized with no query", h.Sized, h.Conversations)
	}
}

// TestIdleWhileAnswering: the server is not idle while it answers a
// request, and is once it has.
func TestIdleWhileAnswering(t *testing.T) {
	t.Parallel()
	s := startServer(t, smallConfig())
	if !s.gate.idle() {
		t.Fatal("a new server is not idle")
	}
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+s.Contract().Path()+okQuery, nil)
		req.Header.Set("Authorization", "Bearer "+DefaultToken)
		req.Header.Set("Prefer", "delay=1s")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.gate.idle() {
		if time.Now().After(deadline) {
			t.Fatal("idle throughout a delayed request")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("the request was answered before it was seen in flight")
	default:
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for !s.gate.idle() {
		if time.Now().After(deadline) {
			t.Fatal("not idle after the request was answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestIdleOnlyOnceQuiet: after a request, the server is idle only once it
// has answered nothing for a while; health probes do not count.
func TestIdleOnlyOnceQuiet(t *testing.T) {
	t.Parallel()
	s := startServer(t, smallConfig())
	s.gate.quiet.Store(int64(time.Hour))
	for range 3 {
		health(t, s)
	}
	if !s.gate.idle() {
		t.Fatal("health probes made the server busy")
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+s.Contract().Path()+okQuery, nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s.gate.idle() {
		t.Error("idle straight after a request, with an hour's quiet to wait")
	}
	s.gate.quiet.Store(0)
	deadline := time.Now().Add(5 * time.Second) // the handler returns just after the client has the answer
	for !s.gate.idle() {
		if time.Now().After(deadline) {
			t.Fatal("not idle with no quiet to wait")
		}
		time.Sleep(time.Millisecond)
	}
}
