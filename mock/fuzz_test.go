package mock

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/odmock/odmock/contract"
)

// The fuzz targets run as regular tests on their seeds (f.Add and
// testdata/fuzz/NAME) with every `go test`; `go test -fuzz NAME` explores
// further. A failing input found by fuzzing is written to
// testdata/fuzz/NAME, where it stays as a regular test case.

// fuzzServer is one small server for all fuzz inputs: building a dataset
// per input would leave no time for fuzzing.
var fuzzServer = sync.OnceValues(func() (*Server, error) {
	cfg := smallConfig()
	cfg.Users = 40
	return New(cfg)
})

// fuzzAuth is the Authorization header of a fuzz input's auth choice.
func fuzzAuth(choice byte, raw string) string {
	switch choice % 6 {
	case 0:
		return ""
	case 1:
		return "Bearer " + DefaultToken
	case 2:
		return "Bearer not-" + DefaultToken
	case 3:
		return "Basic " + DefaultToken
	case 4:
		return "Bearer " + DefaultToken + ", Bearer " + raw
	default:
		return "Bearer " + raw
	}
}

var fuzzMethods = []string{http.MethodGet, http.MethodGet, http.MethodHead, http.MethodPost, http.MethodDelete, "PROPFIND"}

// contractStatuses are the statuses the contract defines for its path.
var contractStatuses = []int{http.StatusOK, http.StatusUnauthorized, http.StatusMethodNotAllowed,
	http.StatusRequestURITooLong, http.StatusUnprocessableEntity, http.StatusTooManyRequests}

// FuzzQuery sends any raw query string, with any of a few tokens and
// methods, through the whole handler: every answer is one the contract
// defines, in JSON, and nothing panics.
func FuzzQuery(f *testing.F) {
	seeds := []string{
		"",
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59",
		"from=2024-01-01+00:00:00&to=2024-01-31+23:59:59&browser=chrome&country=US",
		"from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59&user_id=user_12345&selected_scenario=customer_support",
		"from=2024-02-30%2000:00:00&to=2024-01-01%2024:00:00",
		"from[]=x&to[a]=y&browser[]=z",
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&invalid_param=1&other=2",
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&email=%25%5F%5C&os=_%25_",
		"from=%&to=%zz&%=%&&&=&[=]&a.b c=1",
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=%ff%fe%00",
		"from=%202024-01-01%2000:00:00%20&to=2024-01-31T23:59:59Z",
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=" + strings.Repeat("%25a", 300),
		"from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&pad=" + strings.Repeat("x", 8200),
	}
	for i, q := range seeds {
		f.Add(q, byte(i), byte(i/3))
	}
	f.Fuzz(func(t *testing.T, raw string, auth, method byte) {
		s, err := fuzzServer()
		if err != nil {
			t.Fatal(err)
		}
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		req := httptest.NewRequest(m, apiPath, nil)
		req.URL.RawQuery = raw
		req.RequestURI = apiPath + "?" + raw
		if a := fuzzAuth(auth, raw); a != "" {
			req.Header.Set("Authorization", a)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		status, body := rec.Code, rec.Body.Bytes()
		if !slices.Contains(contractStatuses, status) {
			t.Fatalf("%s ?%q: status %d, not one the contract defines\nbody: %.300s", m, raw, status, body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%s ?%q: Content-Type %q, want application/json", m, raw, ct)
		}
		if m != http.MethodHead && !json.Valid(body) {
			t.Fatalf("%s ?%q: body is not JSON: %.300s", m, raw, body)
		}
		// The contract's schemas check the answer; kin-openapi reads the
		// request's method and path, not its query.
		if err := s.Contract().ValidateResponse(context.Background(), req, status, rec.Header(), body); err != nil {
			t.Fatalf("%s ?%q: answer breaks openapi.yaml: %v\nstatus %d, body: %.300s", m, raw, err, status, body)
		}
		// The order of checks: length, then method, then token.
		switch {
		case len(req.RequestURI) > DefaultLimits().MaxURIBytes:
			if status != http.StatusRequestURITooLong {
				t.Fatalf("%s ?%q of %d bytes: status %d, want 414", m, raw, len(req.RequestURI), status)
			}
		case m != http.MethodGet && m != http.MethodHead:
			if status != http.StatusMethodNotAllowed {
				t.Fatalf("%s ?%q: status %d, want 405", m, raw, status)
			}
		case contract.BearerToken(req.Header.Get("Authorization")) != DefaultToken:
			if status != http.StatusUnauthorized {
				t.Fatalf("%s ?%q with %q: status %d, want 401", m, raw, req.Header.Get("Authorization"), status)
			}
		}
	})
}

// rawTarget is one real server for FuzzRawRequest, and a count of the
// answers it gave that no client input may get: a 5xx, or one marked
// outside the contract.
type rawTarget struct {
	s   *Server
	bad atomic.Int64
}

var rawServer = sync.OnceValues(func() (*rawTarget, error) {
	cfg := smallConfig()
	cfg.Users = 40
	cfg.Addr = "127.0.0.1:0"
	cfg.Limits.ReadHeaderTimeout = 2 * time.Second
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	rt := &rawTarget{s: s}
	s.watch.list = append(s.watch.list, func(ex *exchange) {
		if ex.Status >= 500 || ex.OutsideContract {
			rt.bad.Add(1)
		}
	})
	return rt, s.Start()
})

// FuzzRawRequest sends any bytes to a real server as requests. The first
// answer is well-formed HTTP with a JSON body, and no answer is a 5xx but
// net/http's 501 (unknown transfer coding) and 505 (unknown HTTP version),
// which are about the protocol, not the request.
func FuzzRawRequest(f *testing.F) {
	auth := "Authorization: Bearer " + DefaultToken + "\r\n"
	for _, r := range []string{
		rawGet,
		"GET " + apiPath + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n",
		"HEAD " + apiPath + okQuery + " HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n",
		"POST " + apiPath + " HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"GET " + apiPath + okQuery + " HTTP/1.0\r\n" + auth + "\r\n",
		"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET " + HealthPath + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT odmock:443 HTTP/1.1\r\nHost: odmock:443\r\n\r\n",
		"GET " + apiPath + okQuery + " HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n" + auth + "\r\n",
		"GET " + apiPath + okQuery + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"GET " + apiPath + okQuery + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n",
		"GET http://odmock" + apiPath + okQuery + " HTTP/1.1\r\nHost: y\r\n" + auth + "\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET \x00 HTTP/1.1\r\n\r\n",
		"\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
		rawGet + "POST " + apiPath + " HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /x HTTP/1.1\r\n\r\n",
		"garbage",
	} {
		f.Add([]byte(r))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 256<<10 {
			return
		}
		rt, err := rawServer()
		if err != nil {
			t.Fatal(err)
		}
		badBefore := rt.bad.Load()
		conn, err := net.Dial("tcp", rt.s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		conn.Write(raw) //nolint:errcheck // the server may hang up first
		// No more is coming: an unfinished request is dropped at once.
		conn.(*net.TCPConn).CloseWrite()
		answer, err := io.ReadAll(conn)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%q: the connection is still open 20s after the request", raw)
		}
		// The server closed the connection after its last answer, and
		// after telling the observers of it.
		if n := rt.bad.Load() - badBefore; n > 0 {
			t.Fatalf("%q: %d answers were 5xx or outside the contract\n%q", raw, n, answer)
		}
		if len(answer) == 0 {
			return // nothing complete to answer
		}
		// The first answer; later ones' framing depends on requests
		// that net/http read differently, and the observer checked them.
		req := &http.Request{Method: http.MethodGet}
		if bytes.HasPrefix(raw, []byte("HEAD ")) {
			req.Method = http.MethodHead
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(answer)), req)
		if err != nil {
			t.Fatalf("%q: the answer is not HTTP: %v\n%q", raw, err, answer)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%q: the answer's body: %v\n%q", raw, err, answer)
		}
		if c := resp.StatusCode; c >= 500 && c != http.StatusNotImplemented && c != http.StatusHTTPVersionNotSupported {
			t.Fatalf("%q: the answer is %s\n%q", raw, resp.Status, answer)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("%q: Content-Type %q, want application/json\n%q", raw, ct, answer)
		}
		if req.Method != http.MethodHead && !json.Valid(body) {
			t.Fatalf("%q: the body is not JSON\n%q", raw, answer)
		}
	})
}
