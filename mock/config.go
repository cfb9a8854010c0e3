package mock

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// DefaultToken is the API token odmock accepts when none is configured.
const DefaultToken = "odmock-dev-token"

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	Addr   string   // listen address, host:port; port 0 picks a free port
	Tokens []string // accepted API tokens
	Seed   uint64   // dataset seed: the same seed gives the same data
	Users  int      // number of generated users
	// Messages, when above 0, sizes the generated users by their messages
	// instead: about this many user messages (Users is then ignored).
	Messages int64
	// CacheBytes bounds the cache of encoded conversations of the
	// generated dataset: 0 means dataset.DefaultCacheBytes, negative none.
	CacheBytes int64
	// NoPresize keeps a started server from learning, while it is idle,
	// the encoded size of every generated conversation no query has
	// needed yet (dataset.Dataset.Presize): a large answer's
	// Content-Length then makes its conversations once to be measured and
	// again to be written.
	NoPresize bool
	Window    dataset.Window // span of the generated conversations
	Logger    *slog.Logger

	// ScenariosDir and FixturesDir are the directories of scenario and
	// fixture files; "" means the copies shipped inside the binary.
	ScenariosDir, FixturesDir string
	// Fixtures, a fixture file or directory, is served instead of the
	// generated users, or merged with them when MergeFixtures is set.
	Fixtures      string
	MergeFixtures bool
	// scenario is the scenario in force from the start ("" for none).
	Scenario string
	// RateLimit throttles to this many requests per minute per client
	// address, as the real API did at 60 (failed requests count, and
	// every answer carries X-RateLimit-Limit and X-RateLimit-Remaining).
	// 0 is off.
	RateLimit int
	// RateLimitBy is what the rate limit is keyed by: RateLimitByAddress
	// ("" too, the real server's way) or RateLimitByToken.
	RateLimitBy string
	// NonJSONClients is how a client that does not send Accept:
	// application/json gets its 401 and 422: NonJSONAnswerJSON ("" too,
	// the page's way) or NonJSONRedirect (the real server's 302s).
	// Either way the exchange takes RiskAcceptJSON.
	NonJSONClients string
	// Watch reloads scenario and fixture files when they change on disk.
	Watch bool
	// JournalSize is how many requests the journal keeps; 0 keeps none,
	// and MaxJournalSize is the most.
	JournalSize int
	// MaxSessions bounds the state kept per session (X-Odmock-Session, or
	// valid token): coverage, the session's scenario, its call counters.
	// Past it, the least recently used session is forgotten, one at a
	// time, counted in the admin API and logged. 0 means
	// DefaultMaxSessions.
	MaxSessions int
	// CORSOrigins are the origins browser apps may call from, as
	// scheme://host[:port]; empty (or "*") means any origin, answered
	// with "*" as the real server does.
	CORSOrigins []string
	// CORSCredentials allows credentials (cookies, HTTP auth) from those
	// origins, echoing the origin; the real server does not.
	CORSCredentials bool
	// CORSExpose are headers exposed to scripts beyond odmock's own
	// (Preference-Applied, X-Odmock-*): e.g. Retry-After or
	// X-RateLimit-Remaining, which the real server does not expose.
	CORSExpose []string
	// AdminToken, when set, is the Bearer token every /__odmock/ path but
	// health requires. API tokens never pass for it.
	AdminToken string
	// Instance names this server in its health answer, so that a probe
	// can check it reached this server and no other; "" is a random name
	// made by New.
	Instance string
	Limits   Limits // zero fields take DefaultLimits
	// State, when set, is a redis://[user:password@]host:port/db URL
	// (rediss:// for TLS): call counters, the scenarios in force, rate
	// limits, the journal and coverage live there, shared by every
	// replica that names it. "" keeps them in memory. New fails when
	// Redis does not answer; lost later, each replica serves from its own
	// memory until it answers again (see Server.Degraded).
	State string
	// StatePrefix namespaces the keys in Redis, so that several
	// deployments can share one; "" means DefaultStatePrefix.
	StatePrefix string
}

// DefaultConfig is the configuration of `odmock` with no flags.
func DefaultConfig() Config {
	return Config{
		Addr:   "127.0.0.1:8080",
		Tokens: []string{DefaultToken},
		Seed:   1,
		Users:  500,
		Window: dataset.DefaultWindow(),

		JournalSize: DefaultJournalSize,
		MaxSessions: DefaultMaxSessions,
		Limits:      DefaultLimits(),
	}
}

// ConfigError is a bad field of a Config. Field is the Go field's name
// (Users, Window, ...), so a command line can name its own flag instead;
// Value is the bad value as text, "" when it says nothing.
type ConfigError struct {
	Field string
	Value string
	Err   error
}

// Error names the field in words (users, journal size), its value, and
// what is wrong: "users -1: must not be negative".
func (e *ConfigError) Error() string { return e.Describe(fieldWords(e.Field)) }

// Describe is Error with the field called name, e.g. a flag.
func (e *ConfigError) Describe(name string) string {
	if e.Value != "" {
		name += " " + e.Value
	}
	return name + ": " + e.Err.Error()
}

// Unwrap is the problem, e.g. ErrUnknownScenario.
func (e *ConfigError) Unwrap() error { return e.Err }

// fieldWords spells a Go field name as lower-case words: JournalSize is
// "journal size", CORSOrigins "cors origins".
func fieldWords(field string) string {
	isUpper := func(i int) bool { return 'A' <= field[i] && field[i] <= 'Z' }
	var b strings.Builder
	for i := 0; i < len(field); i++ {
		// A word starts at an upper-case letter after a lower-case one, or
		// at the last capital of a run followed by lower case (CORSOrigins).
		if i > 0 && isUpper(i) && (!isUpper(i-1) || i+1 < len(field) && !isUpper(i+1)) {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToLower(field[i : i+1]))
	}
	return b.String()
}

func configError(field, value, format string, args ...any) *ConfigError {
	return &ConfigError{Field: field, Value: value, Err: fmt.Errorf(format, args...)}
}

// Validate checks every field a Config can get wrong on its own, once: the
// first bad one is a *ConfigError. New calls it; a scenario name is checked
// by New, against the scenarios it loads.
func (cfg Config) Validate() error {
	num := strconv.Itoa
	if err := checkAddr(cfg.Addr); err != nil {
		return &ConfigError{Field: "Addr", Value: strconv.Quote(cfg.Addr), Err: err}
	}
	switch {
	case len(cfg.Tokens) == 0:
		return configError("Tokens", "", "none configured: give at least one API token")
	case slices.Contains(cfg.Tokens, ""):
		return configError("Tokens", `""`, "an API token must not be empty")
	case cfg.Users < 0:
		return configError("Users", num(cfg.Users), "must not be negative")
	case cfg.Messages < 0:
		return configError("Messages", strconv.FormatInt(cfg.Messages, 10), "must not be negative")
	case cfg.Messages > maxMessages:
		return configError("Messages", strconv.FormatInt(cfg.Messages, 10), "at most %d", int64(maxMessages))
	case cfg.Messages == 0 && cfg.Users > dataset.MaxSeededUsers:
		return configError("Users", num(cfg.Users), "at most %d", dataset.MaxSeededUsers)
	case cfg.MergeFixtures && cfg.users() > MaxMergedUsers:
		return configError("MergeFixtures", "",
			"merges fixtures into generated users made whole: at most %d of them, this dataset has %d", MaxMergedUsers, cfg.users())
	case cfg.JournalSize < 0:
		return configError("JournalSize", num(cfg.JournalSize), "must not be negative")
	case cfg.JournalSize > MaxJournalSize:
		return configError("JournalSize", num(cfg.JournalSize), "at most %d", MaxJournalSize)
	case cfg.MaxSessions < 0:
		return configError("MaxSessions", num(cfg.MaxSessions), "must not be negative (0 means %d)", DefaultMaxSessions)
	case cfg.Window.End.Before(cfg.Window.Start):
		return configError("Window", cfg.Window.String(), "ends before it starts")
	case cfg.RateLimit < 0:
		return configError("RateLimit", num(cfg.RateLimit), "must not be negative")
	case cfg.RateLimitBy != "" && cfg.RateLimitBy != RateLimitByAddress && cfg.RateLimitBy != RateLimitByToken:
		return configError("RateLimitBy", cfg.RateLimitBy, "want %s or %s", RateLimitByAddress, RateLimitByToken)
	case cfg.NonJSONClients != "" && cfg.NonJSONClients != NonJSONAnswerJSON && cfg.NonJSONClients != NonJSONRedirect:
		return configError("NonJSONClients", cfg.NonJSONClients, "want %s or %s", NonJSONAnswerJSON, NonJSONRedirect)
	case cfg.AdminToken != "" && contract.NewTokenSet(cfg.Tokens).Has(cfg.AdminToken):
		return configError("AdminToken", "", "must differ from every API token")
	}
	if cfg.State != "" {
		if err := checkStateURL(cfg.State); err != nil {
			return &ConfigError{Field: "State", Value: redactURL(cfg.State), Err: err}
		}
	}
	for _, o := range cfg.CORSOrigins {
		if err := CheckOrigin(o); err != nil {
			return &ConfigError{Field: "CORSOrigins", Err: err}
		}
	}
	for _, name := range cfg.CORSExpose {
		if err := CheckExposeHeader(name); err != nil {
			return &ConfigError{Field: "CORSExpose", Err: err}
		}
	}
	return nil
}

// checkAddr checks a listen address: host:port, the port a number up to
// 65535 ("" is the default's).
func checkAddr(addr string) error {
	if addr == "" {
		return nil
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one)")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: want a number from 0 to 65535", port)
	}
	return nil
}

// MaxMergedUsers is the most generated users MergeFixtures merges into:
// they are made whole, at about 2 KB each, not generated on demand.
const MaxMergedUsers = 200_000

// maxMessages is the most user messages Config.Messages asks for.
const maxMessages = 2e9

// users is the number of users to generate: Users, or as many as send
// about Messages messages.
func (cfg Config) users() int {
	if cfg.Messages > 0 {
		return dataset.UsersForMessages(cfg.Seed, cfg.Window, cfg.Messages)
	}
	return cfg.Users
}

// cacheBytes is cfg.CacheBytes with its default.
func (cfg Config) cacheBytes() int64 {
	switch {
	case cfg.CacheBytes == 0:
		return dataset.DefaultCacheBytes
	case cfg.CacheBytes < 0:
		return 0
	}
	return cfg.CacheBytes
}

// maxSessions is cfg.MaxSessions with its default.
func (cfg Config) maxSessions() int {
	if cfg.MaxSessions == 0 {
		return DefaultMaxSessions
	}
	return cfg.MaxSessions
}

// ErrUnknownScenario is the error for a scenario name with no file.
var ErrUnknownScenario = errors.New("unknown scenario")

// unknownScenario says which scenarios there are instead of name.
func unknownScenario(name string, have []string) error {
	return fmt.Errorf("%w %q (have: %s)", ErrUnknownScenario, name, strings.Join(have, ", "))
}

// unknownScenarioConfig is the ConfigError of a Config.Scenario with no file.
func unknownScenarioConfig(name string, have []string) *ConfigError {
	return &ConfigError{Field: "Scenario", Value: name,
		Err: fmt.Errorf("%w (have: %s)", ErrUnknownScenario, strings.Join(have, ", "))}
}
