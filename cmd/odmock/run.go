package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

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
  odmock healthcheck [--addr A | --url URL | --addr-file F] [--wait D] [--instance N]
                                 probe a running odmock's health; exit 0 or 1
  odmock lint [PATHS]            check scenario and fixture files; exit 1 on problems
  odmock fixtures export [-o F]  write the generated dataset as a fixture file
  odmock verify --base-url URL --token TOKEN [--from F --to T] [--format text|json|junit]
                                 check a provider (a real workspace, or odmock)
                                 against the contract; exit 0, or 1 if a check fails
  odmock coverage [--url URL] [--session ID] [--require LIST|all] [--format text|json|junit|markdown]
                                 what clients exercised; exit 1 if a required
                                 behaviour was not
  odmock data stats [--seed N] [--users N | --messages N] [--format text|json]
                                 the generated dataset's distributions
  odmock record --base-url URL --token TOKEN --from F --to T -o DIR [--diff OLD_DIR]
                                 record a provider, pseudonymised, as a fixture;
                                 replay it through the engine; exit 1 if it differs
  odmock pseudonym --key-file K VALUE
                                 the pseudonym of one real value in a recording
  odmock lint --personal-data [--deny-list F] [PATHS]
                                 find personal data in fixture files; exit 1 if any
  odmock journal [--url URL] [--session ID] [--har | --format json|har|markdown] [-o FILE]
                                 the requests a running odmock received, as
                                 JSON, HAR 1.2 (for browser devtools) or Markdown
  odmock version                 print the version
  odmock help [COMMAND]          this text, or a command's flags

Every flag has an environment twin: --some-flag is ODMOCK_SOME_FLAG. A
subcommand's own flags have their own: --format of verify is
ODMOCK_VERIFY_FORMAT, so that one command's variable never changes another.
Flags win over the environment, the environment over the defaults. A
repeatable flag's variable takes a comma-separated list.

Flags:
`

// run is the whole program: main only adds the process around it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "version":
			fmt.Fprintln(stdout, "odmock", version)
			return nil
		case "help":
			if len(args) > 1 && args[1] != "serve" {
				return run(ctx, []string{args[1], "--help"}, stdout, stderr)
			}
			return run(ctx, []string{"--help"}, stdout, stderr)
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
		case "data":
			return runData(ctx, args[1:], stdout, stderr)
		case "record":
			return runRecord(ctx, args[1:], stdout, stderr)
		case "pseudonym":
			return runPseudonym(ctx, args[1:], stdout, stderr)
		case "journal":
			return runJournal(ctx, args[1:], stdout, stderr)
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
	messages  string
	usersSet  bool // --users given (or its variable): --messages may not be
	cache     string
	logLevel  string
	logFormat string
	tokens    stringList
	origins   originList
	addrFile  string
	expose    stringList
}

func newServeFlags(fs *flag.FlagSet) *serveFlags {
	f := &serveFlags{cfg: mock.DefaultConfig()}
	fs.StringVar(&f.cfg.Addr, "addr", f.cfg.Addr, "listen `address` (host:port; port 0 picks a free port)")
	fs.Var(&f.tokens, "token", "accepted API `token` (repeatable; default "+mock.DefaultToken+")")
	fs.Uint64Var(&f.cfg.Seed, "seed", f.cfg.Seed, "dataset `seed`: the same seed serves the same bytes")
	fs.IntVar(&f.cfg.Users, "users", f.cfg.Users, "`number` of generated users (the page's example user_12345 is one)")
	fs.StringVar(&f.messages, "messages", "", "size the generated users by their `messages` instead of --users: about this many user messages (15M, 100M) or a rate per day over the window (40k/d)")
	fs.StringVar(&f.cache, "cache-size", "64MiB", "`bytes` of encoded conversations the generated dataset keeps for the next query (0: none)")
	fs.BoolVar(&f.cfg.NoPresize, "no-presize", false, "do not learn, when no request has been answered for 50 ms, the encoded size of each generated conversation (a large answer's Content-Length then makes its conversations twice)")
	fs.StringVar(&f.window, "window", dataset.DefaultWindow().String(),
		"`span` of the conversations: START/END in UTC (2024-01-01/2024-01-31), or the days or weeks up to now (30d, 2w)")
	fs.StringVar(&f.cfg.ScenariosDir, "scenarios", defaultScenariosDir, "`directory` of your own scenarios, added to the built-in ones (the default is used only if it exists)")
	fs.StringVar(&f.cfg.FixturesDir, "fixtures-dir", defaultFixturesDir, "`directory` of your own fixtures scenarios can name, added to the built-in ones (the default is used only if it exists)")
	fs.StringVar(&f.cfg.Fixtures, "fixtures", "", "fixture `file or directory` to serve instead of the generated users")
	fs.BoolVar(&f.cfg.MergeFixtures, "merge", false, "serve --fixtures merged with the generated users (a fixture user replaces one with the same id)")
	fs.StringVar(&f.cfg.Scenario, "scenario", "", "`name` of the scenario in force from the start (see scenarios/)")
	fs.IntVar(&f.cfg.RateLimit, "rate-limit", 0, "throttle to `N` requests per minute per client address, failures included, as the real API did at 60 (0: off)")
	fs.StringVar(&f.cfg.RateLimitBy, "rate-limit-by", mock.RateLimitByAddress, "what the rate limit is keyed `by`: address (the real server's throttle runs before authentication) or token")
	fs.StringVar(&f.cfg.NonJSONClients, "non-json-clients", mock.NonJSONAnswerJSON, "`how` to answer a 401 or 422 to a client without Accept: application/json: json (the page) or redirect (the real server's 302)")
	fs.BoolVar(&f.noWatch, "no-watch", false, "do not reload scenario and fixture files when they change")
	fs.StringVar(&f.cfg.AdminToken, "admin-token", "", "`token` that /__odmock/ admin paths require as a Bearer token (default: none, open)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json")
	fs.Var(&f.origins, "cors-origins", "`origins` browser apps may call from, e.g. http://localhost:5173 (comma-separated or repeated; default: any, answered *)")
	fs.BoolVar(&f.cfg.CORSCredentials, "cors-credentials", false, "allow credentials cross-origin, echoing the origin (the real server does not)")
	fs.Var(&f.expose, "cors-expose", "more `headers` to expose to scripts, e.g. Retry-After,X-RateLimit-Remaining (the real server exposes none; repeatable)")
	fs.IntVar(&f.cfg.JournalSize, "journal-size", f.cfg.JournalSize, "`number` of requests the journal at "+mock.JournalPath+" keeps (0: none; at most "+strconv.Itoa(mock.MaxJournalSize)+")")
	fs.IntVar(&f.cfg.MaxSessions, "max-sessions", f.cfg.MaxSessions, "`number` of sessions whose state (coverage, scenario, call counts) is kept; past it the least recently used is forgotten")
	fs.StringVar(&f.cfg.Instance, "instance", "", "`name` of this server in its health answer, for odmock healthcheck --instance (default: random)")
	fs.StringVar(&f.cfg.State, "state", "", "`URL` of a Redis, redis://[user:password@]host:port/db, where replicas share call counters, scenarios, rate limits, the journal and coverage (default: none, in memory)")
	fs.StringVar(&f.cfg.StatePrefix, "state-prefix", mock.DefaultStatePrefix, "`prefix` of odmock's keys in --state, so several deployments can share one Redis")
	fs.StringVar(&f.addrFile, "addr-file", "", "`file` to write the server's URL and instance to once it listens, for odmock healthcheck --addr-file")
	return f
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("odmock", flag.ContinueOnError)
	f := newServeFlags(fs)
	if err := parseFlags(fs, args, stdout, false); err != nil {
		return err
	}
	f.usersSet = flagGiven(fs, "users")
	// With --log-format json, every line odmock writes is JSON: the
	// banner, the log, and the error it stops on.
	if f.logFormat == "json" {
		err := serve(ctx, f, stdout, stderr)
		if err != nil && exitCode(err) != 0 {
			writeJSONError(stderr, err)
			return reportedError{err}
		}
		return err
	}
	return serve(ctx, f, stdout, stderr)
}

// serve runs the server the flags describe until ctx ends.
func serve(ctx context.Context, f *serveFlags, stdout, stderr io.Writer) error {
	cfg := f.cfg
	if len(f.tokens) > 0 {
		cfg.Tokens = f.tokens
	}
	var err error
	if cfg.Window, err = dataset.ParseWindow(f.window, time.Now()); err != nil {
		return usageError{fmt.Errorf("--window: %w", err)}
	}
	if cfg.Messages, err = messagesFlag(f.messages, f.usersSet, cfg.Window); err != nil {
		return err
	}
	if cfg.CacheBytes, err = dataset.ParseBytes(f.cache); err != nil {
		return usageError{fmt.Errorf("--cache-%w", err)}
	}
	if cfg.CacheBytes == 0 {
		cfg.CacheBytes = -1 // none
	}
	if cfg.ScenariosDir, err = userDir("--scenarios", cfg.ScenariosDir, defaultScenariosDir); err != nil {
		return err
	}
	if cfg.FixturesDir, err = userDir("--fixtures-dir", cfg.FixturesDir, defaultFixturesDir); err != nil {
		return err
	}
	if cfg.Users < 1 && cfg.Fixtures == "" {
		return usageError{fmt.Errorf("--users %d: want 1 or more (user 1 is the page's example user_12345); for empty answers, --scenario empty", cfg.Users)}
	}
	cfg.Watch = !f.noWatch
	cfg.CORSOrigins = f.origins
	for _, h := range f.expose {
		for name := range strings.SplitSeq(h, ",") {
			if name = strings.TrimSpace(name); name != "" {
				cfg.CORSExpose = append(cfg.CORSExpose, name)
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return configUsageError(err)
	}
	logs := newLogWriter(stderr, 100*time.Millisecond)
	defer logs.Close()
	if cfg.Logger, err = newLogger(logs, f.logLevel, f.logFormat); err != nil {
		return usageError{err}
	}
	if cfg.State != "" {
		// The Redis client logs through one logger per process: this
		// process's is ours, so its lines are odmock's (JSON with
		// --log-format json), at debug level: odmock says itself, once,
		// when Redis is lost and when it is back.
		redis.SetLogger(redisLogger{cfg.Logger})
	}
	if f.addrFile != "" {
		// A file left by an earlier run must not pass for this one's.
		if err := os.Remove(f.addrFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("--addr-file: %w", err)
		}
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
	boundHeapGrowth()
	if err := srv.Start(); err != nil {
		return err
	}
	if f.addrFile != "" {
		if err := writeAddrFile(f.addrFile, srv); err != nil {
			srv.Shutdown(context.Background()) //nolint:errcheck // the write's error is the one to report
			return err
		}
		defer os.Remove(f.addrFile)
	}
	if f.logFormat == "json" {
		printJSONBanner(stdout, srv, time.Since(started))
	} else {
		printBanner(stdout, srv, time.Since(started))
	}

	<-ctx.Done()
	cfg.Logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Where odmock looks for a project's own scenarios and fixtures when no
// flag says: a folder of odmock's own, so that a project's scenarios/ or
// fixtures/ (Jest's, Cypress's) are never mistaken for odmock's.
const (
	defaultScenariosDir = ".odmock/scenarios"
	defaultFixturesDir  = ".odmock/fixtures"
)

// userDir is the directory a flag names, to add to the shipped files: the
// default when it exists, else "" (the shipped files alone). A directory
// named on purpose must exist.
func userDir(flagName, dir, def string) (string, error) {
	info, err := os.Stat(dir)
	switch {
	case err == nil && info.IsDir():
		return dir, nil
	case dir == def:
		return "", nil
	case err == nil:
		return "", usageError{fmt.Errorf("%s %s: not a directory", flagName, dir)}
	}
	return "", usageError{fmt.Errorf("%s %s: no such directory", flagName, dir)}
}

// reportedError is an error already written out (as JSON): main only
// exits with its code.
type reportedError struct{ error }

func (e reportedError) Unwrap() error { return e.error }

// writeJSONError writes the error odmock stops on as a log line.
func writeJSONError(w io.Writer, err error) {
	line, _ := json.Marshal(map[string]any{"time": time.Now().UTC(), "level": "ERROR", "msg": "odmock: " + err.Error(), "exit": exitCode(err)})
	fmt.Fprintf(w, "%s\n", line)
}

// configFlag names the flag that sets a Config field.
func configFlag(field string) (string, bool) {
	flags := map[string]string{
		"Addr": "--addr", "Tokens": "--token", "Seed": "--seed", "Users": "--users", "Window": "--window",
		"ScenariosDir": "--scenarios", "FixturesDir": "--fixtures-dir", "Fixtures": "--fixtures",
		"MergeFixtures": "--merge", "Scenario": "--scenario", "RateLimit": "--rate-limit",
		"JournalSize": "--journal-size", "CORSOrigins": "--cors-origins", "AdminToken": "--admin-token",
		"Instance": "--instance", "Messages": "--messages", "CacheBytes": "--cache-size",
		"RateLimitBy": "--rate-limit-by", "NonJSONClients": "--non-json-clients", "CORSExpose": "--cors-expose",
		"CORSCredentials": "--cors-credentials", "MaxSessions": "--max-sessions",
		"State": "--state", "StatePrefix": "--state-prefix",
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
	b := bannerOf(srv, took)
	fmt.Fprintf(w, "odmock %s serving %s (ready in %s)\n", version, b.URL, b.Ready)
	fmt.Fprintf(w, "  token:   %s\n", b.Token)
	fmt.Fprintf(w, "  dataset: seed %d, %d users, %d user messages (+%d bot), %s UTC; built in %s\n",
		b.Seed, b.Users, b.Messages, b.BotMessages, strings.Replace(b.Window, "/", " to ", 1), b.Built)
	fmt.Fprintf(w, "  scenarios: %s (%s); active: %s; per request: -H 'Prefer: scenario=NAME'\n", strings.Join(b.Scenarios, " "), b.From, b.Active)
	if b.RateLimit > 0 {
		fmt.Fprintf(w, "  rate limit: %d requests per minute per %s\n", b.RateLimit, b.RateLimitBy)
	}
	if len(b.NoData) > 0 {
		fmt.Fprintf(w, "  no data: no user has %s: filters on them match no one\n", strings.Join(b.NoData, ", "))
	}
	fmt.Fprintf(w, "  console: %s\n", b.Console)
	fmt.Fprintf(w, "  try:     %s\n", b.Try)
}

// printJSONBanner is the banner as one JSON line, for --log-format json.
func printJSONBanner(w io.Writer, srv *mock.Server, took time.Duration) {
	b := bannerOf(srv, took)
	line, _ := json.Marshal(struct {
		Time  time.Time `json:"time"`
		Level string    `json:"level"`
		Msg   string    `json:"msg"`
		banner
	}{time.Now().UTC(), "INFO", "serving", b})
	fmt.Fprintf(w, "%s\n", line)
}

// banner is what the server tells the user at start.
type banner struct {
	Version     string   `json:"version"`
	URL         string   `json:"url"`
	Ready       string   `json:"ready_in"`
	Instance    string   `json:"instance"`
	Token       string   `json:"token"`
	Seed        uint64   `json:"seed"`
	Users       int      `json:"users"`
	Messages    int      `json:"user_messages"`
	BotMessages int      `json:"bot_messages"`
	Window      string   `json:"window"`
	Built       string   `json:"built_in"`
	Scenarios   []string `json:"scenarios"`
	From        string   `json:"scenarios_from"`
	Active      string   `json:"active"`
	RateLimit   int      `json:"rate_limit,omitempty"`
	RateLimitBy string   `json:"rate_limit_by,omitempty"`
	NoData      []string `json:"filters_without_data,omitempty"`
	Console     string   `json:"console"`
	Try         string   `json:"try"`
}

func bannerOf(srv *mock.Server, took time.Duration) banner {
	cfg, data := srv.Config(), srv.Dataset()
	from := "built-in"
	if cfg.ScenariosDir != "" {
		from = "built-in + " + cfg.ScenariosDir + "/"
		if cfg.Watch {
			from += ", reloaded on change"
		}
	}
	active := cfg.Scenario
	if active == "" {
		active = "none"
	}
	return banner{
		Version: version, URL: srv.URL(), Ready: took.Round(time.Millisecond).String(), Instance: cfg.Instance,
		Token: cfg.Tokens[0], Seed: cfg.Seed, Users: data.Users(), Messages: data.Messages(), BotMessages: data.BotMessages(),
		Window:    cfg.Window.Start.Format(time.DateTime) + "/" + cfg.Window.End.Format(time.DateTime),
		Built:     srv.DatasetBuilt().Round(time.Millisecond).String(),
		Scenarios: srv.Scenarios(), From: from, Active: active, RateLimit: cfg.RateLimit, RateLimitBy: rateLimitBy(cfg),
		Console: consoleLine(srv),
		Try:     fmt.Sprintf("curl -H 'Authorization: Bearer %s' '%s%s'", cfg.Tokens[0], srv.URL(), srv.TryPath()),
		NoData:  filtersWithoutData(cfg, data),
	}
}

// filtersWithoutData are the filters no served user has a value for, when
// fixtures are served (a recording of a provider that does not return
// them): filters on them match no one.
func filtersWithoutData(cfg mock.Config, data *dataset.Dataset) []string {
	if cfg.Fixtures == "" || data.Users() == 0 {
		return nil
	}
	return attributesWithoutData(data)
}

// consoleLine is the console's URL, and what it asks for.
func consoleLine(srv *mock.Server) string {
	u := srv.URL() + mock.ConsolePath
	if srv.Config().AdminToken != "" {
		return u + " (asks for the admin token)"
	}
	return u + " (every exchange, why each answer, scenarios, coverage, data)"
}

// rateLimitBy words what the rate limit is keyed by, for the banner.
func rateLimitBy(cfg mock.Config) string {
	switch {
	case cfg.RateLimit == 0:
		return ""
	case cfg.RateLimitBy == mock.RateLimitByToken:
		return "token"
	}
	return "client address"
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

// redisLogger hands the Redis client's log lines to odmock's log.
type redisLogger struct{ log *slog.Logger }

// Printf logs one of the client's lines at debug level.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// heapHeadroom is the most the heap may grow past what is live before the
// collector runs, once a large dataset is built.
const heapHeadroom = 256 << 20

// boundHeapGrowth keeps the heap's growth between collections near
// heapHeadroom. Go lets the heap grow by as much again as is live
// (GOGC=100): with a hundred million messages' index live (about 900 MB),
// the garbage of a few large answers would double the process's memory.
// The index holds no pointers, so collecting more often costs little. An
// explicit GOGC is left alone.
func boundHeapGrowth() {
	if os.Getenv("GOGC") != "" {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	debug.SetGCPercent(gcPercentFor(ms.HeapAlloc))
}

// gcPercentFor is the GOGC that lets a heap of live bytes grow by about
// heapHeadroom: 100 (Go's default) up to heapHeadroom live, at least 10.
func gcPercentFor(live uint64) int {
	if live <= heapHeadroom {
		return 100
	}
	return max(10, int(100*heapHeadroom/live))
}
