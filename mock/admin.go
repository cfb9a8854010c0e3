package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// JournalPath is the request journal: GET reads it, DELETE clears it.
const JournalPath = AdminPrefix + "/journal"

// adminRoutes registers odmock's own API on g, the /__odmock group.
func (s *Server) adminRoutes(g *echo.Group) {
	g.GET("/journal", s.handleJournal)
	g.HEAD("/journal", s.handleJournal)
	g.DELETE("/journal", s.handleJournalClear)
}

// Journal is the server's request journal. Call Settle before reading it
// to see every request answered so far.
func (s *Server) Journal() *Journal { return s.journal }

// journalAnswer is the body of GET /__odmock/journal.
type journalAnswer struct {
	Size    int            `json:"size"`  // entries kept at most
	Total   uint64         `json:"total"` // requests recorded since start
	Entries []JournalEntry `json:"entries"`
}

// handleJournal serves GET /__odmock/journal?session=ID&limit=N: the
// latest requests, oldest first.
func (s *Server) handleJournal(c echo.Context) error {
	s.obs.settle(exchangeOf(c).seq, settleTimeout)
	f, err := journalFilter(c)
	if err != nil {
		writeJSON(c.Response(), http.StatusBadRequest, messageBody(err.Error()))
		return nil
	}
	entries := s.journal.Entries(f)
	if entries == nil {
		entries = []JournalEntry{}
	}
	return writeAdminJSON(c, http.StatusOK, journalAnswer{
		Size:    s.journal.Size(),
		Total:   s.journal.Total(),
		Entries: entries,
	})
}

// handleJournalClear serves DELETE /__odmock/journal[?session=ID].
func (s *Server) handleJournalClear(c echo.Context) error {
	s.obs.settle(exchangeOf(c).seq, settleTimeout)
	session := c.QueryParam("session")
	n := s.journal.Clear(session)
	return writeAdminJSON(c, http.StatusOK, struct {
		Cleared int `json:"cleared"`
	}{n})
}

func journalFilter(c echo.Context) (JournalFilter, error) {
	f := JournalFilter{Session: c.QueryParam("session")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, fmt.Errorf("limit %q: want a whole number, 0 for all", v)
		}
		f.Limit = n
	}
	return f, nil
}

// writeAdminJSON writes v as JSON; HEAD gets the headers only.
func writeAdminJSON(c echo.Context, status int, v any) error {
	// Queries hold & and <: keep them readable, not \u0026.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode answer: %w", err)
	}
	body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if c.Request().Method == http.MethodHead {
		w := c.Response()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		return nil
	}
	writeJSON(c.Response(), status, body)
	return nil
}

// checkAdminToken refuses an admin token that is also an API token: the
// API token must never grant admin rights.
func checkAdminToken(cfg Config) error {
	if cfg.AdminToken == "" {
		return nil
	}
	if newTokenSet(cfg.Tokens).check("Bearer " + cfg.AdminToken) {
		return errors.New("admin token: must differ from every API token")
	}
	return nil
}

// adminGroup is the /__odmock group, for odmock's own endpoints. When the
// config has an AdminToken, every path in it requires
// "Authorization: Bearer ADMIN-TOKEN"; anything else, an API token
// included, gets 401. Health is registered outside the group (HealthPath):
// it stays public, for probes. Register admin routes on the group this
// returns, e.g. s.adminGroup(e).POST("/scenario", ...).
func (s *Server) adminGroup(e *echo.Echo) *echo.Group {
	g := e.Group(AdminPrefix)
	if s.cfg.AdminToken != "" {
		g.Use(s.requireAdmin(newTokenSet([]string{s.cfg.AdminToken})))
	}
	return g
}

// requireAdmin answers 401 to requests without the admin token. Unknown
// paths under the group get 401 too, so they say nothing of what exists.
func (s *Server) requireAdmin(admin tokenSet) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !admin.check(c.Request().Header.Get("Authorization")) {
				w := c.Response()
				w.Header().Set("WWW-Authenticate", `Bearer realm="odmock admin"`)
				writeJSON(w, http.StatusUnauthorized, messageBody(msgUnauthenticated))
				return nil
			}
			return next(c)
		}
	}
}
