package mock

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// ExplainPath explains an answer: ?id=N for an exchange of the journal,
// or ?query=RAW for a query string as the engine would answer it now;
// &user=ID adds why that user is or is not in the answer.
const ExplainPath = adminPrefix + "/explain"

// Explanation is why odmock answered what it did: the checks it made, in
// order, then the engine's arithmetic, and a user's verdict when asked.
// It is recomputed from the recorded request by the code the answer ran
// (the scenario's rule conditions, contract.ValidateQuery through
// ExplainQuery, the dataset's Explain) against the files in force.
type Explanation struct {
	ID     uint64 `json:"id,omitempty"`
	Query  string `json:"query"`
	Status int    `json:"status,omitempty"`
	// Checks are the checks in the order the server made them; the one
	// that decided the answer is the last that is not "pass".
	Checks []ExplainCheck `json:"checks"`
	// Engine is the dataset's arithmetic, when the query was valid.
	Engine *dataset.Explanation `json:"engine,omitempty"`
	// Data names where the engine answered from: "dataset", or
	// "fixture NAME".
	Data string               `json:"data,omitempty"`
	User *dataset.UserVerdict `json:"user,omitempty"`
	// Notes say what the explanation could not know for sure.
	Notes []string `json:"notes"`
}

// ExplainCheck is one check the server made.
type ExplainCheck struct {
	Check string `json:"check"`
	// Result is pass, fail (it answered with an error), answered (a
	// scenario rule answered), skip (not reached, or not in force).
	Result string `json:"result"`
	Detail string `json:"detail"`
}

const (
	resultPass     = "pass"
	resultFail     = "fail"
	resultAnswered = "answered"
	resultSkip     = "skip"
)

// explainer builds an Explanation step by step.
type explainer struct {
	s   *Server
	lib *library
	e   Explanation
}

func (x *explainer) add(check, result, detail string) {
	x.e.Checks = append(x.e.Checks, ExplainCheck{Check: check, Result: result, Detail: detail})
}

// explainEntry explains a journal entry.
func (s *Server) explainEntry(je JournalEntry, user string) Explanation {
	x := &explainer{s: s, lib: s.files.current()}
	x.e = Explanation{ID: je.ID, Query: je.Query, Status: je.Status, Checks: []ExplainCheck{}, Notes: []string{}}
	if je.libGen != 0 && je.libGen != x.lib.gen {
		x.e.Notes = append(x.e.Notes, "the files were reloaded since this request: explained against the files in force now")
	}
	raw := je.rawQuery
	if raw == "" && je.Query != "" {
		raw = je.Query
		x.e.Notes = append(x.e.Notes, "the query was too long to keep whole: explained from what the journal kept")
	}
	r := &http.Request{Method: je.Method, URL: &url.URL{Path: je.Path, RawQuery: raw}, Header: je.reqHeader}
	if r.Header == nil {
		r.Header = http.Header{}
		x.e.Notes = append(x.e.Notes, fmt.Sprintf("the request's headers (%d bytes) were too large to keep: the token and scenario checks are read from the answer", je.reqBytes))
	}
	who := s.gate.identify(r)
	if je.reqHeader == nil {
		who.authenticated = je.Outcome != OutcomeUnauthenticated
	}

	target := len(je.Path) + len(raw) + 1
	if l := s.gate.limits.MaxURIBytes; l > 0 {
		if je.Status == http.StatusRequestURITooLong {
			x.add("length", resultFail, fmt.Sprintf("the request target (%d bytes) is over the limit of %d: 414", target, l))
			return x.e
		}
		x.add("length", resultPass, fmt.Sprintf("the request target is %d bytes, within %d", target, l))
	}
	api := s.contract.Path()
	if je.Path != api && je.Path != api+"/" {
		x.add("route", resultFail, fmt.Sprintf("%s is not the API's path (%s): Laravel's 404", je.Path, api))
		return x.e
	}
	switch je.Method {
	case http.MethodGet, http.MethodHead:
		x.add("method", resultPass, je.Method+" is allowed (GET, HEAD)")
	case http.MethodOptions:
		x.add("method", resultAnswered, "OPTIONS: a CORS preflight, or the route's allowed methods")
		return x.e
	default:
		x.add("method", resultFail, je.Method+" is not allowed (GET, HEAD): 405")
		return x.e
	}
	if je.Status == http.StatusServiceUnavailable && je.Scenario == "" {
		x.add("in-flight", resultFail, "the server was answering as many requests as it may at once: 503 with Retry-After")
		return x.e
	}
	answer, done := x.scenario(r, who, je)
	if done {
		return x.e
	}
	if je.Status == http.StatusTooManyRequests {
		x.add("rate limit", resultFail, "over the rate limit: Laravel's 429, Too Many Attempts.")
		return x.e
	}
	if s.gate.limiter != nil {
		x.add("rate limit", resultPass, fmt.Sprintf("within %d requests a minute", s.cfg.RateLimit))
	}
	switch {
	case who.authenticated:
		x.add("token", resultPass, "the Bearer token is one of the API tokens")
	case who.token == "":
		x.add("token", resultFail, "no Bearer token in Authorization: 401 Unauthenticated.")
		return x.e
	default:
		x.add("token", resultFail, "the Bearer token is not one of the API tokens: 401 Unauthenticated.")
		return x.e
	}
	data, name := x.lib.data, "dataset"
	if answer != nil && answer.fixture != "" {
		data, name = answer.dataOr(x.lib.data), "fixture "+answer.fixture
	}
	x.query(raw, data, name, user)
	return x.e
}

// scenario explains the Prefer header and the scenario's rules; done is
// set when they decided the answer. answer is the rule's engine answer
// (a fixture), if one answered.
func (x *explainer) scenario(r *http.Request, who caller, je JournalEntry) (answer *ruleAnswer, done bool) {
	prefs, err := parsePrefer(r.Header.Values("Prefer"))
	if err != nil {
		x.add("prefer", resultFail, err.Error()+": 400")
		return nil, true
	}
	if len(prefs.Applied) > 0 {
		x.add("prefer", resultPass, "Prefer: "+strings.Join(prefs.Applied, ", "))
	}
	name := prefs.Scenario
	from := "Prefer: scenario="
	if name == "" {
		name, from = je.Scenario, "the session's or the server's"
	}
	switch {
	case prefs.Code != 0:
		x.add("scenario", resultAnswered, fmt.Sprintf("Prefer: code=%d answers with the contract's example: no scenario rule is consulted", prefs.Code))
		return nil, true
	case name == "":
		x.add("scenario", resultSkip, "no scenario in force: the engine answers")
		return nil, x.faultOrDelay(prefs, je)
	}
	sc := x.lib.scenarios[name]
	if sc == nil {
		x.add("scenario", resultFail, "unknown scenario "+strconv.Quote(name)+": 400")
		return nil, true
	}
	x.add("scenario", resultPass, fmt.Sprintf("%s (%s)", name, from))
	var params contract.Params
	for i, rule := range sc.Rules {
		if len(rule.match.query) > 0 && params == nil {
			params = contract.ParseQuery(r.URL.RawQuery)
		}
		label := fmt.Sprintf("rule %d %q", i+1, rule.Name)
		if m := rule.match.miss(who, r, params); m >= 0 {
			x.add(label, resultSkip, "does not match: "+rule.match.describeMiss(m, who, r, params))
			continue
		}
		if rule.Name != je.Rule {
			x.add(label, resultSkip, "matches, but it was not its turn ("+rule.turn()+")")
			continue
		}
		a := rule.answers[0]
		switch {
		case a.scripted():
			x.add(label, resultAnswered, fmt.Sprintf("answered with its scripted %d", a.status))
		case a.fault != "" || prefs.Fault != "":
			x.add(label, resultAnswered, "answered with a fault")
		default:
			x.add(label, resultAnswered, "answered through the engine, from "+dataName(a))
		}
		if a.scripted() || x.faultOrDelay(prefs, je) {
			return a, true
		}
		return a, false
	}
	x.add("rules", resultSkip, "no rule answered: the engine answers")
	return nil, x.faultOrDelay(prefs, je)
}

// faultOrDelay notes a fault injected instead of the answer; it reports
// whether one was.
func (x *explainer) faultOrDelay(prefs preferences, je JournalEntry) bool {
	if je.fault != "" {
		x.add("fault", resultAnswered, "fault="+je.fault+": the connection was broken on purpose, no whole answer sent")
		return true
	}
	return false
}

func dataName(a *ruleAnswer) string {
	if a.fixture != "" {
		return "fixture " + a.fixture
	}
	return "the dataset"
}

// turn says when a rule answers, for a rule that matched out of turn.
func (rule *scenarioRule) turn() string {
	switch {
	case rule.times > 0:
		return fmt.Sprintf("times: %d, already used in this session", rule.times)
	case rule.after > 0:
		return fmt.Sprintf("after: %d, not yet reached in this session", rule.after)
	case rule.call > 0:
		return fmt.Sprintf("call: %d only", rule.call)
	case !rule.repeat && len(rule.answers) > 1:
		return "its sequence of answers was used up"
	}
	return "its count in this session"
}

// describeMiss says which condition a call failed, and with what.
func (m *ruleMatch) describeMiss(i int, who caller, r *http.Request, params contract.Params) string {
	if i < len(m.query) {
		q := m.query[i]
		p, ok := params.Get(q.name)
		return "query " + q.name + " " + q.m.describe() + ", got " + gotValue(p.Value, ok)
	}
	if i -= len(m.query); i < len(m.headers) {
		h := m.headers[i]
		return "header " + h.name + " " + h.m.describe() + ", got " + gotValue(r.Header.Get(h.name), len(r.Header.Values(h.name)) > 0)
	}
	got := "a valid token"
	switch {
	case who.token == "":
		got = "no token"
	case !who.authenticated:
		got = "a token that is not an API token"
	}
	want := m.token
	if strings.HasPrefix(want, "=") {
		want = "equal to a given token"
	}
	return "token " + want + ", got " + got
}

func gotValue(v string, ok bool) string {
	if !ok {
		return "none"
	}
	return strconv.Quote(v)
}

// describe says what a value match wants.
func (m valueMatch) describe() string {
	switch m.op {
	case "present":
		if m.want {
			return "present"
		}
		return "absent"
	case "matches":
		return "matching /" + m.value + "/"
	}
	return m.op + " " + strconv.Quote(m.value)
}

// query explains the contract's checks of raw and the engine's answer
// from data, with user's verdict when user is set.
func (x *explainer) query(raw string, data *dataset.Dataset, dataName, user string) {
	checks, q, err := x.s.contract.ExplainQuery(raw)
	for _, ch := range checks {
		result, detail := resultPass, ch.Rule
		switch {
		case ch.Skipped:
			result = resultSkip
		case !ch.Passed:
			result = resultFail
		}
		if ch.Given {
			detail = strconv.Quote(ch.Value) + ": " + detail
		} else if ch.Param != "(filter names)" {
			detail = "not given: " + detail
		}
		if len(ch.Messages) > 0 {
			detail += ": " + strings.Join(ch.Messages, " ")
		}
		x.add(ch.Param, result, detail)
	}
	if err != nil {
		var ve *contract.ValidationError
		if errors.As(err, &ve) {
			x.add("answer", resultFail, "422 "+ve.Message)
		}
		return
	}
	e := data.Explain(q)
	x.e.Engine, x.e.Data = &e, dataName
	if user != "" {
		v := data.ExplainUser(q, user)
		x.e.User = &v
	}
}

// explainQuery explains a query string as the engine answers it now,
// from the dataset, without a request's token or scenario.
func (s *Server) explainQuery(raw, user string) Explanation {
	x := &explainer{s: s, lib: s.files.current()}
	x.e = Explanation{Query: redactQuery(raw, s.watch.tokens), Checks: []ExplainCheck{}, Notes: []string{}}
	x.query(raw, x.lib.data, "dataset", user)
	return x.e
}

// handleExplain serves ExplainPath.
func (s *Server) handleExplain(c echo.Context) error {
	s.settleBefore(c)
	q := c.Request().URL.Query()
	user := q.Get("user")
	if q.Has("query") {
		return send(c, jsonReply(http.StatusOK, s.explainQuery(q.Get("query"), user)))
	}
	id, err := strconv.ParseUint(q.Get("id"), 10, 64)
	if err != nil {
		return messageReply(http.StatusBadRequest, "want ?id=N (an exchange of the journal) or ?query=QUERY-STRING, and optionally &user=ID")
	}
	je, ok := s.watch.journal.byID(id)
	if !ok {
		return messageReply(http.StatusNotFound, fmt.Sprintf("exchange %d is not in the journal (it keeps the last %d)", id, s.watch.journal.Size()))
	}
	return send(c, jsonReply(http.StatusOK, s.explainEntry(je, user)))
}
