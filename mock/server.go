package mock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

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
		Limits: DefaultLimits(),
	}
}

// Server is an odmock server: the contract, a dataset, and an HTTP handler
// that serves one with the other.
type Server struct {
	cfg      Config
	contract *Contract
	data     *Dataset
	val      *validator
	echo     *echo.Echo
	log      *slog.Logger
	// observers are told of every exchange; see observe.
	observers []Observer
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
	if cfg.Window.End.Before(cfg.Window.Start) {
		return nil, fmt.Errorf("window %s: ends before it starts", cfg.Window)
	}
	if err := checkAdminToken(cfg); err != nil {
		return nil, err
	}
	ctx := context.Background()
	c, err := DefaultContract(ctx)
	if err != nil {
		return nil, err
	}
	data, err := NewDataset(c, Generate(cfg.Seed, cfg.Users, cfg.Window))
	if err != nil {
		return nil, fmt.Errorf("build dataset: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		contract: c,
		data:     data,
		val:      newValidator(c, cfg.Tokens),
		log:      cfg.Logger,
		limits:   cfg.Limits.withDefaults(),
	}
	s.inFlight = newInFlight(s.limits)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.observers = append(s.observers, s.logExchange)
	s.echo = s.routes()
	return s, nil
}

// routes builds the Echo router: the API's path from the contract, the
// admin paths, and JSON answers for everything else.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.observe, s.recoverPanic, s.limit)
	api := s.contract.Path()
	e.GET(api, s.handleInteractions)
	e.HEAD(api, s.handleInteractions)
	e.GET(HealthPath, s.handleHealth)
	e.HEAD(HealthPath, s.handleHealth)
	admin := s.adminGroup(e)
	_ = admin // odmock's admin endpoints register on admin
	return e
}

// Handler is the server's HTTP handler, for httptest or another server.
func (s *Server) Handler() http.Handler { return s.echo }

// Contract is the contract the server validates against.
func (s *Server) Contract() *Contract { return s.contract }

// Dataset is the data the server answers from.
func (s *Server) Dataset() *Dataset { return s.data }

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
	return "http://" + s.ln.Addr().String()
}

// Shutdown stops accepting connections and waits for requests in flight
// to be answered, or for ctx to end; then it closes whatever is left.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	return err
}

// handleInteractions serves GET (and HEAD) /public/api/user-interactions.
func (s *Server) handleInteractions(c echo.Context) error {
	r := c.Request()
	ex := exchangeOf(c)
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
	res := s.data.Query(q)
	ex.Outcome = "data"
	if res.Len() == 0 {
		ex.Outcome = "empty"
	}
	w := c.Response()
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
	var ve *ValidationError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, ErrUnauthenticated):
		writeJSON(w, http.StatusUnauthorized, messageBody(msgUnauthenticated))
	case errors.As(err, &ve):
		writeJSON(w, http.StatusUnprocessableEntity, ve.AppendJSON(nil))
	case errors.As(err, &he) && he.Code == http.StatusNotFound:
		// Laravel's $request->path(): no leading slash, "/" for the root.
		path := strings.Trim(c.Request().URL.Path, "/")
		if path == "" {
			path = "/"
		}
		writeJSON(w, http.StatusNotFound, messageBody("The route "+path+" could not be found."))
	case errors.As(err, &he) && he.Code == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, messageBody(
			"The "+c.Request().Method+" method is not supported for this route. Supported methods: GET, HEAD."))
	case errors.As(err, &he):
		writeJSON(w, he.Code, messageBody(http.StatusText(he.Code)))
	default:
		s.log.Error("request", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, messageBody("Server Error"))
	}
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
