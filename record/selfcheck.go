package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"

	"github.com/odmock/odmock/internal/junit"
	"github.com/odmock/odmock/mock"
)

// selfCheckToken is the token the replay sends to the engine it builds.
const selfCheckToken = "odmock-record-self-check"

// SelfCheck is the replay of a recording's exchanges through the engine,
// over the recording's fixture: every 200 must come back byte for byte.
// A mismatch means the recording is incomplete, or odmock's semantics
// differ from the provider's.
//
// Probes (--probe-attributes) on attributes learned for every user are
// asked again too: the engine must hold the same users the provider did.
type SelfCheck struct {
	Exchanges  int        `json:"exchanges"`
	Probes     int        `json:"probes"`
	Mismatches []Mismatch `json:"mismatches"`
	results    []Mismatch // every exchange, "" Problem when it matched
}

// Mismatch is one exchange the engine answered differently.
type Mismatch struct {
	Seq     int    `json:"seq"`
	Probe   bool   `json:"probe,omitempty"` // Seq numbers a probe`
	Query   string `json:"query"`
	Problem string `json:"problem"`
}

// Passed reports whether every exchange matched.
func (s *SelfCheck) Passed() bool { return len(s.Mismatches) == 0 }

// SelfCheckDir replays the exchanges of the recording in dir through
// odmock's engine serving dir's fixture.
func SelfCheckDir(ctx context.Context, dir string) (*SelfCheck, error) {
	xs, err := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if err != nil {
		return nil, err
	}
	cfg := mock.DefaultConfig()
	cfg.Tokens = []string{selfCheckToken}
	cfg.Fixtures = dir // as a user serves it: --fixtures DIR
	cfg.ScenariosDir, cfg.FixturesDir = "", ""
	cfg.JournalSize = 0
	srv, err := mock.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("self-check: serve %s: %w", cfg.Fixtures, err)
	}
	h := srv.Handler()
	sc := &SelfCheck{Mismatches: []Mismatch{}}
	for _, x := range xs {
		if x.Status != http.StatusOK {
			continue
		}
		if err := ctx.Err(); err != nil {
			return sc, err
		}
		sc.Exchanges++
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, srv.Contract().Path()+"?"+x.Query, nil)
		req.Header.Set("Authorization", "Bearer "+selfCheckToken)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		m := Mismatch{Seq: x.Seq, Query: x.Query}
		switch {
		case rec.Code != x.Status:
			m.Problem = fmt.Sprintf("status %d, recorded %d: %s", rec.Code, x.Status, snippet(rec.Body.Bytes()))
		case !bytes.Equal(rec.Body.Bytes(), x.Bytes()):
			m.Problem = firstDifference(rec.Body.Bytes(), x.Bytes())
		}
		sc.results = append(sc.results, m)
		if m.Problem != "" {
			sc.Mismatches = append(sc.Mismatches, m)
		}
	}
	return sc, sc.probes(ctx, dir, h, srv.Contract().Path())
}

// probes asks the engine the probes of attributes the manifest says were
// learned for every user, and compares who the answers hold.
func (s *SelfCheck) probes(ctx context.Context, dir string, h http.Handler, path string) error {
	probes, err := ReadProbes(filepath.Join(dir, ProbesFile))
	if err != nil || len(probes) == 0 {
		return err
	}
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	for _, p := range probes {
		if st := m.Attributes[p.Attribute].Status; (st != "learned" && st != "observed") || p.Status != http.StatusOK || strings.Contains(p.Query, "(withheld)") {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		s.Probes++
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path+"?"+p.Query, nil)
		req.Header.Set("Authorization", "Bearer "+selfCheckToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		r := Mismatch{Seq: p.Seq, Probe: true, Query: p.Query}
		got, err := answerUsers(rec.Body.Bytes())
		switch {
		case rec.Code != http.StatusOK || err != nil:
			r.Problem = fmt.Sprintf("probe: status %d: %s", rec.Code, snippet(rec.Body.Bytes()))
		case !slices.Equal(got, p.Users):
			r.Problem = fmt.Sprintf("probe: the engine holds %d users %.200q, the provider held %d %.200q", len(got), got, len(p.Users), p.Users)
		}
		s.results = append(s.results, r)
		if r.Problem != "" {
			s.Mismatches = append(s.Mismatches, r)
		}
	}
	return nil
}

// answerUsers lists the users of a 200 answer, in its order.
func answerUsers(body []byte) ([]string, error) {
	root, err := parseJSON(body)
	if err != nil {
		return nil, err
	}
	out := []string{}
	if data := root.get("data"); data != nil {
		for _, item := range data.values {
			if item.kind == '{' && len(item.keys) == 1 {
				out = append(out, item.keys[0])
			}
		}
	}
	return out, nil
}

// firstDifference says where a replay first differs from the recording.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	around := func(b []byte) string {
		lo, hi := max(i-40, 0), min(i+60, len(b))
		return string(b[lo:hi])
	}
	return fmt.Sprintf("replay differs at byte %d of %d (recorded %d):\n  replay:   ...%s...\n  recorded: ...%s...",
		i, len(got), len(want), around(got), around(want))
}

// WriteText writes the self-check for a person.
func (s *SelfCheck) WriteText(w io.Writer) error {
	var b strings.Builder
	probeMisses := 0
	for _, m := range s.Mismatches {
		kind := "exchange"
		if m.Probe {
			kind = "probe"
			probeMisses++
		}
		fmt.Fprintf(&b, "FAIL  %s %d  GET ?%s\n      %s\n", kind, m.Seq, m.Query, strings.ReplaceAll(m.Problem, "\n", "\n      "))
	}
	fmt.Fprintf(&b, "self-check: %d of %d exchanges replayed byte for byte\n", s.Exchanges-(len(s.Mismatches)-probeMisses), s.Exchanges)
	if s.Probes > 0 {
		fmt.Fprintf(&b, "self-check: %d of %d probes of learned attributes answered with the same users\n", s.Probes-probeMisses, s.Probes)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the self-check as one JSON document.
func (s *SelfCheck) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		*SelfCheck
		Passed bool `json:"passed"`
	}{s, s.Passed()})
}

// WriteJUnit writes the self-check as JUnit XML: a testcase per exchange
// and per probe, failed where the replay differs from the recording.
func (s *SelfCheck) WriteJUnit(w io.Writer) error {
	suite := junit.Suite{Name: "odmock record self-check", Tests: s.Exchanges + s.Probes, Failures: len(s.Mismatches)}
	for _, r := range s.results {
		kind := "exchange"
		if r.Probe {
			kind = "probe"
		}
		tc := junit.Case{Name: fmt.Sprintf("%s %d: GET ?%s", kind, r.Seq, r.Query), Classname: "record.selfcheck"}
		if r.Problem != "" {
			tc.Failure = &junit.Message{Message: "replay differs from the recording", Text: r.Problem}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return junit.Write(w, junit.Suites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Suites: []junit.Suite{suite}})
}
