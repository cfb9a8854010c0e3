package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/odmock/odmock/dataset"
)

// adminPrefix is where odmock's own API lives, apart from the contract's.
const adminPrefix = "/__odmock"

// Paths of odmock's own API.
const (
	// HealthPath answers 200 without a token while the server is up.
	HealthPath = adminPrefix + "/health"
	// JournalPath is the request journal: GET reads it, DELETE clears it.
	JournalPath = adminPrefix + "/journal"
	// CoveragePath serves the consumer coverage: which of the contract's
	// behaviours clients have exercised. GET reads it, DELETE resets it;
	// ?session=ID narrows either to one session.
	CoveragePath = adminPrefix + "/coverage"
)

// isAdminPath reports whether a path is odmock's own, not the API's.
func isAdminPath(path string) bool {
	return path == adminPrefix || strings.HasPrefix(path, adminPrefix+"/")
}

// routes builds the Echo router, every route in one place: the API's path
// from the contract, health, the admin API, and JSON answers for
// everything else.
func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// CORS before the limits, so a browser app can read their 414 and 503;
	// the admin guard before CORS, which never serves admin paths.
	e.Use(s.observe, recoverPanic, s.gate.guard.middleware, s.gate.cors.middleware, s.gate.limit)

	// Laravel's router ignores a trailing slash: both reach the route.
	for _, api := range []string{s.contract.Path(), s.contract.Path() + "/"} {
		e.GET(api, s.handleInteractions)
		e.HEAD(api, s.handleInteractions)
		e.OPTIONS(api, handleOptions)
	}
	// Health stays outside the admin group, public, for probes.
	e.GET(HealthPath, s.handleHealth)
	e.HEAD(HealthPath, s.handleHealth)
	// The root is where a person lands first: say where to go.
	e.GET("/", s.handleRoot)
	e.HEAD("/", s.handleRoot)

	// The console's files are public, like any page's (the admin guard
	// still applies); what they show comes from the admin API below.
	e.GET(ConsolePath, s.handleConsole)
	e.GET(adminPrefix+"/console/*", s.handleConsole)

	admin := e.Group(adminPrefix)
	if s.gate.admin != nil {
		// Use also routes every other path under the prefix through it,
		// so unknown admin paths are 401 too: they say nothing of what
		// exists.
		admin.Use(s.gate.requireAdmin)
	}
	rel := func(path string) string { return strings.TrimPrefix(path, adminPrefix) }
	admin.GET(rel(JournalPath), s.handleJournal)
	admin.HEAD(rel(JournalPath), s.handleJournal)
	admin.DELETE(rel(JournalPath), s.handleJournalClear)
	admin.GET(rel(CoveragePath), s.handleCoverage)
	admin.DELETE(rel(CoveragePath), s.handleCoverage)
	admin.GET("/scenarios", s.handleListScenarios)
	admin.GET("/scenario", s.handleGetScenario)
	admin.PUT("/scenario", s.handleSetScenario)
	admin.POST("/reset", s.handleReset)
	admin.POST("/reload", s.handleReload)
	admin.GET(rel(StatePath), s.handleState)
	// The console's own calls.
	admin.GET(rel(JournalPath)+"/stream", s.handleJournalStream)
	admin.GET(rel(JournalPath)+"/:id", s.handleJournalEntry)
	admin.GET(rel(ExplainPath), s.handleExplain)
	admin.POST(rel(ExercisePath), s.handleExercise)
	admin.GET("/data/users", s.handleDataUsers)
	admin.GET("/data/user", s.handleDataUser)
	admin.GET("/data/stats", s.handleDataStats)
	admin.GET("/info", s.handleInfo)
	return e
}

// Health is the answer of GET /__odmock/health. It says which server
// answers, so that a probe (odmock healthcheck) can tell this odmock from
// another odmock, or from any other server holding the port.
type Health struct {
	// Status is "ok", or "degraded" while the shared state (Config.State)
	// is out of reach: the server still answers, from its own memory, so
	// a probe passes; Reason says why.
	Status   string `json:"status"`
	Service  string `json:"service"`  // always "odmock"
	Instance string `json:"instance"` // Config.Instance
	Seed     uint64 `json:"seed"`     // Config.Seed
	Users    int    `json:"users"`    // users served
	// State is where the state clients grow lives: "memory", or "redis"
	// with Config.State.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	// Cache is the generated dataset's cache of encoded conversations
	// (hits, misses, bytes held, bound), absent for fixtures.
	Cache *dataset.CacheStats `json:"cache,omitempty"`
}

// Degraded says why the shared state (Config.State) is out of reach, ""
// while it answers or without one.
func (s *Server) Degraded() string { return s.shared.degraded() }

func (s *Server) handleHealth(c echo.Context) error {
	data := s.files.current().data
	h := Health{Status: "ok", Service: "odmock", Instance: s.cfg.Instance, Seed: s.cfg.Seed,
		Users: data.Users(), State: "memory"}
	if st := data.CacheStats(); st != (dataset.CacheStats{}) {
		h.Cache = &st
	}
	if s.shared != nil {
		h.State = "redis"
	}
	if reason := s.Degraded(); reason != "" {
		h.Status, h.Reason = "degraded", reason
	}
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return send(c, &reply{status: http.StatusOK, body: body})
}

// handleRoot answers GET /: what odmock is, the API's path with a query
// to try, and odmock's own paths. The real server has nothing here; a
// person who opens the address in a browser does.
func (s *Server) handleRoot(c echo.Context) error {
	type links struct {
		Service   string `json:"service"`
		Message   string `json:"message"`
		API       string `json:"api"`
		Try       string `json:"try"`
		Token     string `json:"token_header"`
		Health    string `json:"health"`
		Journal   string `json:"journal"`
		Coverage  string `json:"coverage"`
		Scenarios string `json:"scenarios"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the query's & as it is, to copy
	err := enc.Encode(links{
		Service:   "odmock",
		Message:   "odmock, a mock of OpenDialog's User Interactions API: GET the api path with from, to and an Authorization header",
		API:       s.contract.Path(),
		Try:       s.TryPath(),
		Token:     "Authorization: Bearer TOKEN",
		Health:    HealthPath,
		Journal:   JournalPath,
		Coverage:  CoveragePath,
		Scenarios: adminPrefix + "/scenarios",
	})
	if err != nil {
		return err
	}
	return send(c, &reply{status: http.StatusOK, body: bytes.TrimSpace(buf.Bytes())})
}

// TryPath is a request worth trying first: the API's path and a query for
// one day with data (the page's example day, 2024-01-15, when the window
// has it; else the window's first day), small enough to read.
func (s *Server) TryPath() string {
	w := s.cfg.Window
	day := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	if day.Before(w.Start) || day.After(w.End) {
		day = w.Start
	}
	end := day.Add(24*time.Hour - time.Second)
	if end.After(w.End) {
		end = w.End
	}
	// Written as the public page writes its examples: only spaces escaped.
	esc := func(t time.Time) string { return strings.ReplaceAll(t.Format(time.DateTime), " ", "%20") }
	return s.contract.Path() + "?from=" + esc(day) + "&to=" + esc(end)
}

// handleOptions answers a plain OPTIONS (a CORS preflight is answered
// before it, by the CORS middleware) as Laravel's router does: 200, an
// empty body, and the route's methods in Allow, comma-separated without
// spaces (Illuminate\Routing\RouteCollection::getRouteForMethods).
func handleOptions(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Allow", "GET,HEAD")
	h.Set("Content-Type", "text/html; charset=UTF-8")
	h.Set("Cache-Control", "no-cache, private")
	h.Set("Content-Length", "0")
	c.Response().WriteHeader(http.StatusOK)
	return nil
}

// recoverPanic answers a panic with Laravel's 500 body and logs it; the
// server keeps serving.
func recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
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
