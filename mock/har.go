package mock

import (
	"net/http"
	"net/url"
	"runtime/debug"
	"sort"
	"time"
)

// The journal as HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/),
// the format browser devtools and proxies import: GET
// /__odmock/journal?format=har. The journal keeps no headers (they carry
// tokens) and no bodies, so each entry holds what is known: the request's
// method, URL, query and session, the answer's status, size, type and
// time. odmock's own account of the exchange (outcome, scenario, rule,
// validation errors, risks) is in each entry's "_odmock", as the spec
// allows custom fields whose names start with an underscore.

type harDoc struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
	Comment string     `json:"comment,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Odmock          harOdmock   `json:"_odmock"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	QueryString []harNameValue `json:"queryString"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

type harResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	Content     harContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int64          `json:"bodySize"`
	Comment     string         `json:"comment,omitempty"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Comment  string `json:"comment,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// harOdmock is odmock's account of an exchange, as the journal has it.
type harOdmock struct {
	ID       uint64        `json:"id"`
	Session  string        `json:"session"`
	Outcome  Outcome       `json:"outcome"`
	Scenario string        `json:"scenario"`
	Rule     string        `json:"rule"`
	Errors   JournalErrors `json:"errors"`
	Risks    []string      `json:"risks"`
}

// journalHAR turns journal entries into a HAR document; base is the
// server's base URL as the client reached it (http://host:port).
func journalHAR(entries []JournalEntry, base string) harDoc {
	version := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		version = bi.Main.Version
	}
	doc := harDoc{Log: harLog{
		Version: "1.2",
		Creator: harCreator{Name: "odmock", Version: version},
		Entries: make([]harEntry, 0, len(entries)),
		Comment: "odmock's request journal: no headers (they carry tokens) and no bodies are kept; secrets in queries are REDACTED",
	}}
	for _, e := range entries {
		u := base + e.Path
		if e.Query != "" {
			u += "?" + e.Query
		}
		qs := []harNameValue{}
		names := make([]string, 0, len(e.Params))
		for name := range e.Params {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			for _, v := range e.Params[name] {
				qs = append(qs, harNameValue{Name: name, Value: v})
			}
		}
		headers := []harNameValue{}
		if e.Session != "" {
			// The session is a name the client chose (or a hash), never
			// a token; the header is what it was sent as.
			headers = append(headers, harNameValue{Name: SessionHeader, Value: e.Session})
		}
		resp := harResponse{
			Status: e.Status, StatusText: http.StatusText(e.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harNameValue{}, Headers: []harNameValue{},
			Content:     harContent{Size: max(e.bytes, 0), MimeType: e.contentType},
			HeadersSize: -1, BodySize: max(e.bytes, 0),
		}
		if resp.Content.MimeType == "" {
			resp.Content.MimeType = "x-unknown"
		}
		if e.Status == 0 {
			// A fault: the connection closed without an answer, as a
			// browser records a failed request.
			resp.HTTPVersion, resp.BodySize, resp.Comment = "", -1, "no answer: the connection was closed (a fault)"
		}
		ms := e.LatencyMS
		doc.Log.Entries = append(doc.Log.Entries, harEntry{
			StartedDateTime: e.Time.UTC().Format(time.RFC3339Nano),
			Time:            ms,
			Request: harRequest{
				Method: e.Method, URL: u, HTTPVersion: "HTTP/1.1",
				Cookies: []harNameValue{}, Headers: headers, QueryString: qs,
				HeadersSize: -1, BodySize: 0,
			},
			Response: resp,
			Timings:  harTimings{Send: 0, Wait: ms, Receive: 0},
			Odmock: harOdmock{ID: e.ID, Session: e.Session, Outcome: e.Outcome, Scenario: e.Scenario,
				Rule: e.Rule, Errors: e.Errors, Risks: e.Risks},
		})
	}
	return doc
}

// harBase is the base URL a request reached the server at.
func harBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host}).String()
}
