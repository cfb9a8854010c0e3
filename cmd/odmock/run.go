package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/mock"
)

// usageError is a bad command line: exit status 2. A nil err means help was
// asked for and printed.
type usageError struct{ err error }

func (e usageError) Error() string {
	if e.err == nil {
		return "help requested"
	}
	return e.err.Error()
}

func (e usageError) Unwrap() error { return e.err }

// exitCode maps run's error to the process's exit status.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue) && ue.err == nil:
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

const usageText = `odmock serves a mock of OpenDialog's User Interactions API
(GET /public/api/user-interactions) on seeded, realistic conversation data.

Usage:
  odmock [flags]                 serve (the default)
  odmock healthcheck [--url URL] probe a running server's health; exit 0 or 1
  odmock lint [PATHS]            check scenario and fixture files; exit 1 on problems
  odmock fixtures export [-o F]  write the generated dataset as a fixture file
  odmock verify --base-url URL --token TOKEN [--from F --to T] [--format text|json|junit]
                                 check a provider (a real workspace, or odmock)
                                 against the contract; exit 0, or 1 if a check fails
  odmock coverage [--url URL] [--session ID] [--require LIST|all]
                                 what clients exercised; exit 1 if a required
                                 behaviour was not
  odmock record --base-url URL --token TOKEN --from F --to T -o DIR [--diff OLD_DIR]
                                 record a provider, pseudonymised, as a fixture;
                                 replay it through the engine; exit 1 if it differs
  odmock pseudonym --key-file K VALUE
                                 the pseudonym of one real value in a recording
  odmock lint --personal-data [--deny-list F] [PATHS]
                                 find personal data in fixture files; exit 1 if any
  odmock version                 print the version

Every flag has an environment twin: --some-flag is ODMOCK_SOME_FLAG. Flags
win over the environment, the environment over the defaults. A repeatable
flag's variable takes a comma-separated list.

Flags:
`

// run is the whole program: main only adds the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "odmock", version)
			return nil
		case "healthcheck":
			return runHealthcheck(ctx, args[1:], stdout, stderr)
		case "lint":
			return runLint(ctx, args[1:], stdout, stderr)
		case "fixtures":
			return runFixtures(ctx, args[1:], stdout, stderr)
		case "verify":
			return runVerify(ctx, args[1:], stdout, stderr)
		case "coverage":
			return runCoverage(ctx, args[1:], stdout, stderr)
		case "record":
			return runRecord(ctx, args[1:], stdout, stderr)
		case "pseudonym":
			return runPseudonym(ctx, args[1:], stdout, stderr)
		case "serve":
			args = args[1:]
		}
	}
	return runServe(ctx, args, stdout, stderr)
}

// serveFlags are the flags of the server.
type serveFlags struct {
	cfg       mock.Config
	noWatch   bool
	window    string
	logLevel  string
	logFormat string
	tokens    stringList
	origins   originList
}

func newServeFlags(fs *flag.FlagSet) *serveFlags {
	f := &serveFlags{cfg: mock.DefaultConfig()}
	fs.StringVar(&f.cfg.Addr, "addr", f.cfg.Addr, "listen `address` (host:port; port 0 picks a free port)")
	fs.Var(&f.tokens, "token", "accepted API `token` (repeatable; default "+mock.DefaultToken+")")
	fs.Uint64Var(&f.cfg.Seed, "seed", f.cfg.Seed, "dataset `seed`: the same seed serves the same bytes")
	fs.IntVar(&f.cfg.Users, "users", f.cfg.Users, "`number` of generated users (the page's example user_12345 is one)")
	fs.StringVar(&f.window, "window", dataset.DefaultWindow().String(),
		"`span` of the conversations: START/END in UTC (2024-01-01/2024-01-31), or the days or weeks up to now (30d, 2w)")
	fs.StringVar(&f.cfg.ScenariosDir, "scenarios", "scenarios", "scenario `directory` (the shipped ones when there is none)")
	fs.StringVar(&f.cfg.FixturesDir, "fixtures-dir", "fixtures", "fixture `directory` scenarios name fixtures from (the shipped ones when there is none)")
	fs.StringVar(&f.cfg.Fixtures, "fixtures", "", "fixture `file or directory` to serve instead of the generated users")
	fs.BoolVar(&f.cfg.MergeFixtures, "merge", false, "serve --fixtures merged with the generated users (a fixture user replaces one with the same id)")
	fs.StringVar(&f.cfg.Scenario, "scenario", "", "`name` of the scenario in force from the start (see scenarios/)")
	fs.IntVar(&f.cfg.RateLimit, "rate-limit", 0, "throttle to `N` requests per minute per token, as the real API does at 60 (0: off)")
	fs.BoolVar(&f.noWatch, "no-watch", false, "do not reload scenario and fixture files when they change")
	fs.StringVar(&f.cfg.AdminToken, "admin-token", "", "`token` that /__odmock/ admin paths require as a Bearer token (default: none, open)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json")
	fs.Var(&f.origins, "cors-origins", "`origins` browser apps may call from, e.g. http://localhost:5173 (comma-separated or repeated; default: any)")
	fs.IntVar(&f.cfg.JournalSize, "journal-size", f.cfg.JournalSize, "`number` of requests the journal at "+mock.JournalPath+" keeps (0: none)")
	return f
}

// parseFlags parses args, then fills every flag not given from its
// ODMOCK_* environment variable.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, positional bool) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprint(stdout, usageText)
			fs.PrintDefaults()
			return usageError{}
		}
		return usageError{err}
	}
	if fs.NArg() > 0 && !positional {
		return usageError{fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := envName(f.Name)
		v, ok := os.LookupEnv(env)
		if given[f.Name] || !ok || err != nil {
			return
		}
		values := []string{v}
		if _, list := f.Value.(*stringList); list {
			values = strings.Split(v, ",")
		}
		for _, v := range values {
			if e := fs.Set(f.Name, strings.TrimSpace(v)); e != nil {
				err = usageError{fmt.Errorf("invalid value %q for %s: %v", v, env, e)}
				return
			}
		}
	})
	return err
}

// envName is a flag's environment twin: --log-level is ODMOCK_LOG_LEVEL.
func envName(flagName string) string {
	return "ODMOCK_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock", flag.ContinueOnError)
	f := newServeFlags(fs)
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	cfg := f.cfg
	if len(f.tokens) > 0 {
		cfg.Tokens = f.tokens
	}
	var err error
	if cfg.Window, err = dataset.ParseWindow(f.window, time.Now()); err != nil {
		return usageError{fmt.Errorf("--window: %w", err)}
	}
	if cfg.ScenariosDir == "scenarios" {
		cfg.ScenariosDir = defaultDir(cfg.ScenariosDir)
	}
	if cfg.FixturesDir == "fixtures" {
		cfg.FixturesDir = defaultDir(cfg.FixturesDir)
	}
	cfg.Watch = !f.noWatch
	cfg.CORSOrigins = f.origins
	if err := cfg.Validate(); err != nil {
		return configUsageError(err)
	}
	logs := newLogWriter(stderr, 100*time.Millisecond)
	defer logs.Close()
	if cfg.Logger, err = newLogger(logs, f.logLevel, f.logFormat); err != nil {
		return usageError{err}
	}

	started := time.Now()
	srv, err := mock.New(cfg)
	var ce *mock.ConfigError
	if errors.As(err, &ce) {
		return configUsageError(err)
	}
	if err != nil {
		return err
	}
	// Building the dataset leaves the generator's garbage behind, as much
	// again as the dataset: hand it back before serving rather than sit
	// on it.
	debug.FreeOSMemory()
	if err := srv.Start(); err != nil {
		return err
	}
	printBanner(stdout, srv, time.Since(started))

	<-ctx.Done()
	cfg.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// configFlag names the flag that sets a Config field.
func configFlag(field string) (string, bool) {
	flags := map[string]string{
		"Addr": "--addr", "Tokens": "--token", "Seed": "--seed", "Users": "--users", "Window": "--window",
		"ScenariosDir": "--scenarios", "FixturesDir": "--fixtures-dir", "Fixtures": "--fixtures",
		"MergeFixtures": "--merge", "Scenario": "--scenario", "RateLimit": "--rate-limit",
		"JournalSize": "--journal-size", "CORSOrigins": "--cors-origins", "AdminToken": "--admin-token",
	}
	name, ok := flags[field]
	return name, ok
}

// configUsageError words a *mock.ConfigError with the flag that set the
// field: a bad flag is a usage error (exit 2).
func configUsageError(err error) error {
	var ce *mock.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	name, ok := configFlag(ce.Field)
	if !ok {
		return usageError{err}
	}
	return usageError{errors.New(ce.Describe(name))}
}

// printBanner tells the user what is being served and how to try it.
func printBanner(w io.Writer, srv *mock.Server, took time.Duration) {
	cfg, data := srv.Config(), srv.Dataset()
	start := cfg.Window.Start.Format(time.DateTime)
	end := cfg.Window.End.Format(time.DateTime)
	// Written as the public page writes its examples: only spaces escaped.
	example := srv.URL() + srv.Contract().Path() + "?from=" + strings.ReplaceAll(start, " ", "%20") +
		"&to=" + strings.ReplaceAll(end, " ", "%20")
	fmt.Fprintf(w, "odmock %s serving %s (ready in %s)\n", version, srv.URL(), took.Round(time.Millisecond))
	fmt.Fprintf(w, "  token:   %s\n", cfg.Tokens[0])
	fmt.Fprintf(w, "  dataset: seed %d, %d users, %d user messages (+%d bot), %s to %s UTC\n",
		cfg.Seed, data.Users(), data.Messages(), data.BotMessages(), start, end)
	scen := "built-in"
	if cfg.ScenariosDir != "" {
		scen = cfg.ScenariosDir + "/"
		if cfg.Watch {
			scen += ", reloaded on change"
		}
	}
	active := cfg.Scenario
	if active == "" {
		active = "none"
	}
	fmt.Fprintf(w, "  scenarios: %s (%s); active: %s; per request: -H 'Prefer: scenario=NAME'\n", strings.Join(srv.Scenarios(), " "), scen, active)
	if cfg.RateLimit > 0 {
		fmt.Fprintf(w, "  rate limit: %d requests per minute per token\n", cfg.RateLimit)
	}
	if missing := attributesWithoutData(data); cfg.Fixtures != "" && data.Users() > 0 && len(missing) > 0 {
		fmt.Fprintf(w, "  no data: no user has %s: filters on them match no one\n", strings.Join(missing, ", "))
	}
	fmt.Fprintf(w, "  try:     curl -H 'Authorization: Bearer %s' '%s'\n", cfg.Tokens[0], example)
}

// attributesWithoutData are the filters no user has a value for, e.g. in
// a recording of a provider that does not return them.
func attributesWithoutData(data *dataset.Dataset) []string {
	var out []string
	for _, a := range data.Attributes() {
		if data.UsersWith(a) == 0 {
			out = append(out, a)
		}
	}
	return out
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// runHealthcheck probes a server's health endpoint: the container's
// HEALTHCHECK, since the image has no shell or curl.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", mock.DefaultConfig().Addr, "`address` of the server (0.0.0.0 means this host)")
	target := fs.String("url", "", "health `URL` (default: from --addr)")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this `duration`")
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	u := *target
	if u == "" {
		host, port, err := net.SplitHostPort(*addr)
		if err != nil {
			return usageError{fmt.Errorf("--addr %q: %w", *addr, err)}
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		u = "http://" + net.JoinHostPort(host, port) + mock.HealthPath
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return usageError{fmt.Errorf("--url %q: %w", u, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s", u, resp.Status)
	}
	fmt.Fprintln(stdout, "healthy:", u)
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}

// originList is a list of CORS origins, comma-separated or repeated.
type originList []string

func (l *originList) String() string { return strings.Join(*l, ",") }

func (l *originList) Set(v string) error {
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSpace(o)
		if err := mock.CheckOrigin(o); err != nil {
			return err
		}
		*l = append(*l, o)
	}
	return nil
}
