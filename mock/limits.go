package mock

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/odmock/odmock/contract"
)

// Limits bound what one client can cost the server: how long it may take
// to send a request or to read an answer, how big a request may be, and
// how many requests are served at once. In a Config, a zero field takes its
// default from DefaultLimits and a negative one turns that limit off.
type Limits struct {
	// ReadHeaderTimeout is how long a client has to send a request's
	// headers; a slow (slowloris) client is disconnected after it.
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long a client has to send a whole request.
	ReadTimeout time.Duration
	// WriteIdleTimeout is how long an answer may make no progress: a
	// client that stops reading (or vanished without closing) is
	// disconnected after it, however big the answer. A client that keeps
	// reading is never cut.
	WriteIdleTimeout time.Duration
	// IdleTimeout is how long a keep-alive connection may wait for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers; past it (plus
	// net/http's 4 KiB of slack) the answer is 431.
	MaxHeaderBytes int
	// MaxURIBytes caps the request target, path and query; past it the
	// answer is 414, as nginx in front of the real server gives.
	MaxURIBytes int
	// MaxInFlight caps the requests being answered at once, and one
	// client address to half of them, so that no client can take every
	// slot; past it a request waits up to QueueWait for a turn, then gets
	// 503. A request waiting out a scripted delay, or a fault's raw
	// writes, holds no slot.
	MaxInFlight int
	// QueueWait is how long a request waits for a turn when MaxInFlight
	// requests are already being answered.
	QueueWait time.Duration
}

// DefaultLimits are the limits of a server whose Config leaves them zero.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteIdleTimeout:  30 * time.Second,
		IdleTimeout:       75 * time.Second, // nginx's keepalive_timeout
		MaxHeaderBytes:    64 << 10,
		MaxURIBytes:       8 << 10, // nginx's large_client_header_buffers
		MaxInFlight:       256,
		QueueWait:         time.Second,
	}
}

// withDefaults fills zero fields from DefaultLimits and turns negative
// ones into the zero that means "no limit" below.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	dur := func(v *time.Duration, def time.Duration) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	num := func(v *int, def int) {
		switch {
		case *v == 0:
			*v = def
		case *v < 0:
			*v = 0
		}
	}
	dur(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	dur(&l.ReadTimeout, d.ReadTimeout)
	dur(&l.WriteIdleTimeout, d.WriteIdleTimeout)
	dur(&l.IdleTimeout, d.IdleTimeout)
	dur(&l.QueueWait, d.QueueWait)
	num(&l.MaxHeaderBytes, d.MaxHeaderBytes)
	num(&l.MaxURIBytes, d.MaxURIBytes)
	num(&l.MaxInFlight, d.MaxInFlight)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = 1 << 20 // net/http's own default: off is not offered
	}
	return l
}

// progressWriter pushes the connection's write deadline forward as an
// answer makes progress, so an answer is cut only when the client stops
// reading it, not when it is merely big or the client slow. It writes in
// pieces (progressGrain), renewing the deadline before each: a piece
// takes at most a quarter of the idle limit at 16 KB/s. The server's
// WriteTimeout, set to the same duration, covers the writes net/http
// makes after the handler.
type progressWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

// progressGrain is the most written between two renewals of an idle
// limit: what a client reading at 16 KB/s reads in a quarter of it, from
// 4 KiB to 128 KiB. Large pieces are few system calls (at the default
// 30 s, a 32 KiB buffer of an answer is one write, not eight); small
// limits keep them short enough for a slow client.
func progressGrain(idle time.Duration) int {
	return min(max(int(idle.Seconds()*(4<<10)), 4<<10), 128<<10)
}

func (w *progressWriter) Write(p []byte) (int, error) {
	// Without a connection (httptest.NewRecorder) there is no deadline to
	// set: the error says so, and the write goes on.
	return writeInPieces(p, progressGrain(w.idle), w.ResponseWriter.Write, func() {
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	})
}

// writeInPieces writes p with write, grain bytes at a time, calling
// renew before each piece.
func writeInPieces(p []byte, grain int, write func([]byte) (int, error), renew func()) (int, error) {
	n := 0
	for len(p) > 0 {
		renew()
		m, err := write(p[:min(len(p), grain)])
		n += m
		if err != nil {
			return n, err
		}
		p = p[m:]
	}
	return n, nil
}

// deadlineConn writes to a hijacked connection, net/http's deadlines
// gone, with the same rule: the write deadline is renewed on progress.
type deadlineConn struct {
	conn net.Conn
	idle time.Duration
}

func (d deadlineConn) Write(p []byte) (int, error) {
	return writeInPieces(p, progressGrain(d.idle), d.conn.Write, func() {
		if d.idle > 0 {
			_ = d.conn.SetWriteDeadline(time.Now().Add(d.idle))
		}
	})
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// jsonErrorListener makes net/http's own answers JSON. net/http answers a
// request it cannot parse (400), whose headers are too big (431) or whose
// transfer encoding it does not know (501) before any handler runs, with a
// text/plain body; odmock's promise is JSON for every answer.
type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

// jsonErrorConn rewrites net/http's plain-text error answers as they are
// written. net/http writes each one in a single Write, as a status line
// straight followed by exactly these headers; an answer from a handler
// always has a Date header first, so it never looks like one.
type jsonErrorConn struct{ net.Conn }

// plainErrorHeaders are the headers net/http's own error answers carry.
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if out, ok := jsonError(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite keeps net/http's half-close after a 431, which it offers only
// to connections that have one.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// jsonError turns one of net/http's own error answers into Laravel's
// JSON shape; ok is false for anything else. They are the plain-text
// answers to requests it cannot read, and 417 with an empty body to an
// Expect header other than 100-continue (odmock never answers 417 itself).
func jsonError(p []byte) (out []byte, ok bool) {
	const proto = "HTTP/1.1 "
	var code int
	switch {
	case bytes.HasPrefix(p, []byte("HTTP/1.1 417 Expectation Failed\r\n")),
		bytes.HasPrefix(p, []byte("HTTP/1.0 417 Expectation Failed\r\n")):
		code = http.StatusExpectationFailed
	case bytes.HasPrefix(p, []byte(proto)):
		eol := bytes.Index(p, []byte("\r\n"))
		if eol < len(proto)+3 || !bytes.HasPrefix(p[eol:], []byte(plainErrorHeaders)) {
			return nil, false
		}
		var err error
		code, err = strconv.Atoi(string(p[len(proto) : len(proto)+3]))
		if err != nil || code < 400 || code > 599 {
			return nil, false
		}
	default:
		return nil, false
	}
	text := http.StatusText(code)
	if text == "" {
		return nil, false
	}
	body := contract.MessageBody(text)
	out = append(out, p[:len(proto)]...) // the protocol the answer had
	out = append(out, strconv.Itoa(code)+" "+text+"\r\n"...)
	out = append(out, "Content-Type: application/json\r\nCache-Control: no-cache, private\r\nConnection: close\r\nContent-Length: "...)
	out = strconv.AppendInt(out, int64(len(body)), 10)
	out = append(out, "\r\n\r\n"...)
	return append(out, body...), true
}
