package mock

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/odmock/odmock/contract"
)

// exchange is what the server learned about one request and its answer.
// Handlers fill it in as they go; when the answer is sent, it goes to every
// observer: the request log, and whatever else watches traffic.
type exchange struct {
	Start    time.Time
	Method   string
	Path     string
	Query    string // the raw query string, secrets redacted (see redactQuery)
	Session  string // X-Odmock-Session, else a hash of the token, else "anonymous"
	Status   int
	Latency  time.Duration
	Scenario string // the scenario that answered, if any
	Rule     string // the scenario rule that answered, if any
	// Errors are the validation errors the request got (422), in order.
	Errors []contract.FieldErrors
	// Outcome names what the contract did with the request.
	Outcome Outcome
	// Valid is the request's query, when it was valid.
	Valid *contract.Query
	// OutsideContract is set when the answer is one the contract does not
	// define (a scripted 500, a fault).
	OutsideContract bool
	// Fault is the fault injected instead of an answer, if any.
	Fault string
	// Risks name what the client relied on that the real API may do
	// differently (RiskAcceptJSON, ...), for requests to the API.
	Risks []string
	// Cut is set when the client got less of the answer than its
	// Content-Length: it went away, or the server shut down, mid-answer.
	// Sent is the bytes of the body it was sent.
	Cut  bool
	Sent int64

	seq uint64 // the request's number in observations; 0 for /__odmock/
	who caller

	// What the console shows of an exchange, kept by reference, never
	// copied: the request's and the answer's header maps (neither is
	// written once the handler is done), the body of an answer written
	// whole (nil for the engine's 200, which is computed again from the
	// query when asked), and the library it was answered from.
	rawQuery   string
	reqHeader  http.Header
	respHeader http.Header
	body       []byte
	libGen     uint64
}

// Outcome names what the contract did with a request.
type Outcome string

// The outcomes of a request to the contract's path.
const (
	OutcomeNone            Outcome = ""                // not an answer of the contract
	OutcomeData            Outcome = "data"            // a 200 with users
	OutcomeEmpty           Outcome = "empty"           // a 200 with {"data":[]}
	OutcomeUnauthenticated Outcome = "unauthenticated" // a 401
	OutcomeInvalid         Outcome = "invalid"         // a 422; Errors say which kinds
	OutcomeRateLimited     Outcome = "rate-limited"    // a 429
)

// observer is told of every exchange once it is answered. It must not
// block: it runs on the request's goroutine.
type observer func(*exchange)

const exchangeKey = "odmock.exchange"

// exchangeOf returns the exchange of the request in c.
func exchangeOf(c echo.Context) *exchange {
	if ex, ok := c.Get(exchangeKey).(*exchange); ok {
		return ex
	}
	return &exchange{} // outside observe (a test calling a handler alone)
}

// watchers are what learns of every exchange once it is answered: the
// request log, the journal and coverage, in that order; pending holds back
// reads of the journal and coverage until earlier requests are observed.
type watchers struct {
	list     []observer
	pending  observations
	journal  *Journal
	coverage *coverage
	log      *slog.Logger
	tokens   []string // redacted wherever they appear
}

func newWatchers(c *contract.Contract, cfg Config, log *slog.Logger, known func(string) bool, shared *sharedState) *watchers {
	journal := newJournal(cfg.JournalSize)
	if shared != nil {
		journal.store = shared.journalStore(journal.store, cfg.JournalSize)
		journal.mine = newMemJournal(cfg.JournalSize)
	}
	w := &watchers{journal: journal, coverage: newCoverage(c, cfg.maxSessions(), log, shared), log: log, tokens: secrets(cfg)}
	w.coverage.known = known
	w.list = []observer{w.logExchange, w.journalExchange, w.coverage.observe}
	return w
}

// observe wraps every request in an Exchange, works out who sent it, and
// hands the exchange to the watchers when the answer is out.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		who := s.gate.identify(r)
		ex := &exchange{
			Start:  time.Now(),
			Method: r.Method,
			Path:   r.URL.Path,
			// Redacted here, so that no observer logs or keeps a secret.
			Query:     redactQuery(r.URL.RawQuery, s.watch.tokens),
			Session:   who.session,
			who:       who,
			rawQuery:  r.URL.RawQuery,
			reqHeader: r.Header,
		}
		// odmock's own API is neither journaled nor counted: reads of the
		// journal need not wait for each other.
		if !isAdminPath(ex.Path) {
			ex.seq = s.watch.pending.begin()
			defer s.watch.pending.end(ex.seq)
		}
		c.Set(exchangeKey, ex)
		err := next(c)
		if err != nil {
			c.Error(err) // answer now, so the status is known
		}
		resp := c.Response()
		ex.Status, ex.Sent = resp.Status, resp.Size
		ex.respHeader = resp.Header()
		if ex.Fault != "" {
			ex.Status = 0 // no answer was sent
		} else if n, err := strconv.ParseInt(resp.Header().Get("Content-Length"), 10, 64); err == nil && r.Method != http.MethodHead && resp.Size < n {
			ex.Cut = true
		}
		ex.Latency = time.Since(ex.Start)
		ex.Errors = redactErrors(ex.Errors, s.watch.tokens)
		for _, o := range s.watch.list {
			o(ex)
		}
		return nil
	}
}

// secrets are the tokens redacted wherever they appear: the API tokens
// and the admin token.
func secrets(cfg Config) []string {
	out := slices.Clone(cfg.Tokens)
	if cfg.AdminToken != "" {
		out = append(out, cfg.AdminToken)
	}
	return out
}

// logExchange is the request log: one line per request.
func (w *watchers) logExchange(ex *exchange) {
	level := slog.LevelInfo
	if ex.Status >= 500 {
		level = slog.LevelWarn
	}
	if isAdminPath(ex.Path) && ex.Status < 400 {
		level = slog.LevelDebug // health probes would drown the log
	}
	attrs := []slog.Attr{
		slog.String("method", ex.Method),
		slog.String("path", ex.Path),
		slog.Int("status", ex.Status),
		slog.Float64("latency_ms", float64(ex.Latency.Microseconds())/1000),
	}
	if ex.Query != "" {
		attrs = append(attrs, slog.String("query", ex.Query))
	}
	if ex.Session != "" {
		attrs = append(attrs, slog.String("session", ex.Session))
	}
	if ex.Scenario != "" {
		attrs = append(attrs, slog.String("scenario", ex.Scenario))
	}
	if ex.Rule != "" {
		attrs = append(attrs, slog.String("rule", ex.Rule))
	}
	if ex.Fault != "" {
		attrs = append(attrs, slog.String("fault", ex.Fault))
	}
	if ex.OutsideContract {
		attrs = append(attrs, slog.Bool("outside_contract", true))
	}
	if len(ex.Risks) > 0 {
		attrs = append(attrs, slog.String("risks", strings.Join(ex.Risks, ",")))
	}
	if ex.Cut {
		// The status was sent, the answer was not: say what the client got.
		attrs = append(attrs, slog.Bool("cut", true), slog.Int64("sent_bytes", ex.Sent))
		level = max(level, slog.LevelWarn)
	}
	if len(ex.Errors) > 0 {
		var b strings.Builder
		for i, fe := range ex.Errors {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(fe.Field + ": " + strings.Join(fe.Messages, " "))
		}
		attrs = append(attrs, slog.String("errors", b.String()))
	}
	w.log.LogAttrs(context.Background(), level, "request", attrs...)
}

// observations tracks requests between their arrival and the moment their
// observers have run. A client holds its whole answer a moment before the
// server's observers see it: reading the journal or coverage right after
// an answer must wait for that moment (see Server.Settle), or a CI check
// could miss the request it just made.
type observations struct {
	mu      sync.Mutex
	cond    sync.Cond
	next    uint64
	pending map[uint64]struct{}
}

func (o *observations) begin() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil {
		o.pending = map[uint64]struct{}{}
		o.cond.L = &o.mu
	}
	o.next++
	o.pending[o.next] = struct{}{}
	return o.next
}

func (o *observations) end(id uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.pending, id)
	if o.cond.L != nil {
		o.cond.Broadcast()
	}
}

// settle waits until every request that arrived before it, but self, has
// been observed, or until timeout (a request may be held up on purpose, by
// a scenario's delay).
func (o *observations) settle(self uint64, timeout time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.pending == nil {
		return
	}
	upto := o.next
	expired := false
	t := time.AfterFunc(timeout, func() {
		o.mu.Lock()
		expired = true
		o.cond.Broadcast()
		o.mu.Unlock()
	})
	defer t.Stop()
	for !expired {
		earlier := false
		for id := range o.pending {
			if id <= upto && id != self {
				earlier = true
				break
			}
		}
		if !earlier {
			return
		}
		o.cond.Wait()
	}
}

// settleTimeout bounds how long a read of the journal or coverage waits
// for requests still being answered.
const settleTimeout = 2 * time.Second

// Settle waits until every request answered so far is in the journal, the
// log and coverage (at most a couple of seconds, for requests a scenario
// holds up). Read them after Settle to see all a client has done.
func (s *Server) Settle() { s.watch.pending.settle(0, settleTimeout) }

// settleBefore is Settle for a request to odmock's own API: it waits for
// the requests that came before it.
func (s *Server) settleBefore(c echo.Context) {
	s.watch.pending.settle(exchangeOf(c).seq, settleTimeout)
}
