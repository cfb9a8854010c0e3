package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/record"
	"github.com/odmock/odmock/verify"
)

// keyEnv holds a pseudonym key itself, for CI secrets; the flags'
// ODMOCK_PSEUDONYM_KEY_FILE names a file instead.
const keyEnv = "ODMOCK_PSEUDONYM_KEY"

// runRecord records a provider into a directory, pseudonymised, and
// replays it through the engine: exit 0, 1 when the self-check fails or
// the provider drifted, 2 on a bad command line.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock record", flag.ContinueOnError)
	baseURL := fs.String("base-url", "", "the provider's base `URL`, e.g. https://your-workspace.cloud.opendialog.ai (required)")
	token := fs.String("token", "", "an API `token` the provider accepts (required)")
	from := fs.String("from", "", "start of the window, UTC: `date` (2024-01-01), Y-m-d H:i:s or RFC 3339 (required)")
	to := fs.String("to", "", "end of the window, inclusive; a date alone is the end of that day (required)")
	var dir string
	fs.StringVar(&dir, "o", "", "recording `directory` (required)")
	fs.StringVar(&dir, "out", "", "same as -o")
	chunk := fs.Duration("chunk", record.DefaultChunk, "span one request asks for; halved while answers are large")
	maxAnswer := fs.Int("max-answer-bytes", record.DefaultMaxAnswerBytes, "an answer larger than this halves the chunks that follow")
	rate := fs.Float64("rate", verify.DefaultRate, "most `requests` a second (the real API allows 60 a minute)")
	maxRequests := fs.Int("max-requests", record.DefaultMaxRequests, "most requests a run sends, 429 retries included; run again to continue")
	timeout := fs.Duration("timeout", 30*time.Second, "give up on one request after this `duration` (then ask for half the chunk)")
	keyFile := fs.String("pseudonym-key-file", "", "pseudonym key `file` (default: "+keyEnv+", else DIR.pseudonym-key, written if missing)")
	keep := fs.Bool("keep-personal-data", false, "record the provider's values as they are: NOT pseudonymised")
	probe := fs.Bool("probe-attributes", false, "after recording, learn the attributes answers do not carry (country, browser, ...) by filtered requests, within --max-requests")
	format := fs.String("format", "text", "self-check report `format`: text, json or junit")
	diff := fs.String("diff", "", "compare with the recording in this `directory` (alone: compare -o DIR with it, recording nothing)")
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	write := map[string]func(*record.SelfCheck, io.Writer) error{
		"text": (*record.SelfCheck).WriteText, "json": (*record.SelfCheck).WriteJSON, "junit": (*record.SelfCheck).WriteJUnit,
	}[*format]
	switch {
	case write == nil:
		return usageError{fmt.Errorf("--format %q: want text, json or junit", *format)}
	case dir == "":
		return usageError{errors.New("-o is required: the directory to write the recording to")}
	case *diff != "" && *baseURL == "":
		return writeDiff(ctx, stdout, *diff, dir)
	case *rate <= 0:
		return usageError{fmt.Errorf("--rate %v: must be positive", *rate)}
	case *maxRequests <= 0:
		return usageError{fmt.Errorf("--max-requests %d: must be positive", *maxRequests)}
	case *timeout <= 0:
		return usageError{fmt.Errorf("--timeout %s: must be positive", *timeout)}
	case *maxAnswer <= 0:
		return usageError{fmt.Errorf("--max-answer-bytes %d: must be positive", *maxAnswer)}
	case *from == "" || *to == "":
		return usageError{errors.New("--from and --to are required: the window to record")}
	case *keep && *keyFile != "":
		return usageError{errors.New("--keep-personal-data and --pseudonym-key-file contradict each other: choose one")}
	}
	w, err := dataset.ParseWindow(*from+"/"+*to, time.Now())
	if err != nil {
		return usageError{fmt.Errorf("--from/--to: %w", err)}
	}
	opts := record.Options{BaseURL: *baseURL, Token: *token, From: w.Start, To: w.End, Dir: dir,
		KeepPersonalData: *keep, ProbeAttributes: *probe, Chunk: *chunk, MaxAnswerBytes: *maxAnswer, Rate: *rate, MaxRequests: *maxRequests,
		Client: &http.Client{Timeout: *timeout}, Progress: stderr, Terminal: isTerminal(stderr), Version: version}
	if *keep {
		fmt.Fprintln(stderr, "odmock record: WARNING: --keep-personal-data: the recording holds the provider's personal data as it is; do not commit it")
	} else if opts.Key, err = recordKey(*keyFile, dir, stderr); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return recordUsageError(err)
	}
	fmt.Fprintf(stderr, "odmock record: %s, %s to %s UTC, into %s, at most %d requests at %g a second\n",
		redactedURL(*baseURL), w.Start.Format(time.DateTime), w.End.Format(time.DateTime), dir, *maxRequests, *rate)
	res, err := record.Record(ctx, opts)
	if res != nil {
		for _, d := range res.Drift {
			fmt.Fprintln(stderr, "drift:", d)
		}
	}
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(stderr, "odmock record: %d exchanges, %d users, %d interactions (%d requests, %d retried after 429)\n",
		m.Counts.Exchanges, m.Counts.Users, m.Counts.Interactions, res.Requests, res.Retries)
	if len(m.FiltersWithoutData) > 0 {
		hint := ""
		if !*probe {
			hint = " (--probe-attributes learns them by filtered requests)"
		}
		fmt.Fprintf(stderr, "odmock record: no recorded user has %s: filters on them match no one on replay%s\n", strings.Join(m.FiltersWithoutData, ", "), hint)
	}
	if err := write(res.SelfCheck, stdout); err != nil {
		return fmt.Errorf("write self-check: %w", err)
	}
	if *diff != "" {
		if err := writeDiff(ctx, stdout, *diff, dir); err != nil {
			return err
		}
	}
	switch {
	case !res.SelfCheck.Passed():
		return fmt.Errorf("self-check: %d of %d exchanges replay differently: the recording and odmock disagree", len(res.SelfCheck.Mismatches), res.SelfCheck.Exchanges)
	case len(res.Drift) > 0:
		return fmt.Errorf("recorded, but the provider's answers break openapi.yaml in %d places (see drift above)", len(res.Drift))
	}
	return nil
}

func writeDiff(ctx context.Context, stdout io.Writer, oldDir, newDir string) error {
	d, err := record.DiffDirs(ctx, oldDir, newDir)
	if err != nil {
		return err
	}
	return d.WriteText(stdout)
}

// recordKey finds the pseudonym key: the flag's file, the environment,
// or the file beside the recording, written with a new key if missing.
func recordKey(keyFile, dir string, stderr io.Writer) (record.Key, error) {
	if keyFile != "" {
		return record.ReadKeyFile(keyFile)
	}
	if v, ok := os.LookupEnv(keyEnv); ok {
		k, err := record.ParseKey(v)
		if err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", keyEnv, err)}
		}
		return k, nil
	}
	beside := filepath.Clean(dir) + ".pseudonym-key"
	if _, err := os.Stat(beside); err == nil {
		return record.ReadKeyFile(beside)
	}
	k, err := record.NewKey()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(beside, []byte(k.Text()), 0o600); err != nil {
		return nil, fmt.Errorf("write pseudonym key: %w", err)
	}
	fmt.Fprintf(stderr, "odmock record: no pseudonym key given: wrote a new one to %s; keep it secret and out of version control, and give it (--pseudonym-key-file) to re-record with the same pseudonyms\n", beside)
	return k, nil
}

// recordUsageError words a *record.OptionError with its flag.
func recordUsageError(err error) error {
	var oe *record.OptionError
	if !errors.As(err, &oe) {
		return err
	}
	flags := map[string]string{"BaseURL": "--base-url", "Token": "--token", "From": "--from", "To": "--to",
		"Dir": "-o", "Key": "--pseudonym-key-file", "Chunk": "--chunk", "Rate": "--rate",
		"MaxRequests": "--max-requests", "MaxAnswerBytes": "--max-answer-bytes"}
	if name, ok := flags[oe.Field]; ok {
		return usageError{fmt.Errorf("%s %s", name, oe.Problem)}
	}
	return usageError{err}
}

// isTerminal reports whether w is a terminal: the progress bar is drawn
// in place there, and written as plain lines elsewhere.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func redactedURL(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 && at < strings.IndexByte(rest+"/", '/') {
			rest = rest[at+1:]
		}
		s = scheme + "://" + rest
	}
	return s
}

// runPseudonym prints the pseudonym of one real value, so a customer's
// problem can be found in a recording.
func runPseudonym(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock pseudonym", flag.ContinueOnError)
	var keyFile string
	fs.StringVar(&keyFile, "key-file", "", "pseudonym key `file` the recording was made with (default: "+keyEnv+")")
	fs.StringVar(&keyFile, "pseudonym-key-file", "", "same as --key-file")
	kind := fs.String("kind", "auto", "what the value is: auto, user_id, email, name, ip, uuid, phone or text")
	if err := parseFlags(fs, args, stdout, true); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{errors.New("usage: odmock pseudonym --key-file K VALUE (one value; quote it)")}
	}
	var key record.Key
	var err error
	switch v, ok := os.LookupEnv(keyEnv); {
	case keyFile != "":
		key, err = record.ReadKeyFile(keyFile)
	case ok:
		if key, err = record.ParseKey(v); err != nil {
			err = usageError{fmt.Errorf("%s: %w", keyEnv, err)}
		}
	default:
		err = usageError{errors.New("--key-file is required (or " + keyEnv + "): the key the recording was made with")}
	}
	if err != nil {
		return err
	}
	p := record.NewPseudonymiser(key)
	value := fs.Arg(0)
	kinds := map[string]func(string) string{
		"user_id": p.UserID, "email": p.Email, "name": p.Name, "ip": p.IP, "uuid": p.UUID, "phone": p.Phone,
		"text": p.FreeText,
	}
	if *kind != "auto" {
		f := kinds[*kind]
		if f == nil {
			return usageError{fmt.Errorf("--kind %q: want auto, user_id, email, name, ip, uuid, phone or text", *kind)}
		}
		fmt.Fprintln(stdout, f(value))
		return nil
	}
	for _, k := range record.Kinds(value) {
		fmt.Fprintf(stdout, "%-8s %s\n", k, kinds[k](value))
	}
	return nil
}
