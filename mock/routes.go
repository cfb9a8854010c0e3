package mock

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
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

	api := s.contract.Path()
	e.GET(api, s.handleInteractions)
	e.HEAD(api, s.handleInteractions)
	// Health stays outside the admin group, public, for probes.
	e.GET(HealthPath, handleHealth)
	e.HEAD(HealthPath, handleHealth)

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
	return e
}

func handleHealth(c echo.Context) error {
	return send(c, &reply{status: http.StatusOK, body: []byte(`{"status":"ok"}`)})
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
