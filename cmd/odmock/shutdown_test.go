package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMUnderLoad: SIGTERM while clients keep the server busy. Every
// request the server accepted is answered in full (the server's request
// log and the clients' complete answers agree, one for one), every other
// request is refused at connect, and the process exits with status 0.
func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "odmock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// 2000 users: a whole-window answer of about 1.7 MB, so answers are
	// in flight when the signal comes.
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--users", "2000", "--log-format", "json")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("no banner")
	}
	m := urlRE.FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("no URL in the banner %q", sc.Text())
	}
	base := m[1] + m[2]
	go io.Copy(io.Discard, stdout)

	// The server's request log: one JSON line per answered request.
	var logged atomic.Int64
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Path string `json:"path"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" && line.Path == "/public/api/user-interactions" {
				logged.Add(1)
			}
		}
	}()

	const clients = 16
	targets := []string{
		"/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59",
		"/public/api/user-interactions?from=2024-01-10%2000:00:00&to=2024-01-12%2023:59:59&browser=chrome",
		"/public/api/user-interactions?from=2024-01-01%2000:00:00",
	}
	var complete, refused, closedIdle atomic.Int64
	var signalled atomic.Bool
	var mu sync.Mutex
	var failures []string
	fail := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 10 {
			failures = append(failures, s)
		}
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}, Timeout: 60 * time.Second}
			defer client.CloseIdleConnections()
			for i := 0; ; i++ {
				req, _ := http.NewRequest(http.MethodGet, base+targets[(c+i)%len(targets)], nil)
				req.Header.Set("Authorization", "Bearer odmock-dev-token")
				resp, err := client.Do(req)
				if errors.Is(err, syscall.ECONNREFUSED) {
					refused.Add(1)
					return // the server is gone: done
				}
				if err != nil && signalled.Load() && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) {
					// Shutdown closes idle keep-alive connections; a request
					// sent on one as it closes was never accepted (HTTP lets
					// a server close an idle connection; the log count
					// below proves nothing accepted was lost).
					closedIdle.Add(1)
					return
				}
				if err != nil {
					fail("request: " + err.Error())
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch {
				case err != nil:
					fail("partial answer: " + err.Error())
					return
				case int64(len(body)) != resp.ContentLength || !json.Valid(body):
					fail("answer of " + resp.Status + " is not whole JSON")
					return
				}
				complete.Add(1)
			}
		})
	}

	// Load first, then the signal: after some answers, not after a time.
	for deadline := time.Now().Add(60 * time.Second); complete.Load() < 100; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d answers in 60s before the signal", complete.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	signalled.Store(true)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() {
		<-logDone // Wait closes the pipes: read them to the end first
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM under load: %v, want exit status 0", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("odmock still running 30s after SIGTERM")
	}
	wg.Wait()

	for _, f := range failures {
		t.Errorf("client: %s", f)
	}
	if got, want := complete.Load(), logged.Load(); got != want {
		t.Errorf("clients got %d whole answers, the server logged %d answered requests: want them equal", got, want)
	}
	if got := refused.Load() + closedIdle.Load(); got != clients {
		t.Errorf("%d clients ended refused at connect or on an idle connection closed at shutdown, want all %d", got, clients)
	}
	t.Logf("%d whole answers, %d refused after the signal, %d on idle connections closed by the shutdown",
		complete.Load(), refused.Load(), closedIdle.Load())
}
