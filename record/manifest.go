package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/mock"
)

// Manifest describes a recording: what was asked of whom, under which
// contract, what came back, and how it was pseudonymised. It is written
// as indented JSON with a fixed key order, a list item a line, so a pull
// request shows what changed.
type Manifest struct {
	Format         int    `json:"format"`
	OdmockVersion  string `json:"odmock_version"`
	Provider       string `json:"provider"` // without user info or query
	Endpoint       string `json:"endpoint"`
	Window         Window `json:"window"`
	ContractSHA256 string `json:"contract_sha256"`
	Counts         Counts `json:"counts"`
	// Pseudonymisation says whether values were replaced, with which key
	// (its fingerprint only) and how, field by field.
	Pseudonymisation Pseudonymisation `json:"pseudonymisation"`
	// Attributes says, per filter of the contract, whether the answers
	// carried it; FiltersWithoutData lists the filters that match no
	// recorded user, because no answer gave anyone a value.
	Attributes         map[string]AttributeSummary `json:"attributes"`
	FiltersWithoutData []string                    `json:"filters_without_data"`
	InteractionTypes   []string                    `json:"interaction_types"`
	// Fields are the answers' field paths, e.g. chatbot_user_data.email.
	Fields   []string `json:"fields"`
	Browsers []string `json:"browsers"`
	// Drift lists, per exchange, what answers broke of openapi.yaml.
	Drift []string `json:"drift"`
}

// Window is a recording's span, UTC, inclusive.
type Window struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Counts are a recording's sizes.
type Counts struct {
	Exchanges    int `json:"exchanges"`
	Users        int `json:"users"`
	Interactions int `json:"interactions"`
	// Probes counts the requests --probe-attributes sent (probes.jsonl).
	Probes int `json:"probes,omitempty"`
}

// Pseudonymisation is how a recording was pseudonymised.
type Pseudonymisation struct {
	Enabled        bool              `json:"enabled"`
	KeyFingerprint string            `json:"key_fingerprint"`
	Policy         map[string]string `json:"policy"`
}

// ReadManifest reads a recording's manifest.json.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return &m, nil
}

// contractHash names the contract a recording was checked against.
func contractHash(c *contract.Contract) string {
	b, err := json.Marshal(c.Document())
	if err != nil {
		return "unknown"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// collect reads a transcript's 200 answers into a collector.
func collect(c *contract.Contract, xs []Exchange) (*collector, []string) {
	col := newCollector(c.Attributes())
	var problems []string
	for _, x := range xs {
		if x.Status != 200 {
			continue
		}
		root, err := parseJSON(x.Bytes())
		if err == nil {
			err = col.add(root)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("exchange %d (%s): %v", x.Seq, x.Query, err))
		}
	}
	return col, problems
}

// finish writes the fixture and the manifest from the transcript, and
// what probing learned, and drops the progress file: the recording is
// complete.
func (r *recorder) finish(xs []Exchange, col *collector, problems []string, probes map[string]*attributeProbe, log []Probe) (*Manifest, error) {
	dir := r.opts.Dir
	col.merge(probes)
	users := col.fixtureUsers()
	if err := writeProbes(filepath.Join(dir, ProbesFile), log); err != nil {
		return nil, err
	}
	var fx bytes.Buffer
	header := fmt.Sprintf(" Recorded by odmock %s from %s, %s to %s UTC.\n Serve it with: odmock --fixtures DIR (this directory, or this file)",
		r.opts.Version, r.providerName(), r.opts.From.Format("2006-01-02 15:04:05"), r.opts.To.Format("2006-01-02 15:04:05"))
	if r.p.Enabled() {
		header += "\n Pseudonymised: see manifest.json."
	} else {
		header += "\n NOT pseudonymised: it holds the provider's personal data."
	}
	if err := mock.WriteFixture(&fx, users, header); err != nil {
		return nil, fmt.Errorf("write fixture: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, FixtureFile), fx.Bytes()); err != nil {
		return nil, fmt.Errorf("write fixture: %w", err)
	}
	m := &Manifest{
		Format: 1, OdmockVersion: r.opts.Version, Provider: r.providerName(), Endpoint: r.opts.Contract.Path(),
		Window:         Window{From: r.opts.From.Format("2006-01-02 15:04:05"), To: r.opts.To.Format("2006-01-02 15:04:05")},
		ContractSHA256: contractHash(r.opts.Contract),
		Pseudonymisation: Pseudonymisation{Enabled: r.p.Enabled(), KeyFingerprint: r.fingerprint(),
			Policy: map[string]string{"*": "kept: --keep-personal-data"}},
		Attributes:       col.attributeSummary(probes),
		InteractionTypes: sortedKeys(col.types),
		Fields:           sortedKeys(col.fields),
		Drift:            append(problems, col.drift...),
	}
	if r.p.Enabled() {
		m.Pseudonymisation.Policy = Policy()
	}
	m.Counts.Exchanges, m.Counts.Probes = len(xs), len(log)
	browsers := map[string]bool{}
	for _, u := range users {
		m.Counts.Users++
		m.Counts.Interactions += len(u.Messages)
		if b, ok := u.Attributes["browser"]; ok {
			browsers[b] = true
		}
	}
	m.Browsers = sortedKeys(browsers)
	for _, a := range r.opts.Contract.Attributes() {
		if m.Attributes[a].WithValue == 0 {
			m.FiltersWithoutData = append(m.FiltersWithoutData, a)
		}
	}
	for _, x := range xs {
		for _, d := range x.Drift {
			m.Drift = append(m.Drift, fmt.Sprintf("exchange %d: %s", x.Seq, d))
		}
	}
	if m.FiltersWithoutData == nil {
		m.FiltersWithoutData = []string{}
	}
	if m.Drift == nil {
		m.Drift = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, ManifestFile), b.Bytes()); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Remove(filepath.Join(dir, progressFile)); err != nil {
		return nil, fmt.Errorf("drop progress: %w", err)
	}
	return m, nil
}
