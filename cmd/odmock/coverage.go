package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/mock"
)

// runCoverage reads a running odmock's consumer coverage; with --require,
// it fails when a required behaviour was never exercised, and with
// --forbid-risks when a request took a forbidden risk.
func runCoverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock coverage", flag.ContinueOnError)
	base := fs.String("url", "http://"+mock.DefaultConfig().Addr, "base `URL` of the running odmock")
	session := fs.String("session", "", "only this session's coverage (its X-Odmock-Session)")
	require := fs.String("require", "", "comma-separated `behaviours` that must have been exercised, or all")
	forbid := fs.String("forbid-risks", "", "comma-separated `risks` no request may have taken ("+strings.Join(mock.Risks(), ", ")+"), or all")
	format := fs.String("format", "text", "output `format`: text, json, junit (JUnit XML, one testcase per behaviour and per risk) or markdown (a table, for a CI job's summary)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this `duration`")
	adminToken := adminTokenFlag(fs)
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	*adminToken = orServerAdminToken(*adminToken)
	if *timeout <= 0 {
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	}
	if !slices.Contains([]string{"text", "json", "junit", "markdown"}, *format) {
		return usageError{fmt.Errorf("--format %q: want text, json, junit or markdown", *format)}
	}
	// The base URL, as for healthcheck; a coverage or health URL works too.
	u, err := adminURL(*base, mock.CoveragePath)
	if err != nil {
		return usageError{err}
	}
	oneSession := false
	fs.Visit(func(f *flag.Flag) { oneSession = oneSession || f.Name == "session" })
	if oneSession {
		u.RawQuery = url.Values{"session": {*session}}.Encode()
	}

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	body, err := getJSON(ctx, u.String(), *adminToken)
	if err != nil {
		return fmt.Errorf("read coverage: %w", err)
	}
	var cov mock.CoverageCounts
	if err := json.Unmarshal(body, &cov); err != nil {
		return fmt.Errorf("read coverage: %s: %w", u, err)
	}
	// No request at all is never a pass: a client that sent its
	// requests elsewhere, or under another session, exercised nothing.
	var nothing error
	if cov.Requests == 0 {
		nothing = errors.New("no requests to the API were seen")
		if oneSession {
			u.RawQuery = ""
			var all mock.Coverage
			if b, err := getJSON(ctx, u.String(), *adminToken); err == nil && json.Unmarshal(b, &all) == nil {
				nothing = fmt.Errorf("session %q made no requests (sessions seen: %s)", *session, sessionList(all.Sessions))
			}
		}
		fmt.Fprintln(stderr, "odmock coverage:", nothing)
	}

	order := behaviourOrder(cov.Behaviours)
	var required []string
	for _, b := range strings.Split(*require, ",") {
		switch b = strings.TrimSpace(b); {
		case b == "":
		case b == "all":
			required = append(required, order...)
		case !slices.Contains(order, b):
			return usageError{fmt.Errorf("--require: no behaviour %q; known: %s", b, strings.Join(order, ", "))}
		default:
			required = append(required, b)
		}
	}

	var forbidden []string
	for _, r := range strings.Split(*forbid, ",") {
		switch r = strings.TrimSpace(r); {
		case r == "":
		case r == "all":
			forbidden = append(forbidden, mock.Risks()...)
		case !slices.Contains(mock.Risks(), r):
			return usageError{fmt.Errorf("--forbid-risks: no risk %q; known: %s", r, strings.Join(mock.Risks(), ", "))}
		default:
			forbidden = append(forbidden, r)
		}
	}

	switch *format {
	case "json":
		if _, err := stdout.Write(append(body, '\n')); err != nil {
			return err
		}
	case "junit", "markdown":
		rep := coverageReport{base: *base, counts: cov, order: order, required: required, forbidden: forbidden}
		if oneSession {
			rep.session = *session
		}
		write := writeCoverageJUnit
		if *format == "markdown" {
			write = writeCoverageMarkdown
		}
		if err := write(stdout, rep); err != nil {
			return err
		}
	default:
		who := "all sessions"
		if oneSession {
			who = fmt.Sprintf("session %q", *session)
		}
		plural := "s"
		if cov.Requests == 1 {
			plural = ""
		}
		fmt.Fprintf(stdout, "odmock coverage %s (%s, %d request%s)\n", *base, who, cov.Requests, plural)
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, b := range order {
			note := ""
			if cov.Behaviours[b] == 0 {
				note = "never exercised"
			}
			if slices.Contains(required, b) {
				note = map[bool]string{true: "required", false: "REQUIRED, never exercised"}[cov.Behaviours[b] > 0]
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", b, cov.Behaviours[b], note)
		}
		tw.Flush()
		fmt.Fprintln(stdout, "risks taken (what the real API may do differently):")
		for _, r := range mock.Risks() {
			note := ""
			if cov.Risks[r] > 0 && slices.Contains(forbidden, r) {
				note = "FORBIDDEN"
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\n", r, cov.Risks[r], note)
		}
		tw.Flush()
	}
	if nothing != nil && len(required) > 0 {
		return nothing
	}
	var missing []string
	for _, b := range required {
		if cov.Behaviours[b] == 0 && !slices.Contains(missing, b) {
			missing = append(missing, b)
		}
	}
	var taken []string
	for _, r := range mock.Risks() {
		if cov.Risks[r] > 0 && slices.Contains(forbidden, r) {
			taken = append(taken, fmt.Sprintf("%s (%d)", r, cov.Risks[r]))
		}
	}
	switch {
	case len(missing) > 0 && len(taken) > 0:
		return fmt.Errorf("required behaviours never exercised: %s; forbidden risks taken: %s", strings.Join(missing, ", "), strings.Join(taken, ", "))
	case len(missing) > 0:
		return fmt.Errorf("required behaviours never exercised: %s", strings.Join(missing, ", "))
	case len(taken) > 0:
		return fmt.Errorf("forbidden risks taken: %s", strings.Join(taken, ", "))
	}
	return nil
}

// cliHeader marks the requests odmock's own commands send to a server.
const cliHeader = "X-Odmock-Client"

// adminTokenFlag registers --admin-token: the server's admin token, for a
// server started with one.
func adminTokenFlag(fs *flag.FlagSet) *string {
	return fs.String("admin-token", "", "`token` of a server started with --admin-token, sent as a Bearer token (default: $ODMOCK_ADMIN_TOKEN)")
}

// orServerAdminToken is the token given, or else the server's own
// variable, ODMOCK_ADMIN_TOKEN, as a CI job that started the server has
// it. (Not the flag's default: help would print the secret.)
func orServerAdminToken(token string) string {
	if token != "" {
		return token
	}
	return os.Getenv("ODMOCK_ADMIN_TOKEN")
}

// getJSON GETs a URL, with the admin token if any, and returns the body of
// its 200.
func getJSON(ctx context.Context, u, adminToken string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, usageError{fmt.Errorf("--url: %w", err)}
	}
	// A custom header, as a browser cannot send without asking first: the
	// CLI is never mistaken for a page on another origin.
	req.Header.Set(cliHeader, "odmock")
	if adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %.200s", u, resp.Status, body)
	}
	return body, nil
}

// sessionList names the sessions, or says there are none.
func sessionList(sessions map[string]mock.CoverageCounts) string {
	if len(sessions) == 0 {
		return "none"
	}
	names := make([]string, 0, len(sessions))
	for id, sc := range sessions {
		names = append(names, fmt.Sprintf("%q (%d)", id, sc.Requests))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// behaviourOrder lists the server's behaviours in the contract's order,
// and any this build does not know after them.
func behaviourOrder(counts map[string]int) []string {
	var order []string
	if c, err := contract.Default(context.Background()); err == nil {
		for _, b := range mock.Behaviours(c) {
			if _, ok := counts[b]; ok {
				order = append(order, b)
			}
		}
	}
	var rest []string
	for b := range counts {
		if !slices.Contains(order, b) {
			rest = append(rest, b)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}
