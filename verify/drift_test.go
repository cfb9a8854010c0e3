package verify

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/odmock/odmock/dataset"
	"github.com/odmock/odmock/mock"
)

// A drifting provider is odmock with one behaviour broken, the way a real
// provider (or a careless change to odmock) might break it. Each must fail
// exactly one named check of Verify.

// rewrite serves h into a recorder, lets edit change the answer, and sends
// it on with a Content-Length that fits.
func rewrite(h http.Handler, edit func(r *http.Request, status int, body []byte) (int, []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, body := edit(r, rec.Code, rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		w.Write(body)
	})
}

// editUsers rewrites each user object of a 200 answer; keep=false drops it.
func editUsers(body []byte, edit func(id string, u map[string]json.RawMessage) bool) []byte {
	var doc struct {
		Data []map[string]map[string]json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		panic(err)
	}
	kept := []map[string]map[string]json.RawMessage{}
	for _, entry := range doc.Data {
		for id, u := range entry {
			if edit(id, u) {
				kept = append(kept, entry)
			}
		}
	}
	out, err := json.Marshal(map[string]any{"data": kept})
	if err != nil {
		panic(err)
	}
	return out
}

// likeFilters are the query's attribute filters.
func likeFilters(r *http.Request) map[string]string {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		if k != "from" && k != "to" && k != "user_id" && v[0] != "" {
			out[k] = v[0]
		}
	}
	return out
}

type drift struct {
	name  string
	check string // the one check that must fail
	says  string // in the check's first failure
	// breaks returns the drifting provider around a fresh odmock server.
	breaks func(t *testing.T, s *mock.Server) http.Handler
}

var drifts = []drift{
	{"dates without microseconds", "schema", "regular expression", func(t *testing.T, s *mock.Server) http.Handler {
		return rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
			return status, bytes.ReplaceAll(body, []byte(".000000Z"), []byte("Z"))
		})
	}},
	{"country filter ignored", "filter:country", "the filter is ignored", func(t *testing.T, s *mock.Server) http.Handler {
		h := s.Handler()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			q.Del("country")
			r.URL.RawQuery = q.Encode()
			h.ServeHTTP(w, r)
		})
	}},
	{"case-sensitive filters", "filter:case-insensitive", "are missing", func(t *testing.T, s *mock.Server) http.Handler {
		// A case-sensitive LIKE over values stored in lower case: a
		// filter with a capital letter finds nobody.
		return rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
			for _, v := range likeFilters(r) {
				if status == 200 && strings.ToLower(v) != v {
					return status, []byte(`{"data":[]}`)
				}
			}
			return status, body
		})
	}},
	{"bot messages returned", "bot-excluded", "looks like the bot's", func(t *testing.T, s *mock.Server) http.Handler {
		// The same users, every message stored as the user's: served as
		// fixtures by another odmock.
		cfg := s.Config()
		users := dataset.Generate(cfg.Seed, cfg.Users, cfg.Window)
		for i := range users {
			for j := range users[i].Messages {
				users[i].Messages[j].Author = "me"
			}
		}
		var file bytes.Buffer
		if err := mock.WriteFixture(&file, users, ""); err != nil {
			t.Fatal(err)
		}
		cfg.Fixtures = filepath.Join(t.TempDir(), "all-user.yaml")
		if err := os.WriteFile(cfg.Fixtures, file.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return newTestServer(t, cfg).srv.Handler()
	}},
	{"Laravel's default 422 for an unknown filter", "invalid:filter", `"errors":{"invalid_param"`, func(t *testing.T, s *mock.Server) http.Handler {
		return rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
			if status == 422 && bytes.Contains(body, []byte(`"filters.`)) {
				return status, []byte(`{"message":"The given data was invalid.","errors":{"invalid_param":["The selected invalid param is invalid."]}}`)
			}
			return status, body
		})
	}},
	{"no 401", "unauthenticated", "status 200, want 401", func(t *testing.T, s *mock.Server) http.Handler {
		h := s.Handler()
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+mock.DefaultToken)
			h.ServeHTTP(w, r)
		})
	}},
	{"exclusive upper bound", "range:inclusive", "to is not inclusive", func(t *testing.T, s *mock.Server) http.Handler {
		return exclusive(s.Handler(), "to")
	}},
	{"exclusive lower bound", "range:inclusive", "from is not inclusive", func(t *testing.T, s *mock.Server) http.Handler {
		return exclusive(s.Handler(), "from")
	}},
	{"extra field in interactions", "fields:known", "sentiment is not in openapi.yaml", func(t *testing.T, s *mock.Server) http.Handler {
		return rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
			return status, bytes.ReplaceAll(body, []byte(`{"type":`), []byte(`{"sentiment":0.5,"type":`))
		})
	}},
	{"filters not echoed: the user's own browser", "filter:applied", "want null", func(t *testing.T, s *mock.Server) http.Handler {
		return rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
			if status != 200 {
				return status, body
			}
			return status, editUsers(body, func(id string, u map[string]json.RawMessage) bool {
				u["browser"] = json.RawMessage(`"chrome 105.0.0"`)
				return true
			})
		})
	}},
}

// exclusive drops the interactions at exactly the query's bound (from or
// to), and the users left with none.
func exclusive(h http.Handler, bound string) http.Handler {
	return rewrite(h, func(r *http.Request, status int, body []byte) (int, []byte) {
		at, err := time.Parse(time.DateTime, r.URL.Query().Get(bound))
		if status != 200 || err != nil {
			return status, body
		}
		edge := `"` + at.Format("2006-01-02T15:04:05.000000Z") + `"`
		return status, editUsers(body, func(id string, u map[string]json.RawMessage) bool {
			var ins []map[string]json.RawMessage
			json.Unmarshal(u["interactions"], &ins)
			kept := []map[string]json.RawMessage{}
			for _, in := range ins {
				if string(in["date"]) != edge {
					kept = append(kept, in)
				}
			}
			u["interactions"], _ = json.Marshal(kept)
			return len(kept) > 0
		})
	})
}

// TestVerifyAcceptsUnknownTypes: the set of interaction types is open
// (real data holds webchat_message, text_external, ...), so a provider
// answering types the page never lists passes every check.
func TestVerifyAcceptsUnknownTypes(t *testing.T) {
	t.Parallel()
	s, err := mock.New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	h := rewrite(s.Handler(), func(r *http.Request, status int, body []byte) (int, []byte) {
		body = bytes.ReplaceAll(body, []byte(`{"type":"trigger"`), []byte(`{"type":"carousel_response"`))
		return status, bytes.ReplaceAll(body, []byte(`{"type":"text"`), []byte(`{"type":"webchat_message"`))
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	rep := runVerify(t, verifyOptions(ts.URL))
	if np := notPassed(rep); len(np) != 0 {
		t.Errorf("not passed %v, want every check to pass\n%s", np, reportText(rep))
	}
}

// TestVerifyCatchesDrift runs Verify against each drifting provider: the
// drift's check fails, naming a request, and every other check passes.
func TestVerifyCatchesDrift(t *testing.T) {
	t.Parallel()
	for _, d := range drifts {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			s, err := mock.New(smallConfig())
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(d.breaks(t, s))
			t.Cleanup(ts.Close)
			rep := runVerify(t, verifyOptions(ts.URL))
			var failed []string
			for _, c := range rep.Checks {
				if c.Status != CheckPass {
					failed = append(failed, c.Name+" ("+string(c.Status)+")")
				}
			}
			if len(failed) != 1 || failed[0] != d.check+" (fail)" {
				t.Fatalf("checks not passed = %v, want only %s to fail\n%s", failed, d.check, reportText(rep))
			}
			c := rep.Check(d.check)
			if len(c.Failures) == 0 || c.Failures[0].Request == "" && len(c.Failures) < 2 {
				t.Errorf("%s failed without naming a request: %+v", d.check, c.Failures)
			}
			if first := c.Failures[0]; !strings.Contains(first.Problem, d.says) {
				t.Errorf("%s's first failure = %q, want it to say %q", d.check, first.Problem, d.says)
			}
		})
	}
}
