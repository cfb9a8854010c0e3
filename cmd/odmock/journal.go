package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/odmock/odmock/mock"
)

// runJournal prints a running odmock's request journal, as the server's
// JSON or as HAR 1.2 for browser devtools and proxies.
func runJournal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock journal", flag.ContinueOnError)
	base := fs.String("url", "http://"+mock.DefaultConfig().Addr, "base `URL` of the running odmock")
	session := fs.String("session", "", "only this session's requests (its X-Odmock-Session)")
	limit := fs.Int("limit", 0, "only the newest `N` requests (0: all the journal keeps)")
	har := fs.Bool("har", false, "write HAR 1.2 (importable into browser devtools) instead of the journal's JSON")
	out := fs.String("o", "", "write to this `file` instead of standard output")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this `duration`")
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	switch {
	case *timeout <= 0:
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	case *limit < 0:
		return usageError{fmt.Errorf("--limit %d: must not be negative", *limit)}
	}
	u, err := adminURL(*base, mock.JournalPath)
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	body, err := readJournal(ctx, u, journalQuery{session: *session, limit: *limit, har: *har})
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	body = append(body, '\n')
	if *out == "" {
		_, err := stdout.Write(body)
		return err
	}
	if err := os.WriteFile(*out, body, 0o644); err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	return nil
}

// journalQuery selects what readJournal reads.
type journalQuery struct {
	session string // "" for every session
	limit   int    // 0 for all
	har     bool
}

// readJournal reads a server's journal at u (its JournalPath). Every
// reader of the journal goes through here, so that an answer in pages
// is put together in one place.
func readJournal(ctx context.Context, u *url.URL, q journalQuery) ([]byte, error) {
	v := url.Values{}
	if q.session != "" {
		v.Set("session", q.session)
	}
	if q.limit > 0 {
		v.Set("limit", strconv.Itoa(q.limit))
	}
	if q.har {
		v.Set("format", "har")
	}
	page := *u
	page.RawQuery = v.Encode()
	return getJSON(ctx, page.String())
}

// adminURL is the URL of one of odmock's own paths, from the server's base
// URL; the path itself (or another of odmock's) is taken as the base too.
func adminURL(base, path string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSuffix(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want the server's base URL, http:// or https:// and a host", base)
	}
	if i := strings.Index(u.Path, "/__odmock"); i >= 0 {
		u.Path = u.Path[:i]
	}
	u.Path += path
	u.RawQuery = ""
	return u, nil
}
