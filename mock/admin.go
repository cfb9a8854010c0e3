package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// odmock's own API, under adminPrefix (routes.go registers it):
//
//	GET    /__odmock/journal[?session=S&limit=N&before=ID]
//	                                              the latest requests (at most
//	                                              1000 an answer), oldest first
//	       (&format=har: as HAR 1.2, for browser devtools)
//	DELETE /__odmock/journal[?session=S]          forget them
//	GET    /__odmock/coverage[?session=S]         what clients exercised (at
//	       [?offset=N&limit=N]                    most 500 sessions an answer)
//	DELETE /__odmock/coverage[?session=S]         forget it
//	GET    /__odmock/scenarios                    the loaded scenarios, and the active one
//	GET    /__odmock/scenario?session=S           the scenario in force (for a session)
//	PUT    /__odmock/scenario                     {"name": "slow", "session": "S"}: switch
//	                                              ("" clears; no session: the server's)
//	POST   /__odmock/reset?session=S              reset call counters (all without S)
//	POST   /__odmock/reload                       reload scenario and fixture files now
//	GET    /__odmock/state                        the bounded state: kept, limit, forgotten

// journalAnswer is the body of GET /__odmock/journal.
type journalAnswer struct {
	Size    int            `json:"size"`  // entries kept at most
	Total   uint64         `json:"total"` // requests recorded since start
	Entries []JournalEntry `json:"entries"`
	// Before, when set, pages on: ?before=ID gives the entries before
	// these.
	Before uint64 `json:"before,omitempty"`
}

// maxJournalPage caps the entries of one journal answer: a journal of
// MaxJournalSize entries is read a page at a time.
const maxJournalPage = 1000

// handleJournal serves GET /__odmock/journal?session=ID&limit=N&before=ID:
// the latest requests, oldest first, at most maxJournalPage; with
// format=har, as a HAR 1.2 log (the same page).
func (s *Server) handleJournal(c echo.Context) error {
	s.settleBefore(c)
	format := c.QueryParam("format")
	if format != "" && format != "json" && format != "har" {
		return messageReply(http.StatusBadRequest, fmt.Sprintf("format %q: want json or har", format))
	}
	f := JournalFilter{Session: c.QueryParam("session"), Limit: maxJournalPage}
	n, err := queryInt(c, "limit", maxJournalPage)
	if err != nil {
		return err
	}
	if n > 0 {
		f.Limit = n
	}
	before, err := queryInt(c, "before", math.MaxInt)
	if err != nil {
		return err
	}
	f.Before = uint64(before)
	j := s.watch.journal
	// One more than asked says whether there is a page before this one.
	f.Limit++
	entries := j.Entries(f)
	ans := journalAnswer{Size: j.Size(), Total: j.Total(), Entries: entries}
	if len(entries) == f.Limit {
		ans.Entries = entries[1:]
		ans.Before = ans.Entries[0].ID
	}
	if ans.Entries == nil {
		ans.Entries = []JournalEntry{}
	}
	if format == "har" {
		return send(c, jsonReply(http.StatusOK, journalHAR(ans.Entries, harBase(c.Request()))))
	}
	return send(c, jsonReply(http.StatusOK, ans))
}

// queryInt reads a whole number in [0, most] from the query; absent, it
// is 0. Past most is a 400 that says so.
func queryInt(c echo.Context, name string, most int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > most {
		return 0, messageReply(http.StatusBadRequest, fmt.Sprintf("%s %q: want a whole number from 0 to %d", name, v, most))
	}
	return n, nil
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
	offset, err := queryInt(c, "offset", math.MaxInt)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", maxCoveragePage)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = maxCoveragePage
	}
	return send(c, jsonReply(http.StatusOK, cv.page(offset, limit)))
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
		// A body cut short, or a client gone: the request's fault, not ours.
		return messageReply(http.StatusBadRequest, `want {"name": "SCENARIO", "session": "optional"}: read body: `+err.Error())
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
