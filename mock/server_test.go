package mock

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const (
	okRange   = "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59"
	authOK    = "Bearer " + DefaultToken
	body401   = `{"message":"Unauthenticated."}`
	bothMiss  = `{"message":"The given data was invalid.","errors":{"from":["The from field is required."],"to":["The to field is required."]}}`
	fromMiss  = `{"message":"The given data was invalid.","errors":{"from":["The from field is required."]}}`
	toMiss    = `{"message":"The given data was invalid.","errors":{"to":["The to field is required."]}}`
	fromBad   = `{"message":"The given data was invalid.","errors":{"from":["The from does not match the format Y-m-d H:i:s."]}}`
	toBad     = `{"message":"The given data was invalid.","errors":{"to":["The to does not match the format Y-m-d H:i:s."]}}`
	filterBad = `{"message":"The filter 'invalid_param' is not allowed.","errors":{"filters.invalid_param":["The filter 'invalid_param' is not allowed."]}}`
)

// TestErrorAnswers checks every 401, 404, 405 and 422 of the contract byte
// for byte, and the order of the checks: token, then fields, then filters.
func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		name   string
		method string
		path   string // the whole path and query; empty for the API's path
		query  string
		auth   string // Authorization header; "-" for none
		status int
		body   string
	}{
		{name: "no token", query: okRange, auth: "-", status: 401, body: body401},
		{name: "wrong token", query: okRange, auth: "Bearer nope", status: 401, body: body401},
		{name: "empty bearer", query: okRange, auth: "Bearer ", status: 401, body: body401},
		{name: "lower-case scheme", query: okRange, auth: "bearer " + DefaultToken, status: 401, body: body401},
		{name: "basic scheme", query: okRange, auth: "Basic " + DefaultToken, status: 401, body: body401},
		{name: "token without scheme", query: okRange, auth: DefaultToken, status: 401, body: body401},
		{name: "token with a suffix", query: okRange, auth: authOK + "x", status: 401, body: body401},
		{name: "auth before validation", query: "", auth: "-", status: 401, body: body401},
		{name: "auth before filters", query: okRange + "&invalid_param=1", auth: "Bearer x", status: 401, body: body401},
		{name: "both dates missing", query: "", status: 422, body: bothMiss},
		{name: "from missing", query: "to=2024-01-31%2023:59:59", status: 422, body: fromMiss},
		{name: "to missing", query: "from=2024-01-01%2000:00:00", status: 422, body: toMiss},
		{name: "empty from is missing", query: "from=&to=2024-01-31%2023:59:59", status: 422, body: fromMiss},
		{name: "blank from is missing", query: "from=%20%20&to=2024-01-31%2023:59:59", status: 422, body: fromMiss},
		{name: "date without time", query: "from=2024-01-01&to=2024-01-31%2023:59:59", status: 422, body: fromBad},
		{name: "ISO date", query: "from=2024-01-01T00:00:00Z&to=2024-01-31%2023:59:59", status: 422, body: fromBad},
		{name: "no such day", query: "from=2024-02-30%2000:00:00&to=2024-03-01%2000:00:00", status: 422, body: fromBad},
		{name: "not a leap year", query: "from=2023-02-29%2000:00:00&to=2024-03-01%2000:00:00", status: 422, body: fromBad},
		{name: "hour 24", query: "from=2024-01-01%2000:00:00&to=2024-01-01%2024:00:00", status: 422, body: toBad},
		{name: "second 60", query: "from=2024-01-01%2000:00:60&to=2024-01-01%2023:00:00", status: 422, body: fromBad},
		{name: "one-digit month", query: "from=2024-1-01%2000:00:00&to=2024-01-31%2023:59:59", status: 422, body: fromBad},
		{name: "from as array", query: "from[]=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59", status: 422, body: fromBad},
		{name: "garbage date", query: "from=yesterday&to=%ZZ", status: 422,
			body: `{"message":"The given data was invalid.","errors":{"from":["The from does not match the format Y-m-d H:i:s."],"to":["The to does not match the format Y-m-d H:i:s."]}}`},
		{name: "bad from, missing to", query: "from=nope", status: 422,
			body: `{"message":"The given data was invalid.","errors":{"from":["The from does not match the format Y-m-d H:i:s."],"to":["The to field is required."]}}`},
		{name: "unknown filter", query: okRange + "&invalid_param=x", status: 422, body: filterBad},
		{name: "unknown empty filter", query: okRange + "&invalid_param=", status: 422, body: filterBad},
		{name: "unknown filters listed in order", query: "zeta=1&" + okRange + "&alpha=2", status: 422,
			body: `{"message":"The filter 'zeta' is not allowed.","errors":{"filters.zeta":["The filter 'zeta' is not allowed."],"filters.alpha":["The filter 'alpha' is not allowed."]}}`},
		{name: "repeated unknown listed once", query: okRange + "&x=1&x=2", status: 422,
			body: `{"message":"The filter 'x' is not allowed.","errors":{"filters.x":["The filter 'x' is not allowed."]}}`},
		{name: "dates checked before filters", query: "invalid_param=1", status: 422, body: bothMiss},
		{name: "filter names are case-sensitive", query: okRange + "&Browser=chrome", status: 422,
			body: `{"message":"The filter 'Browser' is not allowed.","errors":{"filters.Browser":["The filter 'Browser' is not allowed."]}}`},
		{name: "unknown filter with slash and unicode", query: okRange + "&a%2Fb%C3%A9=1", status: 422,
			body: `{"message":"The filter 'a\/b\u00e9' is not allowed.","errors":{"filters.a\/b\u00e9":["The filter 'a\/b\u00e9' is not allowed."]}}`},
		{name: "filter as array", query: okRange + "&browser[]=chrome", status: 422,
			body: `{"message":"The given data was invalid.","errors":{"browser":["The browser must be a string."]}}`},
		{name: "unknown path", path: "/public/api/nope", status: 404, body: `{"message":"The route public\/api\/nope could not be found."}`},
		{name: "root file", path: "/index.html", status: 404, body: `{"message":"The route index.html could not be found."}`},
		{name: "POST", method: "POST", query: okRange, status: 405,
			body: `{"message":"The POST method is not supported for route public\/api\/user-interactions. Supported methods: GET, HEAD."}`},
		{name: "admin path's own methods", method: "POST", path: "/__odmock/journal", status: 405,
			body: `{"message":"The POST method is not supported for route __odmock\/journal. Supported methods: GET, HEAD, DELETE."}`},
		{name: "DELETE", method: "DELETE", query: okRange, status: 405,
			body: `{"message":"The DELETE method is not supported for route public\/api\/user-interactions. Supported methods: GET, HEAD."}`},
		{name: "POST with a trailing slash", method: "POST", path: apiPath + "/?" + okRange, status: 405,
			body: `{"message":"The POST method is not supported for route public\/api\/user-interactions. Supported methods: GET, HEAD."}`},
		{name: "user_id as array: display name", query: okRange + "&user_id[]=a", status: 422,
			body: `{"message":"The given data was invalid.","errors":{"user_id":["The user id must be a string."]}}`},
		{name: "ip_address as array: display name", query: okRange + "&ip_address[]=1", status: 422,
			body: `{"message":"The given data was invalid.","errors":{"ip_address":["The ip address must be a string."]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			path := tt.path
			if path == "" {
				path = apiPath + "?" + tt.query
			}
			h := http.Header{}
			switch tt.auth {
			case "":
				h.Set("Authorization", authOK)
			case "-":
			default:
				h.Set("Authorization", tt.auth)
			}
			got := s.do(method, path, h)
			if got.status != tt.status {
				t.Errorf("%s %s: status = %d, want %d (body %s)", method, path, got.status, tt.status, got.body)
			}
			if string(got.body) != tt.body {
				t.Errorf("%s %s: body =\n%s\nwant\n%s", method, path, got.body, tt.body)
			}
			_, methods, _ := strings.Cut(tt.body, "Supported methods: ")
			if want := strings.TrimSuffix(methods, `."}`); got.status == 405 && got.header.Get("Allow") != want {
				t.Errorf("%s %s: Allow = %q, want %q", method, path, got.header.Get("Allow"), want)
			}
		})
	}
}

// TestLaravelQueryReading checks that odmock reads a query as PHP and
// Laravel do, so a request that works here works there.
func TestLaravelQueryReading(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	want := string(s.get(apiPath + "?" + okRange + "&user_id=user_12345").body)
	tests := []struct {
		name  string
		query string
	}{
		{"plus is a space", "from=2024-01-01+00:00:00&to=2024-01-31+23:59:59&user_id=user_12345"},
		{"escaped colons", "from=2024-01-01%2000%3A00%3A00&to=2024-01-31%2023%3A59%3A59&user_id=user_12345"},
		{"values are trimmed", "from=%202024-01-01%2000:00:00%09&to=2024-01-31%2023:59:59%20&user_id=%20user_12345"},
		{"last value wins", "from=bad&from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345"},
		{"dot in a name is an underscore", okRange + "&user.id=user_12345"},
		{"space in a name is an underscore", okRange + "&user%20id=user_12345"},
		{"empty filters are ignored", okRange + "&user_id=user_12345&browser=&country=%20"},
		{"empty pairs are ignored", "&&" + okRange + "&&user_id=user_12345&=x&"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.get(apiPath + "?" + tt.query)
			if got.status != 200 || string(got.body) != want {
				t.Errorf("GET ?%s: status %d, body\n%s\nwant 200\n%s", tt.query, got.status, got.body, want)
			}
		})
	}
}

// TestTokens checks that every configured token works, and only those.
func TestTokens(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Tokens = []string{"alpha", "beta-token"}
	s := newTestServer(t, cfg)
	tests := []struct {
		auth string
		want int
	}{
		{"Bearer alpha", 200},
		{"Bearer beta-token", 200},
		{"Bearer " + DefaultToken, 401},
		{"Bearer alph", 401},
		{"Bearer alpha,junk", 200}, // Laravel stops the token at a comma
		{"Basic x, Bearer beta-token", 200},
	}
	for _, tt := range tests {
		got := s.do(http.MethodGet, apiPath+"?"+okRange, http.Header{"Authorization": {tt.auth}})
		if got.status != tt.want {
			t.Errorf("Authorization %q: status = %d, want %d", tt.auth, got.status, tt.want)
		}
	}
}

// TestHead checks that HEAD answers like GET, without a body.
func TestHead(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	get := s.get(apiPath + "?" + okRange)
	head := s.do(http.MethodHead, apiPath+"?"+okRange, http.Header{"Authorization": {authOK}})
	if head.status != 200 || len(head.body) != 0 {
		t.Fatalf("HEAD: status %d, %d body bytes; want 200 and none", head.status, len(head.body))
	}
	if got, want := head.header.Get("Content-Length"), strconv.Itoa(len(get.body)); got != want {
		t.Errorf("HEAD: Content-Length = %s, want %s (the GET body's length)", got, want)
	}
}

// TestHealth checks the health endpoint needs no token.
func TestHealth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	got := s.do(http.MethodGet, HealthPath, nil)
	if got.status != 200 || !strings.Contains(string(got.body), `"ok"`) {
		t.Errorf("GET %s: status %d, body %s; want 200 ok", HealthPath, got.status, got.body)
	}
}
