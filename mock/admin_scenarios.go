package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// AdminPrefix is where odmock's own API lives, apart from the contract's.
const AdminPrefix = "/__odmock"

// scenarioAdminRoutes registers the scenario admin API:
//
//	GET  /__odmock/scenarios          the loaded scenarios, and the active one
//	GET  /__odmock/scenario?session=S the scenario in force (for a session)
//	PUT  /__odmock/scenario           {"name": "slow", "session": "S"}: switch
//	                                  ("" clears; no session: the server's)
//	POST /__odmock/reset?session=S    reset call counters (all without S)
//	POST /__odmock/reload             reload scenario and fixture files now
func (s *Server) scenarioAdminRoutes(g *echo.Group) {
	g.GET("/scenarios", s.adminListScenarios)
	g.GET("/scenario", s.adminGetScenario)
	g.PUT("/scenario", s.adminSetScenario)
	g.POST("/reset", s.adminReset)
	g.POST("/reload", s.adminReload)
}

// scenarioInfo describes a scenario in the admin API.
type scenarioInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	File        string   `json:"file"`
	Rules       []string `json:"rules"`
}

func writeAdmin(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	writeJSON(c.Response(), status, b)
	return nil
}

func (s *Server) adminListScenarios(c echo.Context) error {
	lib := s.lib.Load()
	out := struct {
		Active    string         `json:"active"`
		Scenarios []scenarioInfo `json:"scenarios"`
	}{Active: s.active.get(""), Scenarios: []scenarioInfo{}}
	for _, name := range sortedScenarioNames(lib.scenarios) {
		sc := lib.scenarios[name]
		out.Scenarios = append(out.Scenarios, scenarioInfo{Name: name, Description: sc.Description, File: sc.Path, Rules: sc.ruleNames()})
	}
	return writeAdmin(c, http.StatusOK, out)
}

func (s *Server) adminGetScenario(c echo.Context) error {
	session := c.QueryParam("session")
	return writeAdmin(c, http.StatusOK, map[string]string{"session": session, "scenario": s.active.get(session)})
}

func (s *Server) adminSetScenario(c echo.Context) error {
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
		writeJSON(c.Response(), http.StatusBadRequest, messageBody(`want {"name": "SCENARIO", "session": "optional"}: `+err.Error()))
		return nil
	}
	if req.Name != "" && s.lib.Load().scenarios[req.Name] == nil {
		writeJSON(c.Response(), http.StatusNotFound, messageBody(ErrUnknownScenario.Error()+" "+strconv.Quote(req.Name)))
		return nil
	}
	s.active.set(req.Session, req.Name)
	s.counters.reset(req.Session)
	s.log.Info("scenario switched", "scenario", req.Name, "session", req.Session)
	return writeAdmin(c, http.StatusOK, map[string]string{"session": req.Session, "scenario": req.Name})
}

func (s *Server) adminReset(c echo.Context) error {
	session := c.QueryParam("session")
	s.counters.reset(session)
	return writeAdmin(c, http.StatusOK, map[string]string{"reset": session})
}

func (s *Server) adminReload(c echo.Context) error {
	if err := s.Reload(); err != nil {
		return writeAdmin(c, http.StatusUnprocessableEntity, map[string]any{"message": "reload rejected: the last good state keeps serving", "problems": problemLines(err)})
	}
	return writeAdmin(c, http.StatusOK, map[string]any{"reloaded": true, "scenarios": s.Scenarios()})
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
