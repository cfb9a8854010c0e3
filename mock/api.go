package mock

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// handleInteractions serves GET (and HEAD) /public/api/user-interactions:
// the Prefer header and the active scenario first, then the engine.
func (s *Server) handleInteractions(c echo.Context) error {
	r := c.Request()
	ex := exchangeOf(c)
	lib := s.files.current()
	ex.libGen = lib.gen
	prefs, err := parsePrefer(r.Header.Values("Prefer"))
	if err != nil {
		return outsideReply(http.StatusBadRequest, err.Error())
	}
	ex.Risks = requestRisks(r, nil)
	answer := &ruleAnswer{} // the engine, on the dataset
	name := prefs.Scenario
	if name == "" {
		name = s.scenarios.activeFor(ex.who.session)
	}
	if name != "" {
		sc := lib.scenarios[name]
		if sc == nil {
			return outsideReply(http.StatusBadRequest, unknownScenario(name, lib.scenarioNames()).Error())
		}
		// Prefer: code= answers instead of the scenario: its rules are
		// neither consulted nor counted, and it is not applied.
		if prefs.Code == 0 {
			ex.Scenario = name
			if rule, a := s.scenarios.pick(sc, ex.who, r); rule != nil {
				ex.Rule, answer = rule.Name, a
			}
		}
	}
	if prefs.Code != 0 {
		answer = &ruleAnswer{status: prefs.Code}
		prefs.without("scenario")
	}
	// Said only once every preference is accepted: a rejected one gets a
	// 400 and no Preference-Applied.
	if len(prefs.Applied) > 0 {
		c.Response().Header().Set("Preference-Applied", strings.Join(prefs.Applied, ", "))
	}
	delay := answer.delayFor()
	if prefs.Delay > 0 {
		delay = prefs.Delay
	}
	if delay > 0 {
		// A delayed request waits without its in-flight slot: a client
		// holding 256 delayed requests must not lock everyone out.
		sl := slotOf(c)
		sl.release()
		if sleep(r.Context(), delay) != nil {
			return nil // the client gave up waiting
		}
		if !sl.reacquire(r.Context()) {
			return serverFull()
		}
		// A delay longer than the write timeout must not doom the answer
		// (a fault's raw writes, a HEAD's headers): the clock starts now.
		if idle := s.gate.limits.WriteIdleTimeout; idle > 0 {
			_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(idle))
		}
	}
	fault := answer.fault
	if prefs.Fault != "" {
		fault = prefs.Fault
	}
	if fault != "" {
		ex.OutsideContract, ex.Fault = true, fault
		body := bytesBody(answer.status, answer.bodyFor(s.contract))
		if !answer.scripted() {
			body = s.engineBody(ex.who, r, answer.dataOr(lib.data))
		}
		// Written outside net/http, for as long as the client reads:
		// not under the in-flight cap.
		slotOf(c).release()
		return injectFault(c, fault, body, r.Method == http.MethodHead, s.gate.limits.WriteIdleTimeout)
	}
	if answer.scripted() {
		rep := answer.reply(s.contract)
		ex.Outcome = outcomeOfStatus(rep.status, rep.body)
		if ex.Outcome == OutcomeInvalid {
			// Observed by what it is: its errors count toward coverage
			// and go to the journal, as the engine's would.
			ex.Errors, _ = s.contract.ReadValidationBody(rep.body)
		}
		return send(c, rep)
	}
	nonJSON := s.cfg.NonJSONClients
	if prefs.NonJSON != "" {
		nonJSON = prefs.NonJSON
	}
	return s.answerFromEngine(c, answer.dataOr(lib.data), nonJSON == NonJSONRedirect)
}

// answerFromEngine is the real API's behaviour: throttle, authenticate,
// validate, query, stream. With redirect, a client that does not ask for
// JSON gets the real server's 302 instead of a 401 or 422.
func (s *Server) answerFromEngine(c echo.Context, data *dataset.Dataset, redirect bool) error {
	r := c.Request()
	ex := exchangeOf(c)
	w := c.Response()
	if rep := s.gate.throttle(ex.who, w.Header()); rep != nil {
		ex.Outcome = OutcomeRateLimited
		return rep
	}
	q, err := s.validate(ex.who, r)
	var ve *contract.ValidationError
	switch {
	case errors.Is(err, contract.ErrUnauthenticated):
		ex.Outcome = OutcomeUnauthenticated
		if redirect && !wantsJSON(r) {
			return redirectFor(c, http.StatusUnauthorized)
		}
		return err
	case errors.As(err, &ve):
		ex.Outcome, ex.Errors = OutcomeInvalid, ve.Errors
		if redirect && !wantsJSON(r) {
			return redirectFor(c, http.StatusUnprocessableEntity)
		}
		return err
	case err != nil:
		return err
	}
	ex.Valid = &q
	ex.Risks = requestRisks(r, &q)
	res := data.Query(q)
	ex.Outcome = OutcomeData
	if res.Len() == 0 {
		ex.Outcome = OutcomeEmpty
	}
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

// validate checks a request in the real server's order: the token, then
// the query.
func (s *Server) validate(who caller, r *http.Request) (contract.Query, error) {
	if !who.authenticated {
		return contract.Query{}, contract.ErrUnauthenticated
	}
	return s.contract.ValidateQuery(r.URL.RawQuery)
}

// engineBody is the engine's answer to r, for a truncated fault.
func (s *Server) engineBody(who caller, r *http.Request, data *dataset.Dataset) faultBody {
	q, err := s.validate(who, r)
	if status, body, ok := contract.ErrorAnswer(err); ok {
		return bytesBody(status, body)
	} else if err != nil {
		return bytesBody(http.StatusInternalServerError, contract.MessageBody("Server Error"))
	}
	res := data.Query(q)
	return faultBody{status: http.StatusOK, size: res.Size(), write: func(w io.Writer) error {
		_, err := res.WriteTo(w)
		return err
	}}
}
