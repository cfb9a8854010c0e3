package mock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// Server is an odmock server: the contract, a dataset, and an HTTP handler
// that serves one with the other. It is made of parts that each own their
// state: the user files (files), the scenario runtime (scenarios), what a
// request may cost (gate) and what watches traffic (watch).
type Server struct {
	cfg       Config
	contract  *contract.Contract
	files     *userFiles
	scenarios *scenarioState
	gate      *admission
	watch     *watchers
	log       *slog.Logger
	echo      *echo.Echo
	dists     distributions // the console's data charts, counted once per dataset

	srv       *http.Server
	ln        net.Listener
	stopWatch context.CancelFunc
	// stopPresize ends the dataset's presizing (Config.NoPresize).
	stopPresize context.CancelFunc
	shared      *sharedState // nil without Config.State
}

// New builds a server from cfg: it parses the embedded contract and
// generates the dataset. It does not listen; see Start or Handler.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Instance == "" {
		cfg.Instance = newInstanceName()
	}
	c, err := contract.Default(context.Background())
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	files, err := loadUserFiles(c, cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Scenario != "" && files.current().scenarios[cfg.Scenario] == nil {
		return nil, unknownScenarioConfig(cfg.Scenario, files.current().scenarioNames())
	}
	// Redis last: nothing to close when anything before it fails.
	shared, err := connectShared(cfg, log)
	if err != nil {
		return nil, err
	}
	gate, err := newAdmission(cfg, log, shared)
	if err != nil {
		shared.close()
		return nil, err
	}
	// The server's scenario starts as cfg.Scenario. Shared, it is that
	// until one is chosen: a replica that starts does not undo a choice
	// made through another.
	scenarios := newScenarioState(cfg.maxSessions(), cfg.Scenario, log, shared)
	s := &Server{
		cfg:       cfg,
		contract:  c,
		files:     files,
		scenarios: scenarios,
		gate:      gate,
		watch:     newWatchers(c, cfg, log, scenarios.known, shared),
		log:       log,
		shared:    shared,
	}
	s.echo = s.routes()
	return s, nil
}

// loadUserFiles builds the seeded dataset cfg asks for and reads the user
// files over it.
func loadUserFiles(c *contract.Contract, cfg Config, log *slog.Logger) (*userFiles, error) {
	f := &userFiles{
		contract: c,
		cfg: fileConfig{scenariosDir: cfg.ScenariosDir, fixturesDir: cfg.FixturesDir,
			fixtures: cfg.Fixtures, merge: cfg.MergeFixtures},
		log: log,
	}
	var err error
	started := time.Now()
	// Fixtures served alone replace the generated users: skip making them.
	switch {
	case cfg.MergeFixtures:
		// A reload merges the fixtures again: keep the users to merge into,
		// made whole (fixtures are merged into a small dataset).
		f.seededUsers = dataset.Generate(cfg.Seed, cfg.users(), cfg.Window)
		f.seeded, err = dataset.New(c, f.seededUsers)
	case cfg.Fixtures == "":
		f.seeded, err = dataset.NewSeededCache(c, cfg.Seed, cfg.users(), cfg.Window, cfg.cacheBytes())
	}
	if err != nil {
		return nil, fmt.Errorf("build dataset: %w", err)
	}
	f.built = time.Since(started)
	lib, err := f.load()
	if err != nil {
		return nil, err
	}
	f.lib.Store(lib)
	return f, nil
}

// Handler is the server's HTTP handler, for httptest or another server.
func (s *Server) Handler() http.Handler { return s.echo }

// DatasetBuilt is how long building the generated dataset took.
func (s *Server) DatasetBuilt() time.Duration { return s.files.built }

// Contract is the contract the server validates against.
func (s *Server) Contract() *contract.Contract { return s.contract }

// Dataset is the data the server answers from by default.
func (s *Server) Dataset() *dataset.Dataset { return s.files.current().data }

// Scenarios lists the names of the loaded scenarios.
func (s *Server) Scenarios() []string { return s.files.current().scenarioNames() }

// Config is the configuration the server was built with.
func (s *Server) Config() Config { return s.cfg }

// Journal is the server's request journal. Call Settle before reading it
// to see every request answered so far.
func (s *Server) Journal() *Journal { return s.watch.journal }

// Start listens on the configured address and serves in the background.
// Binding first means Addr and URL are right as soon as Start returns, even
// with port 0.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.serve(ln)
}

// serve serves on ln in the background, as Start does once it listens.
func (s *Server) serve(ln net.Listener) error {
	s.ln = ln
	l := s.gate.limits
	s.srv = &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteIdleTimeout, // pushed forward by progressWriter
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// OPTIONS * goes to the router (404 JSON), not net/http's empty 200.
		DisableGeneralOptionsHandler: true,
	}
	if s.cfg.Watch {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopWatch = cancel
		if err := s.files.watch(ctx, s.reloadAndLog); err != nil {
			ln.Close()
			return err
		}
	}
	if seeded := s.files.seeded; seeded != nil && !s.cfg.NoPresize {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopPresize = cancel
		go func() {
			started := time.Now()
			if learned, done := seeded.Presize(ctx, s.gate.idle); done && learned > 0 {
				s.log.Info("presized", "conversations", learned, "took", time.Since(started).Round(time.Millisecond).String())
			}
		}()
	}
	go func() {
		if err := s.srv.Serve(jsonErrorListener{ln}); err != nil && !errors.Is(err, http.ErrServerClosed) {
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
// to be answered, or for ctx to end; then it closes whatever is left, the
// connections to the shared state (Config.State) too. A server served
// through Handler alone is shut down the same way.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.stopWatch != nil {
		s.stopWatch()
	}
	if s.stopPresize != nil {
		s.stopPresize()
	}
	if s.srv == nil {
		s.shared.close()
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	// After the requests in flight: they may still record.
	s.shared.close()
	return err
}

// newInstanceName is a random name for a server that was given none.
func newInstanceName() string {
	var b [6]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}
