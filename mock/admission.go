package mock

import (
	"log/slog"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
)

// admission decides what a request may cost before anything answers it:
// who it is from (the API tokens), where it may come from (CORS), how big
// and slow it may be and how many are served at once (Limits), how often
// a client may call (the rate limit), and who may use the admin API.
type admission struct {
	tokens   contract.TokenSet
	cors     corsPolicy
	limits   Limits       // with defaults filled in
	inFlight *inFlight    // the in-flight cap; nil when off
	limiter  *rateLimiter // nil when off
	rateBy   string       // RateLimitByAddress or RateLimitByToken
	admin    *contract.TokenSet
	guard    adminGuard // what the admin API refuses from other origins
	// busy is how many requests are being answered, the admin API's too,
	// and lastDone when the last one ended, as time since epoch.
	busy     atomic.Int64
	lastDone atomic.Int64
	epoch    time.Time
	quiet    atomic.Int64 // quietFor, in ns; other values in tests
}

// quietFor is how long the server must have answered nothing to be idle:
// longer than the gap between one client's requests sent back to back.
const quietFor = 50 * time.Millisecond

// idle reports whether no request is being answered, nor has been for
// quietFor. Health probes do not count.
func (a *admission) idle() bool {
	return a.busy.Load() == 0 && time.Since(a.epoch)-time.Duration(a.lastDone.Load()) >= time.Duration(a.quiet.Load())
}

// answered ends a request counted in busy.
func (a *admission) answered() {
	a.lastDone.Store(int64(time.Since(a.epoch)))
	a.busy.Add(-1)
}

// Messages of the answers the limits give, in Laravel's {"message": ...}
// shape: the status texts, as Symfony's HttpException renders them.
const (
	msgURITooLong         = "URI Too Long"
	msgServiceUnavailable = "Service Unavailable"
)

func newAdmission(cfg Config, log *slog.Logger, shared *sharedState) (*admission, error) {
	cors, err := newCORSPolicy(cfg.CORSOrigins, cfg.CORSCredentials, cfg.CORSExpose)
	if err != nil {
		return nil, err
	}
	a := &admission{
		tokens: contract.NewTokenSet(cfg.Tokens),
		cors:   cors,
		limits: cfg.Limits.withDefaults(),
		rateBy: cfg.RateLimitBy,
		guard:  newAdminGuard(cfg),
		epoch:  time.Now(),
	}
	a.quiet.Store(int64(quietFor))
	a.lastDone.Store(math.MinInt64 / 2) // none yet: idle from the start
	if a.limits.MaxInFlight > 0 {
		a.inFlight = newInFlight(a.limits.MaxInFlight, a.limits.QueueWait)
	}
	if cfg.RateLimit > 0 {
		a.limiter = newRateLimiter(cfg.RateLimit, cfg.maxSessions(), time.Now, log)
		if shared != nil {
			a.limiter.buckets = shared.rateBuckets(a.limiter.buckets, cfg.maxSessions(), log)
		}
	}
	if cfg.AdminToken != "" {
		admin := contract.NewTokenSet([]string{cfg.AdminToken})
		a.admin = &admin
	}
	return a, nil
}

// identify works out who sent r.
func (a *admission) identify(r *http.Request) caller { return identify(r, a.tokens) }

// limit applies the per-request limits: the request target's length (414),
// the in-flight cap (503), and the write-progress deadline; it counts the
// requests being answered, for idle. odmock's own
// /__odmock/ paths skip the cap, so health probes answer under load.
func (a *admission) limit(next echo.HandlerFunc) echo.HandlerFunc {
	l := a.limits
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.Path != HealthPath { // probes are answered from memory, often
			a.busy.Add(1)
			defer a.answered()
		}
		if l.MaxURIBytes > 0 && len(r.RequestURI) > l.MaxURIBytes {
			return messageReply(http.StatusRequestURITooLong, msgURITooLong)
		}
		if a.inFlight != nil && !isAdminPath(r.URL.Path) {
			addr := exchangeOf(c).who.host
			if !a.inFlight.acquire(r.Context(), addr) {
				return serverFull()
			}
			sl := &slot{f: a.inFlight, addr: addr, held: true}
			c.Set(slotKey, sl)
			defer sl.release()
		}
		if l.WriteIdleTimeout > 0 {
			w := c.Response()
			w.Writer = &progressWriter{
				ResponseWriter: w.Writer,
				rc:             http.NewResponseController(w.Writer),
				idle:           l.WriteIdleTimeout,
			}
		}
		return next(c)
	}
}

// serverFull is the 503 past the in-flight cap.
func serverFull() *reply {
	rep := messageReply(http.StatusServiceUnavailable, msgServiceUnavailable)
	rep.headers, rep.outside = [][2]string{{"Retry-After", "1"}}, true
	return rep
}

// throttle counts a call against the rate limit and sets Laravel's
// headers on h. It returns the 429 when the caller is over the limit.
func (a *admission) throttle(who caller, h http.Header) *reply {
	if a.limiter == nil {
		return nil
	}
	d := a.limiter.take(who.rateKey(a.rateBy))
	for _, kv := range d.headers(a.limiter.limit) {
		setHeader(h, kv[0], kv[1])
	}
	if !d.allowed {
		return messageReply(http.StatusTooManyRequests, contract.MsgTooManyAttempts)
	}
	return nil
}

// requireAdmin answers 401 to admin requests without the admin token, when
// one is configured. API tokens never pass.
func (a *admission) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.admin != nil && !a.admin.Has(contract.BearerToken(c.Request().Header.Get("Authorization"))) {
			rep := messageReply(http.StatusUnauthorized, contract.MsgUnauthenticated)
			rep.headers = [][2]string{{"WWW-Authenticate", `Bearer realm="odmock admin"`}}
			return rep
		}
		return next(c)
	}
}
