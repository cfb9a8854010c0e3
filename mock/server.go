package mock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// DefaultToken is the API token odmock accepts when none is configured.
const DefaultToken = "odmock-dev-token"

// HealthPath answers 200 without a token while the server is up.
const HealthPath = "/__odmock/health"

// Config configures a Server. Start from DefaultConfig.
type Config struct {
	Addr   string   // listen address, host:port; port 0 picks a free port
	Tokens []string // accepted API tokens
	Seed   uint64   // dataset seed: the same seed gives the same data
	Users  int      // number of generated users
	Window Window   // span of the generated conversations
	Logger *slog.Logger

	// ScenariosDir and FixturesDir are the directories of scenario and
	// fixture files; "" means the copies shipped inside the binary.
	ScenariosDir, FixturesDir string
	// Fixtures, a fixture file or directory, is served instead of the
	// generated users, or merged with them when MergeFixtures is set.
	Fixtures      string
	MergeFixtures bool
	// Scenario is the scenario in force from the start ("" for none).
	Scenario string
	// RateLimit throttles to this many requests per minute per token (per
	// client address without a valid token), as the real API does at 60.
	// 0 is off.
	RateLimit int
	// Watch reloads scenario and fixture files when they change on disk.
	Watch bool
	// JournalSize is how many requests the journal keeps; 0 keeps none.
	JournalSize int
	// CORSOrigins are the origins browser apps may call from, as
	// scheme://host[:port]; empty (or "*") means any origin, echoed.
	CORSOrigins []string
	// AdminToken, when set, is the Bearer token every /__odmock/ path but
	// health requires; see adminGroup. API tokens never pass for it.
	AdminToken string
	Limits     Limits // zero fields take DefaultLimits
}

// DefaultConfig is the configuration of `odmock` with no flags.
func DefaultConfig() Config {
	return Config{
		Addr:   "127.0.0.1:8080",
		Tokens: []string{DefaultToken},
		Seed:   1,
		Users:  500,
		Window: DefaultWindow(),

		JournalSize: DefaultJournalSize,
		Limits:      DefaultLimits(),
	}
}

// Server is an odmock server: the contract, a dataset, and an HTTP handler
// that serves one with the other.
type Server struct {
	cfg      Config
	contract *Contract
	seeded   *Dataset // the generated users, indexed
	// seededUsers keeps the generated users when fixtures are merged into
	// them, so a reload can merge again.
	seededUsers []User
	lib         atomic.Pointer[library]
	counters    callCounter
	active      activeScenarios
	limiter     *rateLimiter
	reloadMu    sync.Mutex
	stopWatch   context.CancelFunc
	val         *validator
	echo        *echo.Echo
	log         *slog.Logger
	// observers are told of every exchange; see observe.
	observers []Observer
	obs       observations
	cors      corsPolicy
	journal   *Journal
	coverage  *coverage     // what clients exercised; see coverage.go
	limits    Limits        // cfg.Limits with defaults filled in
	inFlight  chan struct{} // the in-flight cap's semaphore; nil when off

	srv *http.Server
	ln  net.Listener
}

// New builds a server from cfg: it parses the embedded contract and
// generates the dataset. It does not listen; see Start or Handler.
func New(cfg Config) (*Server, error) {
	if len(cfg.Tokens) == 0 {
		return nil, errors.New("no API token configured")
	}
	if cfg.Users < 0 {
		return nil, fmt.Errorf("users %d: must not be negative", cfg.Users)
	}
	if cfg.JournalSize < 0 {
		return nil, fmt.Errorf("journal size %d: must not be negative", cfg.JournalSize)
	}
	if cfg.Window.End.Before(cfg.Window.Start) {
		return nil, fmt.Errorf("window %s: ends before it starts", cfg.Window)
	}
	if err := checkAdminToken(cfg); err != nil {
		return nil, err
	}
	cors, err := newCORSPolicy(cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	c, err := DefaultContract(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.RateLimit < 0 {
		return nil, fmt.Errorf("rate limit %d: must not be negative", cfg.RateLimit)
	}
	s := &Server{
		cfg:      cfg,
		contract: c,
		val:      newValidator(c, cfg.Tokens),
		log:      cfg.Logger,
		cors:     cors,
		journal:  NewJournal(cfg.JournalSize),
	}
	// Fixtures served alone replace the generated users: skip making them.
	switch {
	case cfg.MergeFixtures:
		// A reload merges the fixtures again: keep the users to merge into.
		s.seededUsers = Generate(cfg.Seed, cfg.Users, cfg.Window)
		s.seeded, err = NewDataset(c, s.seededUsers)
	case cfg.Fixtures == "":
		s.seeded, err = NewSeededDataset(c, cfg.Seed, cfg.Users, cfg.Window)
	}
	if err != nil {
		return nil, fmt.Errorf("build dataset: %w", err)
	}
	lib, err := loadLibrary(c, &s.cfg, s.seeded, s.seededUsers)
	if err != nil {
		return nil, err
	}
	if cfg.Scenario != "" && lib.scenarios[cfg.Scenario] == nil {
		return nil, fmt.Errorf("scenario %s: %w (have: %s)", cfg.Scenario, ErrUnknownScenario,
			strings.Join(sortedScenarioNames(lib.scenarios), ", "))
	}
	s.lib.Store(lib)
	s.active.set("", cfg.Scenario)
	// Building the dataset leaves the generator's garbage behind, as much
	// again as the dataset: hand it back now rather than sit on it.
	debug.FreeOSMemory()
	if cfg.RateLimit > 0 {
		s.limiter = newRateLimiter(cfg.RateLimit, time.Now)
	}
	s.limits = cfg.Limits.withDefaults()
	s.inFlight = newInFlight(s.limits)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.coverage = newCoverage(c)
	s.observers = append(s.observers, s.logExchange, s.journalExchange, s.coverage.observe)
	s.echo = s.routes()
	return s, nil
}

// routes builds the Echo router: the API's path from the contract, the
// admin paths, and JSON answers for everything else.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// CORS before the limits, so a browser app can read their 414 and 503.
	e.Use(s.observe, s.recoverPanic, s.cors.middleware, s.limit)
	api := s.contract.Path()
	e.GET(api, s.handleInteractions)
	e.HEAD(api, s.handleInteractions)
	e.GET(HealthPath, s.handleHealth)
	e.HEAD(HealthPath, s.handleHealth)
	admin := s.adminGroup(e)
	s.scenarioAdminRoutes(admin)
	s.adminRoutes(admin)
	admin.GET(strings.TrimPrefix(CoveragePath, AdminPrefix), s.handleCoverage)
	admin.DELETE(strings.TrimPrefix(CoveragePath, AdminPrefix), s.handleCoverage)
	return e
}

// Handler is the server's HTTP handler, for httptest or another server.
func (s *Server) Handler() http.Handler { return s.echo }

// Contract is the contract the server validates against.
func (s *Server) Contract() *Contract { return s.contract }

// Dataset is the data the server answers from by default.
func (s *Server) Dataset() *Dataset { return s.lib.Load().data }

// Scenarios lists the names of the loaded scenarios.
func (s *Server) Scenarios() []string { return sortedScenarioNames(s.lib.Load().scenarios) }

// Config is the configuration the server was built with.
func (s *Server) Config() Config { return s.cfg }

// Start listens on the configured address and serves in the background.
// Binding first means Addr and URL are right as soon as Start returns, even
// with port 0.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	l := s.limits
	s.srv = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteIdleTimeout, // pushed forward by progressWriter
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.Watch {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		if err := s.watch(ctx); err != nil {
			ln.Close()
			return err
		}
	}
	// OPTIONS * goes to the router (404 JSON), not net/http's empty 200.
	s.srv.DisableGeneralOptionsHandler = true
	ln = jsonErrorListener{ln}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	return nil
}

// Addr is the address the server listens on, once started.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// URL is the server's base URL, once started, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	addr := s.ln.Addr().String()
	// Listening on every address (0.0.0.0, [::]): a client on this host
	// reaches it on the loopback.
	if tcp, ok := s.ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return "http://" + addr
}

// Shutdown stops accepting connections and waits for requests in flight
// to be answered, or for ctx to end; then it closes whatever is left.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.stopWatch != nil {
		s.stopWatch()
	}
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	return err
}

// handleInteractions serves GET (and HEAD) /public/api/user-interactions:
// the Prefer header and the active scenario first, then the engine.
func (s *Server) handleInteractions(c echo.Context) error {
	r := c.Request()
	ex := exchangeOf(c)
	lib := s.lib.Load()
	prefs, err := ParsePrefer(r.Header.Values("Prefer"))
	if err != nil {
		return writeOutside(c, http.StatusBadRequest, err.Error())
	}
	if len(prefs.Applied) > 0 {
		c.Response().Header().Set("Preference-Applied", strings.Join(prefs.Applied, ", "))
	}
	answer := &Answer{} // the engine, on the dataset
	name := prefs.Scenario
	if name == "" {
		name = s.active.get(ex.Session)
	}
	if name != "" {
		sc := lib.scenarios[name]
		if sc == nil {
			return writeOutside(c, http.StatusBadRequest, fmt.Sprintf("%v %q (have: %s)",
				ErrUnknownScenario, name, strings.Join(sortedScenarioNames(lib.scenarios), ", ")))
		}
		ex.Scenario = name
		if rule, a := s.pick(sc, ex.Session, r); rule != nil {
			ex.Rule, answer = rule.Name, a
		}
	}
	if prefs.Code != 0 {
		answer = &Answer{status: prefs.Code}
	}
	delay := answer.delayFor()
	if prefs.Delay > 0 {
		delay = prefs.Delay
	}
	if delay > 0 {
		if sleep(r.Context(), delay) != nil {
			return nil // the client gave up waiting
		}
		// A delay longer than the write timeout must not doom the answer
		// (a fault's raw writes, a HEAD's headers): the clock starts now.
		if idle := s.limits.WriteIdleTimeout; idle > 0 {
			_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(idle))
		}
	}
	fault := answer.fault
	if prefs.Fault != "" {
		fault = prefs.Fault
	}
	if fault != "" {
		ex.OutsideContract, ex.Fault = true, fault
		if !answer.scripted() {
			status, body := s.engineBody(r, answer.dataOr(lib.data))
			return injectFault(c, fault, status, body)
		}
		return injectFault(c, fault, answer.status, s.scriptedBody(answer))
	}
	if answer.scripted() {
		ex.OutsideContract = answer.outside
		ex.Outcome = outcomeOfStatus(answer.status, s.scriptedBody(answer))
		s.writeScripted(c, answer)
		return nil
	}
	return s.answerFromEngine(c, answer.dataOr(lib.data))
}

// answerFromEngine is the real API's behaviour: throttle, authenticate,
// validate, query, stream.
func (s *Server) answerFromEngine(c echo.Context, data *Dataset) error {
	r := c.Request()
	ex := exchangeOf(c)
	w := c.Response()
	if s.limiter != nil {
		d := s.limiter.take(s.rateKey(r))
		for _, h := range d.headers(s.limiter.limit) {
			setHeader(w.Header(), h[0], h[1])
		}
		if !d.allowed {
			ex.Outcome = "rate-limited"
			writeJSON(w, http.StatusTooManyRequests, messageBody(msgTooManyAttempts))
			return nil
		}
	}
	q, err := s.val.validate(r)
	var ve *ValidationError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		ex.Outcome = "unauthenticated"
		return err
	case errors.As(err, &ve):
		ex.Outcome, ex.Errors = "invalid", ve.Errors
		return err
	case err != nil:
		return err
	}
	ex.Valid = &q
	res := data.Query(q)
	ex.Outcome = "data"
	if res.Len() == 0 {
		ex.Outcome = "empty"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache, private")
	h.Set("Content-Length", strconv.FormatInt(res.Size(), 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := res.WriteTo(w); err != nil {
		// The status is sent; the client went away mid-answer.
		s.log.Debug("write answer", "err", err)
	}
	return nil
}

// engineBody is the engine's whole answer to r, for a truncated fault.
func (s *Server) engineBody(r *http.Request, data *Dataset) (int, []byte) {
	q, err := s.val.validate(r)
	if status, body, ok := contractError(err); ok {
		return status, body
	} else if err != nil {
		return http.StatusInternalServerError, messageBody("Server Error")
	}
	var buf bytes.Buffer
	data.Query(q).WriteTo(&buf) //nolint:errcheck // a bytes.Buffer does not fail
	return http.StatusOK, buf.Bytes()
}

func (s *Server) handleHealth(c echo.Context) error {
	writeJSON(c.Response(), http.StatusOK, []byte(`{"status":"ok"}`))
	return nil
}

// handleError turns every error into the real server's JSON answer: never
// Echo's default body, never HTML, never a Go error string.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	w := c.Response()
	if status, body, ok := contractError(err); ok {
		writeJSON(w, status, body)
		return
	}
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		// Laravel's $request->path(): no leading slash, "/" for the root.
		path := strings.Trim(c.Request().URL.Path, "/")
		if path == "" {
			path = "/"
		}
		writeJSON(w, http.StatusNotFound, messageBody("The route "+path+" could not be found."))
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		allow := allowedMethods(c)
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, messageBody(
			"The "+c.Request().Method+" method is not supported for this route. Supported methods: "+allow+"."))
	case errors.As(err, &he):
		msg, ok := he.Message.(string)
		if !ok || msg == "" {
			msg = http.StatusText(he.Code)
		}
		writeJSON(w, he.Code, messageBody(msg))
	default:
		s.log.Error("request", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, messageBody("Server Error"))
	}
}

// allowedMethods lists the methods the request's path answers, as the
// router found them, in Laravel's order (GET, HEAD, then the others).
// OPTIONS is left out: preflights are CORS's business, not the route's.
func allowedMethods(c echo.Context) string {
	found, _ := c.Get(echo.ContextKeyHeaderAllow).(string)
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		for _, f := range strings.Split(found, ",") {
			if strings.TrimSpace(f) == m {
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		return "GET, HEAD"
	}
	return strings.Join(out, ", ")
}

// recoverPanic answers a panic with Laravel's 500 body and logs it; the
// server keeps serving.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		return next(c)
	}
}
