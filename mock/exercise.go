package mock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
)

// ExercisePath sends, from the server to itself, a request that exercises
// one behaviour of the contract in a session: POST
// {"behaviour": "invalid:format", "session": "S"}. It goes through the
// whole server (the session's scenario, the journal, coverage) as any
// client's request, with an API token the console never has to hold.
const ExercisePath = adminPrefix + "/exercise"

// exerciseRequest is the request that exercises behaviour: its query and
// its Prefer header. ok is false for a behaviour the contract lacks.
func (s *Server) exerciseRequest(behaviour string) (query url.Values, prefer string, ok bool) {
	from, to := s.contract.DateParams()
	w := s.cfg.Window
	query = url.Values{from: {w.Start.Format(time.DateTime)}, to: {w.End.Format(time.DateTime)}}
	switch {
	case behaviour == BehaviourData:
	case behaviour == BehaviourEmpty:
		// A second before the window: no conversation is there.
		before := w.Start.Add(-time.Second).Format(time.DateTime)
		query.Set(from, before)
		query.Set(to, before)
	case behaviour == BehaviourUserID:
		query.Set(s.contract.IDParam(), "user_12345")
	case strings.HasPrefix(behaviour, "filter:") && slices.Contains(s.contract.Attributes(), behaviour[len("filter:"):]):
		query.Set(behaviour[len("filter:"):], "e")
	case behaviour == BehaviourUnauthenticated:
		prefer = "code=401"
	case behaviour == BehaviourRateLimited:
		prefer = "code=429"
	case behaviour == "invalid:"+contract.KindRequired:
		query.Del(from)
	case behaviour == "invalid:"+contract.KindFormat:
		query.Set(from, w.Start.Format(time.DateOnly))
	case behaviour == "invalid:"+contract.KindType:
		query.Set(s.contract.Attributes()[0]+"[]", "x")
	case behaviour == "invalid:"+contract.KindFilter:
		query.Set("odmock_unknown_filter", "1")
	default:
		return nil, "", false
	}
	return query, prefer, true
}

// handleExercise serves POST ExercisePath.
func (s *Server) handleExercise(c echo.Context) error {
	var req struct {
		Behaviour string `json:"behaviour"`
		Session   string `json:"session"`
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 64<<10))
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		err = dec.Decode(&req)
	}
	if err != nil || req.Session == "" {
		return messageReply(http.StatusBadRequest, `want {"behaviour": "invalid:format", "session": "S"}`)
	}
	query, prefer, ok := s.exerciseRequest(req.Behaviour)
	if !ok {
		return messageReply(http.StatusNotFound, fmt.Sprintf("no behaviour %q: want one of %s", req.Behaviour, strings.Join(Behaviours(s.contract), ", ")))
	}
	// Written as the public page writes its examples: ":" as it is.
	target := s.contract.Path() + "?" + strings.NewReplacer("+", "%20", "%3A", ":").Replace(query.Encode())
	r := httptest.NewRequestWithContext(c.Request().Context(), http.MethodGet, target, nil)
	r.RemoteAddr = c.Request().RemoteAddr
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Authorization", "Bearer "+s.cfg.Tokens[0])
	r.Header.Set(SessionHeader, req.Session)
	r.Header.Set("User-Agent", "odmock console")
	if prefer != "" {
		r.Header.Set("Prefer", prefer)
	}
	rec := httptest.NewRecorder()
	s.echo.ServeHTTP(rec, r)
	s.Settle()
	var id uint64
	if es := s.watch.journal.Entries(JournalFilter{Session: req.Session, Limit: 1}); len(es) > 0 {
		id = es[0].ID
	}
	return send(c, jsonReply(http.StatusOK, map[string]any{
		"behaviour": req.Behaviour, "session": req.Session, "request": "GET " + target,
		"prefer": prefer, "status": rec.Code, "id": id,
	}))
}

// consoleInfo is the body of GET /__odmock/info: what the console needs
// to know of the server.
type consoleInfo struct {
	Instance   string            `json:"instance"`
	API        string            `json:"api"`
	Try        string            `json:"try"`
	DateFormat string            `json:"date_format"`
	Window     [2]string         `json:"window"`
	Attributes []string          `json:"attributes"`
	Behaviours []string          `json:"behaviours"`
	Risks      []string          `json:"risks"`
	Active     string            `json:"active"`
	Scenarios  []consoleScenario `json:"scenarios"`
	Journal    BoundedState      `json:"journal"`
}

// consoleScenario is a scenario with its rules spelled out.
type consoleScenario struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	File        string        `json:"file"`
	Rules       []consoleRule `json:"rules"`
}

type consoleRule struct {
	Name   string `json:"name"`
	Line   int    `json:"line"`
	When   string `json:"when"`
	Answer string `json:"answer"`
}

func (s *Server) handleInfo(c echo.Context) error {
	lib := s.files.current()
	w := s.cfg.Window
	info := consoleInfo{
		Instance: s.cfg.Instance, API: s.contract.Path(), Try: s.TryPath(), DateFormat: s.contract.DateFormat(),
		Window:     [2]string{w.Start.Format(time.DateTime), w.End.Format(time.DateTime)},
		Attributes: s.contract.Attributes(), Behaviours: Behaviours(s.contract), Risks: Risks(),
		Active: s.scenarios.activeFor(""), Scenarios: []consoleScenario{}, Journal: s.State().Journal,
	}
	for _, name := range lib.scenarioNames() {
		sc := lib.scenarios[name]
		cs := consoleScenario{Name: name, Description: sc.Description, File: sc.Path, Rules: []consoleRule{}}
		for _, r := range sc.Rules {
			cs.Rules = append(cs.Rules, consoleRule{Name: r.Name, Line: r.Line, When: r.when(), Answer: r.answerText()})
		}
		info.Scenarios = append(info.Scenarios, cs)
	}
	return send(c, jsonReply(http.StatusOK, info))
}

// when says which calls a rule answers.
func (rule *scenarioRule) when() string {
	var parts []string
	for _, q := range rule.match.query {
		parts = append(parts, "query "+q.name+" "+q.m.describe())
	}
	for _, h := range rule.match.headers {
		parts = append(parts, "header "+h.name+" "+h.m.describe())
	}
	if t := rule.match.token; t != "" {
		if strings.HasPrefix(t, "=") {
			t = "equal to a given token"
		}
		parts = append(parts, "token "+t)
	}
	switch {
	case rule.times > 0:
		parts = append(parts, fmt.Sprintf("the first %d calls", rule.times))
	case rule.after > 0:
		parts = append(parts, fmt.Sprintf("after %d calls", rule.after))
	case rule.call > 0:
		parts = append(parts, fmt.Sprintf("call %d only", rule.call))
	}
	if len(parts) == 0 {
		return "every call"
	}
	return strings.Join(parts, ", ")
}

// answerText says what a rule answers.
func (rule *scenarioRule) answerText() string {
	var out []string
	for _, a := range rule.answers {
		var parts []string
		switch {
		case a.fault != "":
			parts = append(parts, "fault "+a.fault)
		case a.scripted():
			parts = append(parts, fmt.Sprintf("%d %s", a.status, http.StatusText(a.status)))
		default:
			parts = append(parts, "the engine, from "+dataName(a))
		}
		if a.delayMax > a.delay {
			parts = append(parts, "after "+a.delay.String()+"-"+a.delayMax.String())
		} else if a.delay > 0 {
			parts = append(parts, "after "+a.delay.String())
		}
		out = append(out, strings.Join(parts, " "))
	}
	s := strings.Join(out, ", then ")
	if rule.repeat && len(rule.answers) > 1 {
		s += ", repeated"
	}
	return s
}
