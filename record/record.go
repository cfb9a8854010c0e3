package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/odmock/odmock/verify"
)

// ErrInterrupted means a recording stopped before its window was done
// (the context ended, the request budget ran out, a 429 asked for too
// long a wait): what was recorded is kept, and Record with the same
// options continues where it stopped.
var ErrInterrupted = errors.New("recording interrupted")

// ErrFinished means the directory already holds a finished recording.
var ErrFinished = errors.New("directory holds a finished recording")

// Result is what Record did.
type Result struct {
	Manifest *Manifest
	// Requests and Retries count this run's requests, 429 retries
	// included, and the retries alone.
	Requests, Retries int
	// Resumed says the run continued an interrupted recording.
	Resumed bool
	// Drift lists, per request, what answers broke of openapi.yaml.
	Drift []string
	// SelfCheck is the replay of every exchange through the engine.
	SelfCheck *SelfCheck
}

// progress is where an unfinished recording stopped: its own file, so an
// interrupted run leaves a transcript that ends on a whole exchange.
type progress struct {
	Provider       string `json:"provider"`
	From           string `json:"from"`
	To             string `json:"to"`
	KeyFingerprint string `json:"key_fingerprint"`
	Next           string `json:"next"`
	ChunkSeconds   int64  `json:"chunk_seconds"`
	Exchanges      int    `json:"exchanges"`
}

// recorder is one run of Record.
type recorder struct {
	opts     Options
	endpoint *url.URL
	p        *Pseudonymiser
	client   *verify.Client
	bar      *progressBar
	res      *Result
}

// Record reads the provider's interactions from opts.From to opts.To, a
// chunk a request, gently (paced, within a budget, honouring 429), and
// writes a pseudonymised recording to opts.Dir: fixture.yaml (served with
// --fixtures), manifest.json and transcript.jsonl. Every answer is checked
// against the contract; drift is reported in the result and the recording
// goes on. Then every exchange is replayed through the engine over the
// fixture (the self-check). An interrupted recording returns an error
// wrapping ErrInterrupted and continues on the next call with the same
// options.
func Record(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts, err := opts.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(strings.TrimSpace(opts.BaseURL)) // checked by Validate
	endpoint := *base
	endpoint.Path = strings.TrimSuffix(base.Path, "/") + opts.Contract.Path()
	endpoint.RawQuery, endpoint.Fragment, endpoint.User = "", "", nil
	r := &recorder{opts: opts, endpoint: &endpoint, res: &Result{}}
	if !opts.KeepPersonalData {
		r.p = NewPseudonymiser(opts.Key)
	}
	r.client = &verify.Client{
		Endpoint: &endpoint, Token: opts.Token,
		Rate: opts.Rate, MaxRequests: opts.MaxRequests, MaxRetryAfter: opts.MaxRetryAfter, MaxRetries: 3,
		UserAgent: "odmock-record", HTTP: opts.Client, Sleep: opts.sleep,
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create recording directory: %w", err)
	}
	st, err := r.start()
	if err != nil {
		return nil, err
	}
	err = r.chunks(ctx, st)
	r.res.Requests, r.res.Retries = r.client.Requests(), r.client.Retries()
	r.bar.done()
	if err != nil {
		return r.res, err
	}
	xs, err := ReadTranscript(filepath.Join(opts.Dir, TranscriptFile))
	if err != nil {
		return r.res, err
	}
	col, problems := collect(opts.Contract, xs)
	var probes map[string]*attributeProbe
	var log []Probe
	if opts.ProbeAttributes {
		probes, log, err = r.probeAttributes(ctx, col, xs)
		r.res.Requests, r.res.Retries = r.client.Requests(), r.client.Retries()
		if err != nil {
			return r.res, err
		}
	}
	if r.res.Manifest, err = r.finish(xs, col, problems, probes, log); err != nil {
		return r.res, err
	}
	r.res.SelfCheck, err = SelfCheckDir(ctx, opts.Dir)
	return r.res, err
}

// providerName is the provider's address without secrets: no user info,
// no query.
func (r *recorder) providerName() string {
	u, _ := url.Parse(strings.TrimSpace(r.opts.BaseURL))
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return strings.TrimSuffix(u.String(), "/")
}

func (r *recorder) fingerprint() string {
	if r.p.Enabled() {
		return r.opts.Key.Fingerprint()
	}
	return "none (personal data kept)"
}

// start reads where an interrupted recording stopped, or begins afresh.
func (r *recorder) start() (*progress, error) {
	fresh := &progress{
		Provider: r.providerName(), From: r.opts.From.Format(time.DateTime), To: r.opts.To.Format(time.DateTime),
		KeyFingerprint: r.fingerprint(), Next: r.opts.From.Format(time.DateTime),
		ChunkSeconds: int64(r.opts.Chunk / time.Second),
	}
	ppath := filepath.Join(r.opts.Dir, progressFile)
	tpath := filepath.Join(r.opts.Dir, TranscriptFile)
	data, err := os.ReadFile(ppath)
	if errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(r.opts.Dir, ManifestFile)); err == nil {
			return nil, fmt.Errorf("%s: %w: record into a new directory (and compare with --diff)", r.opts.Dir, ErrFinished)
		}
		if err := os.WriteFile(tpath, nil, 0o644); err != nil {
			return nil, fmt.Errorf("start transcript: %w", err)
		}
		return fresh, r.save(fresh)
	}
	if err != nil {
		return nil, fmt.Errorf("read progress: %w", err)
	}
	var st progress
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", ppath, err)
	}
	if st.Provider != fresh.Provider || st.From != fresh.From || st.To != fresh.To || st.KeyFingerprint != fresh.KeyFingerprint {
		return nil, fmt.Errorf("%s holds an unfinished recording of %s from %s to %s (key %s): resume it with the same provider, window and key, or use another directory",
			r.opts.Dir, st.Provider, st.From, st.To, st.KeyFingerprint)
	}
	// Keep the exchanges the progress counts: a line written after it
	// was last saved (whole or cut short by a crash) is dropped, and its
	// chunk asked again.
	data, err = os.ReadFile(tpath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read transcript: %w", err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) < st.Exchanges || (st.Exchanges > 0 && !bytes.HasSuffix(lines[st.Exchanges-1], []byte("\n"))) {
		return nil, fmt.Errorf("%s has fewer exchanges than its progress says (%d): start again in a new directory", tpath, st.Exchanges)
	}
	kept := bytes.Join(lines[:st.Exchanges], nil)
	if _, err := readExchanges(bytes.NewReader(kept), tpath); err != nil {
		return nil, err
	}
	if err := os.WriteFile(tpath, kept, 0o644); err != nil {
		return nil, fmt.Errorf("rewrite transcript: %w", err)
	}
	r.res.Resumed = true
	return &st, nil
}

// save writes the progress, replacing the old file whole.
func (r *recorder) save(st *progress) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(r.opts.Dir, progressFile), append(b, '\n'))
}

// chunks asks for the window, a chunk a request, from st.Next on.
func (r *recorder) chunks(ctx context.Context, st *progress) error {
	next, err := time.Parse(time.DateTime, st.Next)
	if err != nil {
		return fmt.Errorf("progress: next %q: %w", st.Next, err)
	}
	chunk := time.Duration(st.ChunkSeconds) * time.Second
	r.bar = newProgressBar(r.opts.Progress, r.opts.Terminal, r.opts.From, r.opts.To, r.opts.Rate)
	r.bar.resume(next, st.Exchanges)
	f, err := os.OpenFile(filepath.Join(r.opts.Dir, TranscriptFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("open transcript: %w", err)
	}
	defer f.Close()
	for !next.After(r.opts.To) {
		end := next.Add(chunk - time.Second)
		if end.After(r.opts.To) {
			end = r.opts.To
		}
		query := "from=" + queryDate(next) + "&to=" + queryDate(end)
		answers, err := r.client.Get(ctx, query, verify.AuthToken)
		for _, a := range answers {
			for _, d := range verify.Drift(ctx, r.opts.Contract, query, a) {
				r.res.Drift = append(r.res.Drift, "GET "+r.endpoint.Path+"?"+query+": "+d)
			}
		}
		var last verify.Answer
		if len(answers) > 0 {
			last = answers[len(answers)-1]
		}
		retryable := err == nil && (last.Status == http.StatusBadGateway || last.Status == http.StatusServiceUnavailable || last.Status == http.StatusGatewayTimeout)
		switch {
		case err != nil && (errors.Is(err, verify.ErrBudget) || ctx.Err() != nil):
			return fmt.Errorf("%w at %s after %d requests: %w: run the same command to continue", ErrInterrupted, st.Next, r.client.Requests(), err)
		case err != nil && len(answers) > 0: // a 429 whose wait is too long
			return fmt.Errorf("%w at %s: %v: run the same command later to continue", ErrInterrupted, st.Next, err)
		case (err != nil || retryable) && chunk > MinChunk:
			// The provider gave up on a large chunk (a timeout, a proxy's
			// 504): ask for half of it.
			chunk = max(chunk/2, MinChunk).Truncate(time.Second)
			continue
		case err != nil:
			return fmt.Errorf("%w at %s: GET %s?%s: %v", ErrInterrupted, st.Next, r.endpoint.Path, query, err)
		case last.Status == http.StatusTooManyRequests:
			return fmt.Errorf("%w at %s: still 429 after %d retries: run the same command later to continue", ErrInterrupted, st.Next, 3)
		case last.Status != http.StatusOK:
			return fmt.Errorf("GET %s?%s: the provider answered %d: %s", r.endpoint.Path, query, last.Status, snippet(last.Body))
		}
		x := Exchange{Seq: st.Exchanges + 1, Query: query, Status: last.Status, Drift: verify.Drift(ctx, r.opts.Contract, query, last)}
		body := last.Body
		if r.p.Enabled() {
			if root, err := parseJSON(body); err == nil {
				r.p.answer(root)
				body = appendJSON(nil, root)
			} else {
				body = []byte(r.p.text(string(body), identity{}))
			}
		}
		if _, err := f.Write(x.line(body)); err != nil {
			return fmt.Errorf("write transcript: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("write transcript: %w", err)
		}
		r.bar.chunk(end, len(last.Body), r.client.Requests())
		switch size := len(last.Body); {
		case size > r.opts.MaxAnswerBytes && chunk > MinChunk:
			chunk = max(chunk/2, MinChunk).Truncate(time.Second)
		case size < r.opts.MaxAnswerBytes/4 && chunk < r.opts.Chunk:
			chunk = min(chunk*2, r.opts.Chunk)
		}
		next = end.Add(time.Second)
		st.Next, st.ChunkSeconds, st.Exchanges = next.Format(time.DateTime), int64(chunk/time.Second), x.Seq
		if err := r.save(st); err != nil {
			return fmt.Errorf("save progress: %w", err)
		}
	}
	return nil
}

// queryDate writes a date as the public page's examples do: the space as
// %20, the colons as they are.
func queryDate(t time.Time) string {
	return strings.ReplaceAll(t.Format(time.DateTime), " ", "%20")
}

func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// writeFileAtomic replaces path with data whole: a reader, or a crash,
// sees the old file or the new.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
