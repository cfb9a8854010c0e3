package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// OutsideContractHeader marks an answer the contract does not define: a
// scripted 500, a fault, an odmock usage error.
const OutsideContractHeader = "X-Odmock-Outside-Contract"

// SessionHeader names the session a request belongs to. Call counters
// and per-session scenarios are kept per session, so parallel CI jobs
// against one server do not disturb each other.
const SessionHeader = "X-Odmock-Session"

// sessionOf is a request's session: its X-Odmock-Session header, else a
// short hash of its token (never the token itself), else "anonymous".
func sessionOf(r *http.Request) string {
	if s := strings.TrimSpace(r.Header.Get(SessionHeader)); s != "" {
		if len(s) > 128 {
			s = s[:128]
		}
		return s
	}
	if t := bearerToken(r.Header.Get("Authorization")); t != "" {
		return tokenSession(t)
	}
	return "anonymous"
}

// tokenSession names the session of a token without holding the token.
func tokenSession(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "token-" + hex.EncodeToString(sum[:6])
}

// callCounter counts, per session, the calls each rule has matched.
type callCounter struct {
	mu     sync.Mutex
	counts map[callKey]int
}

type callKey struct {
	session, scenario string
	rule              int
}

// maxCounters bounds the counters' memory: past it, every count restarts.
const maxCounters = 100_000

func (cc *callCounter) next(k callKey) int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.counts == nil || len(cc.counts) >= maxCounters {
		cc.counts = map[callKey]int{}
	}
	cc.counts[k]++
	return cc.counts[k]
}

// reset forgets the counts of one session, or of all when session is "".
func (cc *callCounter) reset(session string) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	for k := range cc.counts {
		if session == "" || k.session == session {
			delete(cc.counts, k)
		}
	}
}

// activeScenarios is the scenario in force: for the whole server, and
// per session (which wins).
type activeScenarios struct {
	mu        sync.RWMutex
	global    string
	bySession map[string]string
}

func (a *activeScenarios) get(session string) string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if name, ok := a.bySession[session]; ok {
		return name
	}
	return a.global
}

// set makes name the active scenario of session, or of the server when
// session is "". An empty name clears it.
func (a *activeScenarios) set(session, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if session == "" {
		a.global = name
		return
	}
	if a.bySession == nil {
		a.bySession = map[string]string{}
	}
	if name == "" {
		delete(a.bySession, session)
		return
	}
	if len(a.bySession) >= maxCounters {
		a.bySession = map[string]string{}
	}
	a.bySession[session] = name
}

// inUse lists the scenarios some session or the server has active.
func (a *activeScenarios) inUse() map[string]bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	used := map[string]bool{}
	if a.global != "" {
		used[a.global] = true
	}
	for _, n := range a.bySession {
		used[n] = true
	}
	return used
}

// pick finds the rule of sc that answers this call, and its answer.
func (s *Server) pick(sc *Scenario, session string, r *http.Request) (*Rule, *Answer) {
	var params []rawParam
	for i, rule := range sc.Rules {
		if len(rule.match.query) > 0 && params == nil {
			params = parseQuery(r.URL.RawQuery)
		}
		if !s.matches(&rule.match, r, params) {
			continue
		}
		n := s.counters.next(callKey{session: session, scenario: sc.Name, rule: i})
		if rule.times > 0 && n > rule.times || rule.after > 0 && n <= rule.after || rule.call > 0 && n != rule.call {
			continue
		}
		k := n - rule.after - 1 // this rule's answers so far
		if rule.repeat {
			k %= len(rule.answers)
		} else if k >= len(rule.answers) {
			continue
		}
		return rule, rule.answers[k]
	}
	return nil, nil
}

func (s *Server) matches(m *ruleMatch, r *http.Request, params []rawParam) bool {
	for _, q := range m.query {
		p, ok := findParam(params, q.name)
		if !q.m.test(p.value, ok) {
			return false
		}
	}
	for _, h := range m.headers {
		values := r.Header.Values(h.name)
		v := ""
		if len(values) > 0 {
			v = values[0]
		}
		if !h.m.test(v, len(values) > 0) {
			return false
		}
	}
	switch auth := r.Header.Get("Authorization"); {
	case m.token == "":
	case m.token == "valid":
		return s.val.tokens.check(auth)
	case m.token == "invalid":
		return bearerToken(auth) != "" && !s.val.tokens.check(auth)
	case m.token == "missing":
		return bearerToken(auth) == ""
	default:
		return bearerToken(auth) == m.token[1:]
	}
	return true
}

// delayFor is how long to wait before the answer.
func (a *Answer) delayFor() time.Duration {
	if a.delayMax > a.delay {
		return a.delay + time.Duration(rand.Int64N(int64(a.delayMax-a.delay)+1))
	}
	return a.delay
}

// sleep waits d, or until the client gives up.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeScripted sends a scripted answer. Without a body, the contract's
// example for the status goes, with its headers (Retry-After for 429).
func (s *Server) writeScripted(c echo.Context, a *Answer) {
	w := c.Response()
	body := s.scriptedBody(a)
	if a.body == nil {
		for _, h := range exampleHeaders(a.status) {
			setHeader(w.Header(), h[0], h[1])
		}
	}
	for _, h := range a.headers {
		setHeader(w.Header(), h[0], h[1])
	}
	if a.outside {
		w.Header().Set(OutsideContractHeader, "true")
	}
	if c.Request().Method == http.MethodHead {
		body = nil
	}
	writeJSON(w, a.status, body)
}

// scriptedBody is a scripted answer's body: its own, or the contract's
// example for its status.
func (s *Server) scriptedBody(a *Answer) []byte {
	if a.body != nil {
		return a.body
	}
	return exampleBody(s.contract, a.status)
}

// dataOr is the dataset the engine answers from: the answer's fixture, or
// def.
func (a *Answer) dataOr(def *Dataset) *Dataset {
	if a.data != nil {
		return a.data
	}
	return def
}

// outcomeOfStatus names a scripted answer's outcome, for coverage.
func outcomeOfStatus(status int, body []byte) string {
	switch status {
	case http.StatusOK:
		if string(body) == emptyBody {
			return "empty"
		}
		return "data"
	case http.StatusUnauthorized:
		return "unauthenticated"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusTooManyRequests:
		return "rate-limited"
	}
	return ""
}

// writeOutside answers an odmock usage error (a bad Prefer header, an
// unknown scenario): 400, marked outside the contract.
func writeOutside(c echo.Context, status int, msg string) error {
	exchangeOf(c).OutsideContract = true
	c.Response().Header().Set(OutsideContractHeader, "true")
	writeJSON(c.Response(), status, messageBody("odmock: "+msg))
	return nil
}

// injectFault breaks the connection as the fault says. body is what a
// truncated answer would have been in full.
func injectFault(c echo.Context, fault string, status int, body []byte) error {
	conn, rw, err := http.NewResponseController(c.Response().Writer).Hijack()
	if err != nil {
		return fmt.Errorf("fault %s: %w", fault, err)
	}
	c.Response().Committed = true
	defer conn.Close()
	switch fault {
	case FaultReset:
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) //nolint:errcheck // best effort: then it is a plain close
		}
	case FaultTruncate:
		var head bytes.Buffer
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s: true\r\n\r\n",
			status, http.StatusText(status), len(body), OutsideContractHeader)
		rw.Write(head.Bytes())       //nolint:errcheck // the point is to break
		rw.Write(body[:len(body)/2]) //nolint:errcheck
		rw.Flush()                   //nolint:errcheck
	}
	return nil
}

// rateKey is who a request counts against: its token when valid, else
// its client address, as Laravel keys by user, else by IP.
func (s *Server) rateKey(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); s.val.tokens.check(auth) {
		return tokenSession(bearerToken(auth))
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip-" + host
}
