package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/odmock/odmock/mock"
)

// addrFile is what --addr-file holds while the server runs: where it
// listens and which instance it is, for odmock healthcheck --addr-file.
type addrFile struct {
	URL      string `json:"url"`
	Instance string `json:"instance"`
}

// writeAddrFile writes the server's address file whole (a reader never
// sees half of it).
func writeAddrFile(path string, srv *mock.Server) error {
	data, err := json.Marshal(addrFile{URL: srv.URL(), Instance: srv.Config().Instance})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".odmock-addr-*")
	if err != nil {
		return fmt.Errorf("--addr-file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("--addr-file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--addr-file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--addr-file: %w", err)
	}
	return nil
}

// healthTarget is what a health check probes and what it must find.
type healthTarget struct {
	url      string // the health URL
	instance string // the instance that must answer; "" for any odmock
}

// runHealthcheck probes a running odmock's health: the container's
// HEALTHCHECK (the image has no shell or curl), and CI's wait for the
// server. It passes only when odmock answers, and the right one when an
// instance is known: another server holding the port does not pass.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", mock.DefaultConfig().Addr, "`address` the server listens on (0.0.0.0 means this host)")
	base := fs.String("url", "", "base `URL` of the server, as for odmock coverage (default: from --addr)")
	file := fs.String("addr-file", "", "the server's --addr-file: probe the URL and instance it holds, waiting for it with --wait")
	instance := fs.String("instance", "", "the server's --instance `name`: any other server fails the check")
	timeout := fs.Duration("timeout", 2*time.Second, "give up on one probe after this `duration`")
	wait := fs.Duration("wait", 0, "keep probing until healthy for up to this `duration` (0: probe once)")
	// --addr, --addr-file and --instance are the server's own settings:
	// they read the server's variables, so that in a container the check
	// finds the server however its address was given.
	if err := parseFlags(fs, args, stdout, false, "addr", "addr-file", "instance"); err != nil {
		return err
	}
	switch {
	case *timeout <= 0:
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	case *wait < 0:
		return usageError{fmt.Errorf("--wait %s: must not be negative", *wait)}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// The most precise source wins: a URL given, the server's own
	// address file, then its address.
	var fixed *healthTarget
	switch {
	case *base != "":
		u, err := healthURL(*base)
		if err != nil {
			return usageError{err}
		}
		fixed = &healthTarget{url: u, instance: *instance}
	case *file == "" || given["addr"] && !given["addr-file"]:
		host, port, err := net.SplitHostPort(*addr)
		if err != nil {
			return usageError{fmt.Errorf("--addr %q: want host:port, e.g. 127.0.0.1:8080", *addr)}
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		fixed = &healthTarget{url: "http://" + net.JoinHostPort(host, port) + mock.HealthPath, instance: *instance}
	}

	deadline := time.Now().Add(*wait)
	for {
		t, err := fixed, error(nil)
		if t == nil {
			t, err = readAddrFile(*file, *instance)
		}
		var h mock.Health
		if err == nil {
			h, err = probeHealth(ctx, t, *timeout)
		}
		if err == nil && h.Status == "degraded" {
			// Serving, from its own state: a probe must not restart it.
			fmt.Fprintf(stdout, "healthy, degraded: %s (odmock instance %s): %s\n", t.url, h.Instance, h.Reason)
			return nil
		}
		if err == nil {
			fmt.Fprintf(stdout, "healthy: %s (odmock instance %s, seed %d, %d users)\n", t.url, h.Instance, h.Seed, h.Users)
			return nil
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			if *wait > 0 {
				return fmt.Errorf("unhealthy after %s: %w", *wait, err)
			}
			return fmt.Errorf("unhealthy: %w", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(min(200*time.Millisecond, time.Until(deadline))):
		}
	}
}

// healthURL is the health URL of a server's base URL (a health URL is
// taken as it is).
func healthURL(base string) (string, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url %q: want the server's base URL, http:// or https:// and a host", base)
	}
	if !strings.HasSuffix(u.Path, mock.HealthPath) {
		u.Path += mock.HealthPath
	}
	return u.String(), nil
}

// readAddrFile reads a server's address file.
func readAddrFile(path, instance string) (*healthTarget, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s does not exist: the server has not started listening", path)
	}
	if err != nil {
		return nil, err
	}
	var af addrFile
	if err := json.Unmarshal(data, &af); err != nil || af.URL == "" {
		return nil, fmt.Errorf("%s: not an odmock address file", path)
	}
	u, err := healthURL(af.URL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if instance == "" {
		instance = af.Instance
	}
	return &healthTarget{url: u, instance: instance}, nil
}

// probeHealth asks once, and checks that odmock answered, and the right one.
func probeHealth(ctx context.Context, t *healthTarget, timeout time.Duration) (mock.Health, error) {
	var h mock.Health
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url, nil)
	if err != nil {
		return h, usageError{fmt.Errorf("--url %q: %w", t.url, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return h, fmt.Errorf("%s: %w", t.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("%s answered %s", t.url, resp.Status)
	}
	if json.Unmarshal(body, &h) != nil || h.Service != "odmock" || h.Status != "ok" && h.Status != "degraded" {
		return h, fmt.Errorf("%s answered, but not as odmock does: another server holds the port? (%.100s)", t.url, body)
	}
	if t.instance != "" && h.Instance != t.instance {
		return h, fmt.Errorf("%s is odmock instance %q, want %q: another odmock holds the port", t.url, h.Instance, t.instance)
	}
	return h, nil
}
