package record

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/odmock/odmock/contract"
)

// originals are the workspace's personal values: e-mails, IP addresses,
// phone numbers, account numbers, names and IDs.
func originals(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(workspaceFixture)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	values := emailRE.FindAllString(text, -1)
	for _, m := range append(ip4RE.FindAllString(text, -1), ip6RE.FindAllString(text, -1)...) {
		if _, err := netip.ParseAddr(m); err == nil { // not a time of day
			values = append(values, m)
		}
	}
	values = append(values,
		"7c0e1d3a-5b8f-4a21-9d6e-2f4c8b1a9e07", "3f9a2c44-8e71-4b0d-a6c5-0d9e7b2f1c33", "447700183456",
		"María González", "González", "O'Brien", "Priya Shah", "Klaus Müller", "Müller", "Chloé Martin", "Tom Baker",
		"612 345 678", "87 123 4567", "087 123 4567", "0171 2345678", "555-7731", "06 12 34 56 78",
		"48213377", "0087652231", "4471982")
	if len(values) < 40 {
		t.Fatalf("only %d original values", len(values))
	}
	return values
}

// TestNoOriginalsInFiles: no original value is in any file a recording
// writes, attributes learned by probing included, and lint
// --personal-data finds nothing; in a raw recording it finds e-mails and
// IP addresses.
func TestNoOriginalsInFiles(t *testing.T) {
	ts := workspace(t)
	dir, res := record(t, ts, testKey(1), probing)
	mustPass(t, res.SelfCheck)
	if s := res.Manifest.Attributes["ip_address"]; s.Status != "learned" || s.WithValue != 7 {
		t.Errorf("ip_address: %+v, want learned for the 7 users who have one", s)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 4 {
		t.Errorf("files %v, want fixture, manifest, transcript and probes", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), `\/`, "/")
		for _, v := range originals(t) {
			escaped := string(contract.AppendString(nil, v))
			if strings.Contains(strings.ToLower(text), strings.ToLower(v)) || strings.Contains(string(b), escaped[1:len(escaped)-1]) {
				t.Errorf("%s holds the original %q", filepath.Base(f), v)
			}
		}
	}
	found, err := LintPersonalData([]string{dir}, nil)
	if err != nil || len(found) > 0 {
		t.Errorf("lint --personal-data on a pseudonymised recording: %v %v", found, err)
	}
	raw, _ := record(t, ts, nil, probing)
	found, _ = LintPersonalData([]string{raw}, nil)
	var kinds []string
	for _, f := range found {
		for _, k := range []string{"e-mail", "IP address"} {
			if strings.Contains(f.Message, k) && !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
	}
	if len(kinds) != 2 {
		t.Errorf("lint --personal-data on a raw recording finds %v, want e-mails and IP addresses", kinds)
	}
}

// fixtureValues lists a field's values in a recording's fixture, in order.
func fixtureValues(t *testing.T, dir, field string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^\s*-? *`+field+`: (.+)$`).FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestStablePseudonyms: one key, the same files; another key, other
// pseudonyms for every ID, e-mail and IP address.
func TestStablePseudonyms(t *testing.T) {
	ts := workspace(t)
	a, _ := record(t, ts, testKey(1), probing)
	b, _ := record(t, ts, testKey(1), probing)
	for _, f := range []string{FixtureFile, ManifestFile, TranscriptFile, ProbesFile} {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if !bytes.Equal(x, y) || len(x) == 0 {
			t.Errorf("%s differs between two recordings with one key", f)
		}
	}
	c, _ := record(t, ts, testKey(9), probing)
	for _, field := range []string{"id", "email", "ip_address"} {
		va, vc := fixtureValues(t, a, field), fixtureValues(t, c, field)
		if len(va) != len(vc) || len(va) < 5 {
			t.Fatalf("%s: %d values, then %d", field, len(va), len(vc))
		}
		for i := range va {
			if va[i] == vc[i] {
				t.Errorf("%s %s is the same under another key", field, va[i])
			}
		}
	}
	d, err := DiffDirs(context.Background(), a, b)
	if err != nil || d.Changed() {
		t.Errorf("diff of two recordings with one key: %+v %v", d, err)
	}
}
