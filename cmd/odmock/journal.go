package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
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
	format := fs.String("format", "json", "output `format`: json (the server's answer), har (HAR 1.2, importable into browser devtools) or markdown (a table, for a CI job's summary)")
	har := fs.Bool("har", false, "short for --format har")
	failed := fs.Bool("failed", false, "only the requests answered with an error (4xx, 5xx) or not at all; not with har")
	out := fs.String("o", "", "write to this `file` instead of standard output")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this `duration`")
	adminToken := adminTokenFlag(fs)
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	*adminToken = orServerAdminToken(*adminToken)
	switch {
	case *timeout <= 0:
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	case *limit < 0:
		return usageError{fmt.Errorf("--limit %d: must not be negative", *limit)}
	}
	if *har {
		*format = "har"
	}
	switch {
	case !slices.Contains([]string{"json", "har", "markdown"}, *format):
		return usageError{fmt.Errorf("--format %q: want json, har or markdown", *format)}
	case *failed && *format == "har":
		return usageError{errors.New("--failed: not with HAR, which keeps every request")}
	}
	u, err := adminURL(*base, mock.JournalPath)
	if err != nil {
		return usageError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	body, err := readJournal(ctx, u, journalQuery{session: *session, limit: *limit, har: *format == "har", adminToken: *adminToken})
	if err != nil {
		return fmt.Errorf("read journal: %w", err)
	}
	if *failed || *format == "markdown" {
		if body, err = journalView(body, *failed, *format == "markdown", *session); err != nil {
			return fmt.Errorf("read journal: %s: %w", u, err)
		}
	}
	body = append(bytes.TrimRight(body, "\n"), '\n')
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
	// adminToken is the server's --admin-token, "" without one.
	adminToken string
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
	return getJSON(ctx, page.String(), q.adminToken)
}

// journalEntries is the journal's JSON answer, as odmock commands read it.
type journalEntries struct {
	Size    int                 `json:"size"`
	Total   uint64              `json:"total"`
	Entries []mock.JournalEntry `json:"entries"`
}

// journalView keeps only the failed entries of a journal's JSON answer
// and, for markdown, writes them as a table.
func journalView(body []byte, failedOnly, markdown bool, session string) ([]byte, error) {
	var j journalEntries
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, err
	}
	if failedOnly {
		j.Entries = slices.DeleteFunc(j.Entries, func(e mock.JournalEntry) bool { return e.Status > 0 && e.Status < 400 })
		if j.Entries == nil {
			j.Entries = []mock.JournalEntry{}
		}
	}
	if !markdown {
		return json.Marshal(j)
	}
	var b strings.Builder
	what := "requests"
	if failedOnly {
		what = "requests answered with an error"
	}
	if session != "" {
		what += " of session `" + session + "`"
	}
	fmt.Fprintf(&b, "### odmock journal: %s (%d)\n\n", what, len(j.Entries))
	if len(j.Entries) == 0 {
		b.WriteString("None.\n")
		return []byte(b.String()), nil
	}
	b.WriteString("| # | request | session | status | outcome | errors |\n| ---: | --- | --- | ---: | --- | --- |\n")
	cell := strings.NewReplacer("|", "\\|", "\n", " ", "`", "'")
	for _, e := range j.Entries {
		target := e.Path
		if e.Query != "" {
			target += "?" + e.Query
		}
		var errs []string
		for _, fe := range e.Errors {
			errs = append(errs, fe.Field+": "+strings.Join(fe.Messages, " "))
		}
		status := strconv.Itoa(e.Status)
		if e.Status == 0 {
			status = "no answer"
		}
		fmt.Fprintf(&b, "| %d | `%s %s` | %s | %s | %s | %s |\n", e.ID, e.Method, cell.Replace(target),
			cell.Replace(e.Session), status, e.Outcome, cell.Replace(strings.Join(errs, "; ")))
	}
	return []byte(b.String()), nil
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
