package mock

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestLimitsWithDefaults(t *testing.T) {
	t.Parallel()
	d := DefaultLimits()
	tests := []struct {
		name string
		in   Limits
		want Limits
	}{
		{"zero takes the defaults", Limits{}, d},
		{"set values stay", Limits{ReadHeaderTimeout: time.Second, MaxURIBytes: 100, MaxInFlight: 3},
			func() Limits {
				l := d
				l.ReadHeaderTimeout, l.MaxURIBytes, l.MaxInFlight = time.Second, 100, 3
				return l
			}()},
		{"negative turns off", Limits{ReadHeaderTimeout: -1, WriteIdleTimeout: -1, MaxURIBytes: -1, MaxInFlight: -1, QueueWait: -1},
			func() Limits {
				l := d
				l.ReadHeaderTimeout, l.WriteIdleTimeout, l.MaxURIBytes, l.MaxInFlight, l.QueueWait = 0, 0, 0, 0, 0
				return l
			}()},
		{"headers cannot be unlimited", Limits{MaxHeaderBytes: -1},
			func() Limits { l := d; l.MaxHeaderBytes = 1 << 20; return l }()},
	}
	for _, tt := range tests {
		if got := tt.in.withDefaults(); got != tt.want {
			t.Errorf("%s: withDefaults() = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// padQuery is a valid query padded with an unknown parameter so that the
// request target (path and query) is exactly n bytes long.
func padQuery(path string, n int) string {
	base := path + okQuery + "&pad="
	return base + strings.Repeat("x", n-len(base))
}

func TestURILimit(t *testing.T) {
	t.Parallel()
	small := smallConfig()
	small.Limits.MaxURIBytes = 200
	off := smallConfig()
	off.Limits.MaxURIBytes = -1
	tests := []struct {
		name   string
		cfg    Config
		target string
		want   int
	}{
		{"default: at the limit", smallConfig(), padQuery(apiPath, 8192), http.StatusUnprocessableEntity},
		{"default: one byte over", smallConfig(), padQuery(apiPath, 8193), http.StatusRequestURITooLong},
		{"default: far over", smallConfig(), padQuery(apiPath, 40000), http.StatusRequestURITooLong},
		{"other path, over", smallConfig(), "/" + strings.Repeat("a", 9000), http.StatusRequestURITooLong},
		{"configured: at", small, padQuery(apiPath, 200), http.StatusUnprocessableEntity},
		{"configured: over", small, padQuery(apiPath, 201), http.StatusRequestURITooLong},
		{"off", off, padQuery(apiPath, 40000), http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newTestServer(t, tt.cfg)
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				r := s.do(method, tt.target, http.Header{"Authorization": {"Bearer " + DefaultToken}})
				if r.status != tt.want {
					t.Fatalf("%s of %d bytes: status = %d, want %d", method, len(tt.target), r.status, tt.want)
				}
				if want := `{"message":"URI Too Long"}`; method == http.MethodGet && r.status == http.StatusRequestURITooLong && string(r.body) != want {
					t.Errorf("%s: body = %s, want %s", method, r.body, want)
				}
			}
		})
	}
}

// TestURILimitBeforeToken: like nginx in front of Laravel, the length is
// checked before anything else, the token included.
func TestURILimitBeforeToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	r := s.do(http.MethodGet, padQuery(apiPath, 9000), nil)
	if r.status != http.StatusRequestURITooLong {
		t.Errorf("no token, long query: status = %d, want 414", r.status)
	}
}

// TestNetHTTPErrorsAreJSON: what net/http answers itself, before any
// handler, is JSON too.
func TestNetHTTPErrorsAreJSON(t *testing.T) {
	t.Parallel()
	s := startServer(t, smallConfig())
	addr := s.Addr().String()
	get := func(target string, extra ...string) string {
		return "GET " + target + " HTTP/1.1\r\nHost: odmock\r\n" + strings.Join(extra, "") + "\r\n"
	}
	tests := []struct {
		name string
		raw  string
		want int
	}{
		{"huge header", get(apiPath+okQuery, "X-Big: "+strings.Repeat("b", 100<<10)+"\r\n"), http.StatusRequestHeaderFieldsTooLarge},
		{"many headers", get(apiPath+okQuery, strings.Repeat("X-Many: 0123456789012345678901234567890123456789\r\n", 3000)), http.StatusRequestHeaderFieldsTooLarge},
		{"query over the header limit", get(padQuery(apiPath, 100<<10)), http.StatusRequestHeaderFieldsTooLarge},
		{"query over the URI limit", get(padQuery(apiPath, 20<<10)), http.StatusRequestURITooLong},
		{"space in the target", "GET " + apiPath + "?from=a b HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest},
		{"control byte in the target", get(apiPath + "?from=\x01"), http.StatusBadRequest},
		{"no Host", "GET " + apiPath + okQuery + " HTTP/1.1\r\n\r\n", http.StatusBadRequest},
		{"two Hosts", get(apiPath+okQuery, "Host: other\r\n"), http.StatusBadRequest},
		{"bad header line", get(apiPath+okQuery, "no colon here\r\n"), http.StatusBadRequest},
		{"unknown protocol", "GET " + apiPath + " HTTP/9.9\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported},
		{"unknown transfer encoding", "POST " + apiPath + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", http.StatusNotImplemented},
		{"bad content length", "POST " + apiPath + " HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n", http.StatusBadRequest},
		{"unknown expectation", get(apiPath+okQuery, "Expect: tea\r\n"), http.StatusExpectationFailed},
		{"unknown expectation, HTTP/1.0", "GET / HTTP/1.0\r\nExpect: tea\r\n\r\n", http.StatusExpectationFailed},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusNotFound},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawExchange(t, addr, tt.raw)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.want, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			msg := http.StatusText(tt.want)
			switch tt.want {
			case http.StatusRequestURITooLong:
				msg = "URI Too Long" // RFC 9110's name; Go's is older
			case http.StatusNotFound:
				msg = "The route * could not be found."
			}
			if want := `{"message":"` + msg + `"}`; string(body) != want {
				t.Errorf("body = %s, want %s", body, want)
			}
		})
	}
	// The server is still well after all that.
	resp, body := rawExchange(t, addr, get(apiPath+okQuery, "Authorization: Bearer "+DefaultToken+"\r\n"))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), `{"data":[{`) {
		t.Errorf("after the bad requests: status %d, body %.80s", resp.StatusCode, body)
	}
}

func TestJSONErrorRewrite(t *testing.T) {
	t.Parallel()
	// net/http's own answers, as server.go writes them.
	const h = plainErrorHeaders
	tests := []struct {
		name string
		in   string
		want string // "" when left alone
	}{
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + h + "431 Request Header Fields Too Large",
			"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nConnection: close\r\nContent-Length: 45\r\n\r\n" +
				`{"message":"Request Header Fields Too Large"}`},
		{"400 with a reason", "HTTP/1.1 400 Bad Request: missing required Host header" + h + "400 Bad Request: missing required Host header",
			"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nConnection: close\r\nContent-Length: 25\r\n\r\n" +
				`{"message":"Bad Request"}`},
		{"417", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n",
			"HTTP/1.1 417 Expectation Failed\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nConnection: close\r\nContent-Length: 32\r\n\r\n" +
				`{"message":"Expectation Failed"}`},
		{"417, HTTP/1.0", "HTTP/1.0 417 Expectation Failed\r\nConnection: close\r\n\r\n",
			"HTTP/1.0 417 Expectation Failed\r\nContent-Type: application/json\r\nCache-Control: no-cache, private\r\nConnection: close\r\nContent-Length: 32\r\n\r\n" +
				`{"message":"Expectation Failed"}`},
		{"HTTP/1.0 error", "HTTP/1.0 400 Bad Request" + h + "400 Bad Request", ""},
		{"a handler's answer", "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nConnection: close\r\n\r\nhi", ""},
		{"a handler's error", "HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n" + h[2:] + "hi", ""},
		{"a 200 in that shape", "HTTP/1.1 200 OK" + h + "ok", ""},
		{"not a status", "HTTP/1.1 4x1 Odd" + h, ""},
		{"unknown status", "HTTP/1.1 499 Odd" + h, ""},
		{"body bytes", `{"data":[]}`, ""},
		{"short", "HTTP/1.1 ", ""},
	}
	for _, tt := range tests {
		out, ok := jsonError([]byte(tt.in))
		if tt.want == "" {
			if ok {
				t.Errorf("%s: rewritten to %q, want it left alone", tt.name, out)
			}
			continue
		}
		if !ok || string(out) != tt.want {
			t.Errorf("%s: jsonError = %q, %v, want %q", tt.name, out, ok, tt.want)
		}
	}
}

// blockingRoute adds GET /test/block to s: it answers once release is
// closed, and tells entered when it holds its in-flight slot.
func blockingRoute(s *Server) (entered <-chan struct{}, release chan struct{}) {
	in := make(chan struct{}, 16)
	release = make(chan struct{})
	s.echo.GET("/test/block", func(c echo.Context) error {
		in <- struct{}{}
		<-release
		return send(c, &reply{status: http.StatusOK, body: []byte(`{"message":"done"}`)})
	})
	return in, release
}

func TestInFlightCap(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Limits.MaxInFlight = 1
	cfg.Limits.QueueWait = -1
	s := newTestServer(t, cfg)
	seen := exchanges(s.srv, 64)
	entered, release := blockingRoute(s.srv)
	client := s.ts.Client()

	blocked := make(chan error, 1)
	go func() {
		resp, err := client.Get(s.ts.URL + "/test/block")
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		blocked <- err
	}()
	<-entered

	req, _ := http.NewRequest(http.MethodGet, s.ts.URL+apiPath+okQuery, nil)
	req.Header.Set("Authorization", "Bearer "+DefaultToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != `{"message":"Service Unavailable"}` {
		t.Errorf("over the cap: status %d, body %s, want 503 {\"message\":\"Service Unavailable\"}", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("over the cap: Retry-After = %q, want 1", got)
	}
	if ex := waitExchange(t, seen, "503"); ex.Status != http.StatusServiceUnavailable || !ex.OutsideContract {
		t.Errorf("503 exchange: status %d, OutsideContract %v, want 503, true", ex.Status, ex.OutsideContract)
	}
	// Health is not capped: probes answer under load.
	if r := s.do(http.MethodGet, HealthPath, nil); r.status != http.StatusOK {
		t.Errorf("health over the cap: status %d, want 200", r.status)
	}

	close(release)
	if err := <-blocked; err != nil {
		t.Fatalf("blocked request: %v", err)
	}
	if r := s.get(apiPath + okQuery); r.status != http.StatusOK {
		t.Errorf("after the slot is free: status %d, want 200", r.status)
	}
}

func TestInFlightQueue(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Limits.MaxInFlight = 1
	cfg.Limits.QueueWait = time.Minute
	s := newTestServer(t, cfg)
	entered, release := blockingRoute(s.srv)
	first := make(chan struct{})
	go func() {
		defer close(first)
		resp, err := s.ts.Client().Get(s.ts.URL + "/test/block")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}()
	<-entered
	queued := make(chan response, 1)
	go func() { queued <- s.get(apiPath + okQuery) }()
	// Give the second request time to queue; if it is slower, it just
	// finds the slot free, and the test proves less but does not fail.
	time.Sleep(100 * time.Millisecond)
	close(release)
	<-first
	if r := <-queued; r.status != http.StatusOK {
		t.Errorf("queued request: status %d, want 200 once the slot is free", r.status)
	}
}
