package mock

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// Exchange is what the server learned about one request and its answer.
// Handlers fill it in as they go; when the answer is sent, it goes to every
// observer: the request log, and whatever else watches traffic.
type Exchange struct {
	Start    time.Time
	Method   string
	Path     string
	Query    string // the raw query string, secrets redacted (see redactQuery)
	Session  string // X-Odmock-Session, else a hash of the token, else ""
	Status   int
	Latency  time.Duration
	Scenario string // the scenario that answered, if any
	Rule     string // the scenario rule that answered, if any
	// Errors are the validation errors the request got (422), in order.
	Errors []FieldErrors
	// Outcome names what the contract did with the request: "data" (a 200
	// with users), "empty" (a 200 with none), "unauthenticated", "invalid"
	// (see Errors for which kinds), "rate-limited", or "" for requests
	// outside the API.
	Outcome string
	// Valid is the request's query, when it was valid.
	Valid *Query
	// OutsideContract is set when the answer is one the contract does not
	// define (a scripted 500, a fault).
	OutsideContract bool
	// Fault is the fault injected instead of an answer, if any.
	Fault string
}

// Observer is told of every exchange once it is answered. It must not
// block: it runs on the request's goroutine.
type Observer func(*Exchange)

const exchangeKey = "odmock.exchange"

// exchangeOf returns the exchange of the request in c.
func exchangeOf(c echo.Context) *Exchange {
	if ex, ok := c.Get(exchangeKey).(*Exchange); ok {
		return ex
	}
	return &Exchange{} // outside observe (a test calling a handler alone)
}

// observe wraps every request in an Exchange and hands it to the
// observers when the answer is out.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ex := &Exchange{
			Start:  time.Now(),
			Method: r.Method,
			Path:   r.URL.Path,
			// Redacted here, so that no observer logs or keeps a secret.
			Query:   redactQuery(r.URL.RawQuery, s.cfg.Tokens),
			Session: sessionOf(r),
		}
		c.Set(exchangeKey, ex)
		err := next(c)
		if err != nil {
			c.Error(err) // answer now, so the status is known
		}
		ex.Status = c.Response().Status
		if ex.Fault != "" {
			ex.Status = 0 // no answer was sent
		}
		ex.Latency = time.Since(ex.Start)
		ex.Errors = redactErrors(ex.Errors, s.cfg.Tokens)
		for _, o := range s.observers {
			o(ex)
		}
		return nil
	}
}

// logExchange is the request log: one line per request.
func (s *Server) logExchange(ex *Exchange) {
	level := slog.LevelInfo
	if ex.Status >= 500 {
		level = slog.LevelWarn
	}
	if strings.HasPrefix(ex.Path, "/__odmock/") && ex.Status < 400 {
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
	s.log.LogAttrs(context.Background(), level, "request", attrs...)
}
