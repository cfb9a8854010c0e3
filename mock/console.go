package mock

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// The console is a web page at /__odmock/ that shows every exchange and
// explains every answer. Its files are embedded (no CDN, no build step);
// they are public, like any page's, and hold nothing: every call they
// make goes to the admin API, behind the admin token when one is set.
// Only the admin guard applies to them: same origin, our Host.

//go:embed console
var consoleFiles embed.FS

// ConsolePath is where the console is served.
const ConsolePath = adminPrefix + "/"

// consoleHeaders keep the console out of frames and off other sources.
var consoleHeaders = [][2]string{
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
	{"X-Frame-Options", "DENY"},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"Cache-Control", "no-cache"},
}

// handleConsole serves the console's files: index.html at /__odmock/,
// the others under /__odmock/console/.
func (s *Server) handleConsole(c echo.Context) error {
	name := "index.html"
	if rest, ok := strings.CutPrefix(c.Request().URL.Path, adminPrefix+"/console/"); ok {
		name = path.Clean(rest)
	}
	b, err := fs.ReadFile(consoleFiles, "console/"+name)
	if err != nil || strings.HasPrefix(name, ".") {
		return messageReply(http.StatusNotFound, "The route "+laravelPath(c.Request())+" could not be found.")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	h := c.Response().Header()
	for _, kv := range consoleHeaders {
		h.Set(kv[0], kv[1])
	}
	return c.Blob(http.StatusOK, ct, b)
}

// maxDetailBody is how much of an answer's body the detail shows.
const maxDetailBody = 64 << 10

// exchangeDetail is the body of GET /__odmock/journal/ID.
type exchangeDetail struct {
	Entry JournalEntry `json:"entry"`
	// RequestHeaders are redacted as the journal redacts: the token's
	// value, cookies and anything named like a secret. Nil when they were
	// too large to keep.
	RequestHeaders  map[string][]string `json:"request_headers"`
	ResponseHeaders map[string][]string `json:"response_headers"`
	// Body is the answer's body, at most maxDetailBody of it; BodySize
	// its whole size. BodyNote says how it was obtained when it was not
	// kept (the engine's answers are computed again from the query).
	Body          string `json:"body"`
	BodySize      int64  `json:"body_size"`
	BodyTruncated bool   `json:"body_truncated"`
	BodyNote      string `json:"body_note"`
	// AuthHeader is the Authorization header's scheme with the token
	// redacted ("" without one): "copy as curl" puts $TOKEN there.
	AuthHeader string `json:"auth_header"`
}

// handleJournalEntry serves GET /__odmock/journal/ID.
func (s *Server) handleJournalEntry(c echo.Context) error {
	s.settleBefore(c)
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return messageReply(http.StatusBadRequest, "want /__odmock/journal/ID, ID a whole number")
	}
	je, ok := s.watch.journal.byID(id)
	if !ok {
		return messageReply(http.StatusNotFound, fmt.Sprintf("exchange %d is not in the journal (it keeps the last %d)", id, s.watch.journal.Size()))
	}
	params, _ := url.ParseQuery(je.Query)
	if params == nil {
		params = url.Values{}
	}
	je.Params = params
	d := exchangeDetail{Entry: je, ResponseHeaders: je.respHeader}
	if je.reqHeader != nil {
		d.RequestHeaders = s.redactHeaders(je.reqHeader)
		if a := je.reqHeader.Get("Authorization"); a != "" {
			scheme, _, _ := strings.Cut(a, " ")
			d.AuthHeader = scheme + " " + redacted
		}
	}
	s.detailBody(&d, je)
	return send(c, jsonReply(http.StatusOK, d))
}

// redactHeaders copies h with secrets redacted.
func (s *Server) redactHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		vs = append([]string(nil), vs...)
		for i, v := range vs {
			switch {
			case strings.EqualFold(k, "Authorization"), strings.EqualFold(k, "Proxy-Authorization"):
				scheme, _, _ := strings.Cut(v, " ")
				vs[i] = scheme + " " + redacted
			case strings.EqualFold(k, "Cookie"), secretName(k):
				vs[i] = redacted
			default:
				vs[i] = redactText(v, s.watch.tokens)
			}
		}
		out[k] = vs
	}
	return out
}

// detailBody fills in the body of an exchange: the one written whole, or
// the engine's computed again.
func (s *Server) detailBody(d *exchangeDetail, je JournalEntry) {
	setBody := func(b []byte) {
		d.BodySize = int64(len(b))
		if len(b) > maxDetailBody {
			b, d.BodyTruncated = b[:maxDetailBody], true
		}
		d.Body = redactText(string(b), s.watch.tokens)
	}
	switch {
	case je.fault != "":
		d.BodyNote = "no answer was sent whole: fault=" + je.fault
	case je.body != nil:
		setBody(je.body)
	case je.Status == http.StatusOK && (je.Outcome == OutcomeData || je.Outcome == OutcomeEmpty):
		lib := s.files.current()
		q, err := s.contract.ValidateQuery(je.rawQuery)
		if err != nil {
			d.BodyNote = "the query could not be read again: " + err.Error()
			return
		}
		data := lib.data
		if sc := lib.scenarios[je.Scenario]; sc != nil {
			for _, r := range sc.Rules {
				if r.Name == je.Rule && len(r.answers) > 0 {
					data = r.answers[0].dataOr(lib.data)
				}
			}
		}
		res := data.Query(q)
		w := &capWriter{max: maxDetailBody}
		res.WriteTo(w) //nolint:errcheck // capWriter stops at its cap on purpose
		d.Body, d.BodySize, d.BodyTruncated = w.b.String(), res.Size(), res.Size() > maxDetailBody
		d.BodyNote = "the engine's answer, computed again from the query (answers are deterministic)"
		if je.libGen != lib.gen {
			d.BodyNote += "; the files were reloaded since, so it is from the files in force now"
		}
		if je.Method == http.MethodHead {
			d.BodyNote += "; a HEAD request got the headers only"
		}
	default:
		d.BodyNote = "no body"
	}
}

// capWriter keeps the first max bytes written to it, then refuses more.
type capWriter struct {
	b   strings.Builder
	max int
}

var errCapped = errors.New("capped")

func (w *capWriter) Write(p []byte) (int, error) {
	room := w.max - w.b.Len()
	if room <= 0 {
		return 0, errCapped
	}
	if len(p) > room {
		w.b.Write(p[:room])
		return room, errCapped
	}
	return w.b.Write(p)
}

// handleJournalStream serves GET /__odmock/journal/stream: Server-Sent
// Events, one "entry" event per exchange as it is answered, each with its
// ID as the event's id. ?after=ID (or Last-Event-ID) first sends the
// entries after ID that the journal still keeps, so a reader that
// reconnects misses nothing the journal has. A reader that falls behind
// by journalSubBuffer entries is dropped (sent a "dropped" event): it
// reconnects and catches up from the journal. Readers are bounded
// (maxJournalSubs); past them, 503.
func (s *Server) handleJournalStream(c echo.Context) error {
	j := s.watch.journal
	sub, err := j.subscribe()
	if err != nil {
		rep := messageReply(http.StatusServiceUnavailable, "odmock: "+err.Error()+fmt.Sprintf(" (%d at most): close a console tab", maxJournalSubs))
		rep.headers = [][2]string{{"Retry-After", "5"}}
		return rep
	}
	defer j.unsubscribe(sub)
	after := c.QueryParam("after")
	if after == "" {
		after = c.Request().Header.Get("Last-Event-ID")
	}
	w := c.Response()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w.Writer)
	// The stream lives longer than any answer: no write deadline but the
	// one renewed per event.
	deadline := func() { _ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second)) }
	deadline()
	last := uint64(0)
	if n, err := strconv.ParseUint(after, 10, 64); err == nil {
		last = n
		backlog := j.Entries(JournalFilter{Limit: maxJournalPage})
		for _, e := range backlog {
			if e.ID > last {
				if writeEvent(w, "entry", e) != nil {
					return nil
				}
				last = e.ID
			}
		}
	}
	if _, err := io.WriteString(w, "retry: 1000\n: odmock journal\n\n"); err != nil {
		return nil
	}
	_ = rc.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	ctx := c.Request().Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ping.C:
			deadline()
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return nil
			}
		case e, ok := <-sub.ch:
			if !ok {
				if j.dropped(sub) {
					writeEvent(w, "dropped", map[string]string{"message": "this reader fell behind: reconnect"}) //nolint:errcheck // going anyway
					_ = rc.Flush()
				}
				return nil
			}
			if e.ID <= last {
				continue
			}
			last = e.ID
			deadline()
			params, _ := url.ParseQuery(e.Query)
			if params == nil {
				params = url.Values{}
			}
			e.Params = params
			if writeEvent(w, "entry", e) != nil {
				return nil
			}
		}
		if rc.Flush() != nil {
			return nil
		}
	}
}

// writeEvent writes one Server-Sent Event of JSON data.
func writeEvent(w io.Writer, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	id := ""
	if e, ok := v.(JournalEntry); ok {
		id = "id: " + strconv.FormatUint(e.ID, 10) + "\n"
	}
	_, err = fmt.Fprintf(w, "%sevent: %s\ndata: %s\n\n", id, event, b)
	return err
}

// Data views: the dataset's users, one user's conversation, and its
// distributions.

// maxUsersPage caps one page of GET /__odmock/data/users.
const maxUsersPage = 200

// handleDataUsers serves GET /__odmock/data/users?offset=N&limit=N&FILTER=V...:
// users the filters keep, by the API's own LIKE semantics.
func (s *Server) handleDataUsers(c echo.Context) error {
	offset, err := queryInt(c, "offset", 1<<31-1)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", maxUsersPage)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 50
	}
	var filters []contract.Filter
	for _, a := range s.contract.Attributes() {
		if v := strings.TrimSpace(c.QueryParam(a)); v != "" {
			filters = append(filters, contract.Filter{Attribute: a, Value: v})
		}
	}
	data := s.files.current().data
	page, total := data.Browse(filters, offset, limit)
	return send(c, jsonReply(http.StatusOK, struct {
		Total      int                   `json:"total"`
		Offset     int                   `json:"offset"`
		Users      []dataset.UserSummary `json:"users"`
		Attributes []string              `json:"attributes"`
	}{total, offset, page, s.contract.Attributes()}))
}

// transcriptMessage is one message of a conversation, as the console shows it.
type transcriptMessage struct {
	Date string          `json:"date"`
	Bot  bool            `json:"bot"` // the API never returns it
	Type string          `json:"type"`
	Text string          `json:"text"`
	Data json.RawMessage `json:"data"`
}

// handleDataUser serves GET /__odmock/data/user?id=ID: the user's whole
// conversation, the bot's messages too.
func (s *Server) handleDataUser(c echo.Context) error {
	id := c.QueryParam("id")
	u, ok := s.files.current().data.User(id)
	if !ok {
		return messageReply(http.StatusNotFound, fmt.Sprintf("no user has the id %q", id))
	}
	msgs := make([]transcriptMessage, 0, len(u.Messages))
	for _, m := range u.Messages {
		tm := transcriptMessage{Date: m.Date.UTC().Format(time.DateTime), Bot: m.FromBot(), Type: m.Type, Text: m.Text, Data: m.Data}
		if len(tm.Data) == 0 || !json.Valid(tm.Data) {
			tm.Data = json.RawMessage("null")
		}
		msgs = append(msgs, tm)
	}
	return send(c, jsonReply(http.StatusOK, struct {
		ID         string              `json:"id"`
		Name       *string             `json:"name"`
		Attributes map[string]string   `json:"attributes"`
		Messages   []transcriptMessage `json:"messages"`
	}{u.ID, u.Name, u.Attributes, msgs}))
}

// distributions caches the dataset's distributions: counting them reads
// every user whole.
type distributions struct {
	mu   sync.Mutex
	data *dataset.Dataset
	dist dataset.Stats
}

// handleDataStats serves GET /__odmock/data/stats.
func (s *Server) handleDataStats(c echo.Context) error {
	data := s.files.current().data
	d := &s.dists
	d.mu.Lock()
	if d.data != data {
		d.data, d.dist = data, data.Stats()
	}
	dist := d.dist
	d.mu.Unlock()
	return send(c, jsonReply(http.StatusOK, dist))
}
