package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// odmock's own API, under adminPrefix (routes.go registers it):
//
//	GET    /__odmock/journal[?session=S&limit=N]  the latest requests, oldest first
//	       (&format=har: as HAR 1.2, for browser devtools)
//	DELETE /__odmock/journal[?session=S]          forget them
//	GET    /__odmock/coverage[?session=S]         what clients exercised
//	DELETE /__odmock/coverage[?session=S]         forget it
//	GET    /__odmock/scenarios                    the loaded scenarios, and the active one
//	GET    /__odmock/scenario?session=S           the scenario in force (for a session)
//	PUT    /__odmock/scenario                     {"name": "slow", "session": "S"}: switch
//	                                              ("" clears; no session: the server's)
//	POST   /__odmock/reset?session=S              reset call counters (all without S)
//	POST   /__odmock/reload                       reload scenario and fixture files now

// journalAnswer is the body of GET /__odmock/journal.
type journalAnswer struct {
	Size    int            `json:"size"`  // entries kept at most
	Total   uint64         `json:"total"` // requests recorded since start
	Entries []JournalEntry `json:"entries"`
}

// handleJournal serves GET /__odmock/journal?session=ID&limit=N: the
// latest requests, oldest first; with format=har, as a HAR 1.2 log.
func (s *Server) handleJournal(c echo.Context) error {
	s.settleBefore(c)
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "har" {
		return messageReply(http.StatusBadRequest, fmt.Sprintf("format %q: want json or har", format))
	}
	f := JournalFilter{Session: c.QueryParam("session")}
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return messageReply(http.StatusBadRequest, fmt.Sprintf("limit %q: want a whole number, 0 for all", v))
		}
		f.Limit = n
	}
	j := s.watch.journal
	entries := j.Entries(f)
	if entries == nil {
		entries = []JournalEntry{}
	}
	if format == "har" {
		return send(c, jsonReply(http.StatusOK, journalHAR(entries, harBase(c.Request()))))
	}
	return send(c, jsonReply(http.StatusOK, journalAnswer{Size: j.Size(), Total: j.Total(), Entries: entries}))
}

// handleJournalClear serves DELETE /__odmock/journal[?session=ID].
func (s *Server) handleJournalClear(c echo.Context) error {
	s.settleBefore(c)
	n := s.watch.journal.Clear(c.QueryParam("session"))
	return send(c, jsonReply(http.StatusOK, struct {
		Cleared int `json:"cleared"`
	}{n}))
}

// handleCoverage serves CoveragePath: GET answers the coverage of all
// sessions, or with ?session=ID of one; DELETE forgets it.
func (s *Server) handleCoverage(c echo.Context) error {
	s.settleBefore(c)
	q := c.Request().URL.Query()
	id, one := q.Get("session"), q.Has("session")
	cv := s.watch.coverage
	if c.Request().Method == http.MethodDelete {
		cv.reset(id, !one)
		c.Response().WriteHeader(http.StatusNoContent)
		return nil
	}
	if one {
		return send(c, jsonReply(http.StatusOK, struct {
			Session string `json:"session"`
			CoverageCounts
		}{id, cv.session(id)}))
	}
	return send(c, jsonReply(http.StatusOK, cv.all()))
}

// scenarioInfo describes a scenario in the admin API.
type scenarioInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	File        string   `json:"file"`
	Rules       []string `json:"rules"`
}

func (s *Server) handleListScenarios(c echo.Context) error {
	lib := s.files.current()
	out := struct {
		Active    string         `json:"active"`
		Scenarios []scenarioInfo `json:"scenarios"`
	}{Active: s.scenarios.activeFor(""), Scenarios: []scenarioInfo{}}
	for _, name := range lib.scenarioNames() {
		sc := lib.scenarios[name]
		out.Scenarios = append(out.Scenarios, scenarioInfo{Name: name, Description: sc.Description, File: sc.Path, Rules: sc.ruleNames()})
	}
	return send(c, jsonReply(http.StatusOK, out))
}

func (s *Server) handleGetScenario(c echo.Context) error {
	session := c.QueryParam("session")
	return send(c, jsonReply(http.StatusOK, map[string]string{"session": session, "scenario": s.scenarios.activeFor(session)}))
}

func (s *Server) handleSetScenario(c echo.Context) error {
	var req struct {
		Name    string `json:"name"`
		Session string `json:"session"`
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 64<<10))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return messageReply(http.StatusBadRequest, `want {"name": "SCENARIO", "session": "optional"}: `+err.Error())
	}
	if req.Name != "" && s.files.current().scenarios[req.Name] == nil {
		return messageReply(http.StatusNotFound, ErrUnknownScenario.Error()+" "+strconv.Quote(req.Name))
	}
	s.scenarios.switchTo(req.Session, req.Name)
	s.log.Info("scenario switched", "scenario", req.Name, "session", req.Session)
	return send(c, jsonReply(http.StatusOK, map[string]string{"session": req.Session, "scenario": req.Name}))
}

func (s *Server) handleReset(c echo.Context) error {
	session := c.QueryParam("session")
	s.scenarios.reset(session)
	return send(c, jsonReply(http.StatusOK, map[string]string{"reset": session}))
}

func (s *Server) handleReload(c echo.Context) error {
	if err := s.Reload(); err != nil {
		return jsonReply(http.StatusUnprocessableEntity, map[string]any{
			"message": "reload rejected: the last good state keeps serving", "problems": problemLines(err)})
	}
	return send(c, jsonReply(http.StatusOK, map[string]any{"reloaded": true, "scenarios": s.Scenarios()}))
}

// problemLines is an error as path:line: message lines.
func problemLines(err error) []string {
	var ps Problems
	if errors.As(err, &ps) {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.String()
		}
		return out
	}
	return []string{err.Error()}
}
