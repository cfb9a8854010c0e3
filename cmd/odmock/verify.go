package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/verify"
)

// runVerify checks a provider against the contract: exit 0 when every
// check passes, 1 when one fails, 2 on a bad command line.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock verify", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "the provider's base `URL`, e.g. https://your-workspace.cloud.opendialog.ai (required)")
	token := fs.String("token", "", "an API `token` the provider accepts (required)")
	from := fs.String("from", "", "start of a window where the provider has data: `date` (2024-01-01), Y-m-d H:i:s or RFC 3339, UTC (default: probe)")
	to := fs.String("to", "", "end of that window, inclusive; a date alone is the end of that day")
	rate := fs.Float64("rate", verify.DefaultRate, "most `requests` a second (the real API allows 60 a minute)")
	maxRequests := fs.Int("max-requests", verify.DefaultMaxRequests, "most requests a run sends, 429 retries included")
	format := fs.String("format", "text", "report `format`: text, json or junit")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on one request after this `duration`")
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	opts := verify.Options{BaseURL: *baseURL, Token: *token, Rate: *rate, MaxRequests: *maxRequests,
		Client: &http.Client{Timeout: *timeout}}
	// What a flag's own zero means differs from the option's (--rate 0 is
	// not "the default"): these are the command line's rules.
	switch {
	case (*from == "") != (*to == ""):
		return usageError{errors.New("--from and --to go together: give both, or neither to probe for data")}
	case *rate <= 0:
		return usageError{fmt.Errorf("--rate %v: must be positive", *rate)}
	case *maxRequests <= 0:
		return usageError{fmt.Errorf("--max-requests %d: must be positive", *maxRequests)}
	case *timeout <= 0:
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	}
	if err := opts.Validate(); err != nil {
		return verifyUsageError(err)
	}
	write := map[string]func(*verify.Report, io.Writer) error{
		"text":  (*verify.Report).WriteText,
		"json":  (*verify.Report).WriteJSON,
		"junit": (*verify.Report).WriteJUnit,
	}[*format]
	if write == nil {
		return usageError{fmt.Errorf("--format %q: want text, json or junit", *format)}
	}
	if *from != "" {
		w, err := dataset.ParseWindow(*from+"/"+*to, time.Now())
		if err != nil {
			return usageError{fmt.Errorf("--from/--to: %w", err)}
		}
		opts.From, opts.To = w.Start, w.End
	}

	window := "probing for data"
	if !opts.From.IsZero() {
		window = opts.From.Format(time.DateTime) + " to " + opts.To.Format(time.DateTime) + " UTC"
	}
	shown, _ := url.Parse(*baseURL) // parsed above
	fmt.Fprintf(stderr, "odmock verify: %s, %s, at most %d requests at %g a second\n", shown.Redacted(), window, *maxRequests, *rate)
	rep, err := verify.Run(ctx, opts)
	if err != nil {
		return err
	}
	if err := write(rep, stdout); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if n := rep.Count(verify.CheckFail); n > 0 {
		return fmt.Errorf("%d of %d checks failed (%d requests)", n, len(rep.Checks), rep.Requests)
	}
	return nil
}

// verifyUsageError words a *verify.OptionError with its flag: a bad flag is
// a usage error (exit 2).
func verifyUsageError(err error) error {
	var oe *verify.OptionError
	if !errors.As(err, &oe) {
		return usageError{err}
	}
	flags := map[string]string{"BaseURL": "--base-url", "Token": "--token", "From": "--from", "To": "--to",
		"Rate": "--rate", "MaxRequests": "--max-requests"}
	name, ok := flags[oe.Field]
	if !ok {
		return usageError{err}
	}
	return usageError{errors.New(oe.Describe(name))}
}
