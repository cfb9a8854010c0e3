package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// harSchema compiles testdata/har-1.2.schema.json: what the HAR 1.2 spec
// requires of a log, an entry, a request, a response and its timings.
func harSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/har-1.2.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("HAR schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://odmock.test/har-1.2.schema.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		t.Fatalf("HAR schema: %v", err)
	}
	return sch
}

// TestJournalHAR checks that the journal as HAR is a valid HAR 1.2 log,
// entry for entry the journal, with what devtools shows: the URL, the
// query, the status, the size and type of the answer, the time.
func TestJournalHAR(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	ok := s.getAs("ci", apiPath+"?"+janWeek+"&country=fr")
	s.getAs("ci", apiPath+"?from=2024-01-01&api_token=sekrit")
	s.do(http.MethodGet, apiPath+"?"+janWeek, http.Header{SessionHeader: {"ci"}})
	s.getAs("other", apiPath+"?"+janWeek)

	r := s.do(http.MethodGet, JournalPath+"?session=ci&format=har", nil)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET journal?format=har: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if err := harSchema(t).Validate(inst); err != nil {
		t.Fatalf("the journal's HAR is not HAR 1.2: %v\n%s", err, r.body)
	}

	var har struct {
		Log struct {
			Creator struct{ Name string }
			Entries []struct {
				Request struct {
					Method, URL string
					Headers     []struct{ Name, Value string }
					QueryString []struct{ Name, Value string }
				}
				Response struct {
					Status  int
					Content struct {
						Size     int64
						MimeType string
					}
				}
				Odmock struct {
					Session, Outcome string
					Errors           map[string][]string
				} `json:"_odmock"`
			}
		}
	}
	if err := json.Unmarshal(r.body, &har); err != nil {
		t.Fatal(err)
	}
	es := har.Log.Entries
	if har.Log.Creator.Name != "odmock" || len(es) != 3 {
		t.Fatalf("HAR of session ci: creator %q, %d entries, want odmock and 3:\n%s", har.Log.Creator.Name, len(es), r.body)
	}
	first := es[0]
	if want := s.ts.URL + apiPath + "?" + janWeek + "&country=fr"; first.Request.URL != want {
		t.Errorf("entry 1 url = %q, want %q", first.Request.URL, want)
	}
	if first.Response.Status != 200 || first.Response.Content.Size != int64(len(ok.body)) ||
		first.Response.Content.MimeType != ok.header.Get("Content-Type") {
		t.Errorf("entry 1 response = %+v, want 200, %d bytes of %s", first.Response, len(ok.body), ok.header.Get("Content-Type"))
	}
	if len(first.Request.Headers) != 1 || first.Request.Headers[0] != (struct{ Name, Value string }{SessionHeader, "ci"}) {
		t.Errorf("entry 1 headers = %+v, want only the session", first.Request.Headers)
	}
	var country string
	for _, q := range first.Request.QueryString {
		if q.Name == "country" {
			country = q.Value
		}
	}
	if country != "fr" {
		t.Errorf("entry 1 queryString = %+v, want country=fr among them", first.Request.QueryString)
	}
	second := es[1]
	if second.Response.Status != 422 || second.Odmock.Outcome != "invalid" || len(second.Odmock.Errors["from"]) == 0 {
		t.Errorf("entry 2 = %+v, want a 422 with from's errors", second)
	}
	if strings.Contains(string(r.body), "sekrit") || !strings.Contains(second.Request.URL, "api_token=REDACTED") {
		t.Errorf("entry 2 url = %q: a secret in the query must be REDACTED", second.Request.URL)
	}
	if es[2].Response.Status != 401 || es[2].Odmock.Outcome != "unauthenticated" {
		t.Errorf("entry 3 = %+v, want a 401", es[2])
	}

	if r := s.do(http.MethodGet, JournalPath+"?format=xml", nil); r.status != http.StatusBadRequest {
		t.Errorf("GET journal?format=xml: status = %d, want 400", r.status)
	}
}

// TestJournalHARSchemaBites checks that the schema the HAR test relies on
// refuses what HAR 1.2 refuses, so that a broken export cannot pass.
func TestJournalHARSchemaBites(t *testing.T) {
	t.Parallel()
	sch := harSchema(t)
	entry := `{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"http://h/p","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"queryString":[],"headersSize":-1,"bodySize":0},
	  "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","cookies":[],"headers":[],"content":{"size":2,"mimeType":"application/json"},"redirectURL":"","headersSize":-1,"bodySize":2},
	  "cache":{},"timings":{"send":0,"wait":1,"receive":0}}`
	for _, tt := range []struct {
		name, doc string
		valid     bool
	}{
		{"valid", `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[` + entry + `]}}`, true},
		{"no timings", `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[` + strings.Replace(entry, `"timings"`, `"timing"`, 1) + `]}}`, false},
		{"no content", `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[` + strings.Replace(entry, `"content"`, `"contents"`, 1) + `]}}`, false},
		{"relative url", `{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[` + strings.Replace(entry, `http://h/p`, `/p`, 1) + `]}}`, false},
		{"version 1.1", `{"log":{"version":"1.1","creator":{"name":"x","version":"1"},"entries":[]}}`, false},
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if err := sch.Validate(inst); (err == nil) != tt.valid {
			t.Errorf("%s: valid = %v, want %v (%v)", tt.name, err == nil, tt.valid, err)
		}
	}
}
