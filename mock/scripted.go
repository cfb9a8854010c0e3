package mock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// delayFor is how long to wait before the answer.
func (a *ruleAnswer) delayFor() time.Duration {
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

// reply is a scripted answer as it is sent. Without a body, the
// contract's example for the status goes, with its headers (Retry-After
// for 429).
func (a *ruleAnswer) reply(c *contract.Contract) *reply {
	rep := &reply{status: a.status, body: a.bodyFor(c), outside: a.outside}
	if a.body == nil {
		rep.headers = contract.ExampleHeaders(a.status)
	}
	rep.headers = append(rep.headers, a.headers...)
	if a.status == http.StatusTooManyRequests {
		rep.headers = withRateLimitReset(rep.headers, time.Now())
	}
	return rep
}

// withRateLimitReset adds X-RateLimit-Reset, as Laravel's throttle sends
// it on a 429, when a scripted 429 has none: the Unix time Retry-After
// seconds from now (60 without Retry-After). A file cannot hold it: it is
// a time, not a duration.
func withRateLimitReset(headers [][2]string, now time.Time) [][2]string {
	retry := 60
	for _, kv := range headers {
		switch {
		case strings.EqualFold(kv[0], "X-RateLimit-Reset"):
			return headers
		case strings.EqualFold(kv[0], "Retry-After"):
			if n, err := strconv.Atoi(kv[1]); err == nil && n >= 0 {
				retry = n
			}
		}
	}
	reset := now.Add(time.Duration(retry) * time.Second).Unix()
	return append(headers, [2]string{"X-RateLimit-Reset", strconv.FormatInt(reset, 10)})
}

// bodyFor is a scripted answer's body: its own, or the contract's example
// for its status.
func (a *ruleAnswer) bodyFor(c *contract.Contract) []byte {
	if a.body != nil {
		return a.body
	}
	return c.ExampleBody(a.status)
}

// dataOr is the dataset the engine answers from: the answer's fixture, or
// def.
func (a *ruleAnswer) dataOr(def *dataset.Dataset) *dataset.Dataset {
	if a.data != nil {
		return a.data
	}
	return def
}

// outcomeOfStatus names a scripted answer's outcome, for coverage.
func outcomeOfStatus(status int, body []byte) Outcome {
	switch status {
	case http.StatusOK:
		if string(body) == contract.EmptyBody {
			return OutcomeEmpty
		}
		return OutcomeData
	case http.StatusUnauthorized:
		return OutcomeUnauthenticated
	case http.StatusUnprocessableEntity:
		return OutcomeInvalid
	case http.StatusTooManyRequests:
		return OutcomeRateLimited
	}
	return OutcomeNone
}

// The faults a rule can inject.
const (
	faultReset    = "reset"    // the connection is reset (RST), nothing sent
	faultEmpty    = "empty"    // the connection is closed, nothing sent
	faultTruncate = "truncate" // headers and half the body, then closed
)

// isFault reports whether name is a fault odmock can inject.
func isFault(name string) bool {
	return name == faultReset || name == faultEmpty || name == faultTruncate
}

// faultBody is the answer a fault breaks: its status and length, and how
// to write it, streamed, so that half of a big answer never sits in
// memory whole.
type faultBody struct {
	status int
	size   int64
	write  func(io.Writer) error
}

// bytesBody is a faultBody of bytes already in memory (a scripted body,
// an error).
func bytesBody(status int, b []byte) faultBody {
	return faultBody{status: status, size: int64(len(b)), write: func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}}
}

// errHalfSent ends a truncated answer's body at its half.
var errHalfSent = errors.New("half the body sent")

// halfWriter passes n bytes on, then stops the writer with errHalfSent.
type halfWriter struct {
	w io.Writer
	n int64
}

func (h *halfWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > h.n {
		p = p[:h.n]
	}
	n, err := h.w.Write(p)
	h.n -= int64(n)
	if err == nil && h.n == 0 {
		err = errHalfSent
	}
	return n, err
}

// injectFault breaks the connection as the fault says. A truncated answer
// sends the status line, the headers (with the full Content-Length) and,
// but to a HEAD, half the body, streamed with a write deadline renewed on
// progress (idle): a client that stops reading is cut off after idle, as
// on any answer.
func injectFault(c echo.Context, fault string, body faultBody, head bool, idle time.Duration) error {
	conn, _, err := http.NewResponseController(c.Response().Writer).Hijack()
	if err != nil {
		return fmt.Errorf("fault %s: %w", fault, err)
	}
	c.Response().Committed = true
	defer conn.Close()
	switch fault {
	case faultReset:
		if tcp, ok := conn.(*net.TCPConn); ok {
			tcp.SetLinger(0) //nolint:errcheck // best effort: then it is a plain close
		}
	case faultTruncate:
		w := deadlineConn{conn: conn, idle: idle}
		_, err := fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s: true\r\n\r\n",
			body.status, http.StatusText(body.status), body.size, OutsideContractHeader)
		if err != nil || head || body.size < 2 {
			return nil //nolint:nilerr // the client went away: the point is to break anyway
		}
		body.write(&halfWriter{w: w, n: body.size / 2}) //nolint:errcheck // the point is to break
	}
	return nil
}
