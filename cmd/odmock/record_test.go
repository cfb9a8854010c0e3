package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/odmock/odmock/record"
)

// recordArgs record odmock fast over two days of the workspace fixture.
func recordArgs(url, dir string, extra ...string) []string {
	return append([]string{"record", "--base-url", url, "--token", "odmock-dev-token",
		"--from", "2024-01-02", "--to", "2024-01-03", "-o", dir, "--rate", "1000"}, extra...)
}

// workspaceFixture is raw, personal-looking data (consumer e-mail
// domains, public IP addresses, phone numbers in messages), served by
// odmock as a page-faithful provider would serve a real workspace.
const workspaceFixture = "../../record/testdata/workspace.yaml"

func TestRecordCommand(t *testing.T) {
	r := startRun(t, "--fixtures", workspaceFixture)
	dir := filepath.Join(t.TempDir(), "rec")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), recordArgs(r.url, dir), &stdout, &stderr)
	if code := exitCode(err); code != 0 {
		t.Fatalf("record: exit %d (%v)\n%s%s", code, err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "self-check: 2 of 2 exchanges replayed byte for byte") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	keyFile := dir + ".pseudonym-key"
	if info, err := os.Stat(keyFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file beside the recording: %v %v", info, err)
	}
	if !strings.Contains(stderr.String(), "wrote a new one to "+keyFile) || !strings.Contains(stderr.String(), "recorded to 2024-01-03 23:59:59") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	// A customer is in the recording, under their pseudonym.
	stdout.Reset()
	if err := run(context.Background(), []string{"pseudonym", "--key-file", keyFile, "james.obrien@outlook.com"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	id := strings.Fields(strings.Split(stdout.String(), "\n")[0])[1]
	fixture, _ := os.ReadFile(filepath.Join(dir, record.FixtureFile))
	if !strings.Contains(string(fixture), "id: "+id+"\n") || strings.Contains(string(fixture), "obrien") {
		t.Errorf("pseudonym printed %q; the fixture does not hold it, or holds the original", stdout.String())
	}
	// Lint: the recording is clean; a raw one is not.
	stdout.Reset()
	if err := run(context.Background(), []string{"lint", "--personal-data", dir}, &stdout, &stderr); err != nil {
		t.Errorf("lint --personal-data on a pseudonymised recording: %v\n%s", err, stdout.String())
	}
	raw := filepath.Join(t.TempDir(), "raw")
	stderr.Reset()
	if err := run(context.Background(), recordArgs(r.url, raw, "--keep-personal-data", "--probe-attributes", "--max-requests", "3000"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "WARNING: --keep-personal-data") {
		t.Errorf("no warning for --keep-personal-data:\n%s", stderr.String())
	}
	stdout.Reset()
	err = run(context.Background(), []string{"lint", "--personal-data", raw}, &stdout, &stderr)
	if code := exitCode(err); code != 1 || !strings.Contains(stdout.String(), "outside the reserved domains") || !strings.Contains(stdout.String(), "outside the documentation ranges") {
		t.Errorf("lint --personal-data on a raw recording: exit %d\n%s", code, stdout.String())
	}
	// Probing learns the attributes the page's answers do not carry.
	probed := filepath.Join(t.TempDir(), "probed")
	stdout.Reset()
	stderr.Reset()
	if err := run(context.Background(), recordArgs(r.url, probed, "--probe-attributes", "--max-requests", "3000"), &stdout, &stderr); err != nil {
		t.Fatalf("record --probe-attributes: %v\n%s", err, stderr.String())
	}
	m, err := record.ReadManifest(probed)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"country", "browser", "ip_address", "platform"} {
		if st := m.Attributes[a].Status; st != "learned" {
			t.Errorf("--probe-attributes: %s is %q, want learned\n%s", a, st, stderr.String())
		}
	}
	if !strings.Contains(stdout.String(), "probes of learned attributes answered with the same users") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	// Diff alone, against itself: no change.
	stdout.Reset()
	if err := run(context.Background(), []string{"record", "-o", dir, "--diff", dir}, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "no change") {
		t.Errorf("diff: %v\n%s", err, stdout.String())
	}
	// The key from the environment gives the same pseudonyms.
	b, _ := os.ReadFile(keyFile)
	t.Setenv("ODMOCK_PSEUDONYM_KEY", string(b))
	again := filepath.Join(t.TempDir(), "again")
	stdout.Reset()
	if err := run(context.Background(), recordArgs(r.url, again, "--format", "json", "--diff", dir), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), `"passed": true`) || !strings.Contains(stdout.String(), "no change") {
		t.Errorf("json self-check and diff:\n%s", stdout.String())
	}
}

func TestRecordBadCommandLines(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"record"},
		{"record", "-o", dir},
		{"record", "-o", dir, "--base-url", "ftp://x", "--token", "t", "--from", "2024-01-01", "--to", "2024-01-02"},
		{"record", "-o", dir, "--base-url", "http://x", "--from", "2024-01-01", "--to", "2024-01-02"},
		{"record", "-o", dir, "--base-url", "http://x", "--token", "t", "--from", "2024-01-02", "--to", "2024-01-01"},
		{"record", "-o", dir, "--base-url", "http://x", "--token", "t", "--from", "2024-01-01", "--to", "2024-01-02", "--rate", "0"},
		{"record", "-o", dir, "--base-url", "http://x", "--token", "t", "--from", "2024-01-01", "--to", "2024-01-02", "--format", "xml"},
		{"record", "-o", dir, "--base-url", "http://x", "--token", "t", "--from", "2024-01-01", "--to", "2024-01-02", "--chunk", "5s"},
		{"record", "-o", dir, "--base-url", "http://x", "--token", "t", "--from", "2024-01-01", "--to", "2024-01-02", "--keep-personal-data", "--pseudonym-key-file", "k"},
		{"pseudonym", "x"},
		{"pseudonym", "--key-file", "k"},
		{"lint", "--deny-list", "d"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), args, &stdout, &stderr)
		if code := exitCode(err); code != 2 || err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: exit %d (%v), want 2 and a one-line error", args, code, err)
		}
	}
}

// TestBannerFiltersWithoutData: serving a recording whose provider did
// not return some attributes, the banner says which filters match no one.
func TestBannerFiltersWithoutData(t *testing.T) {
	dir := t.TempDir()
	fx := "users:\n  - id: u1\n    name: null\n    attributes: {email: a@example.com, browser: chrome 105.0.0}\n" +
		"    messages:\n      - {date: 2024-01-15 10:30:00, type: text, text: hi}\n"
	if err := os.WriteFile(filepath.Join(dir, record.FixtureFile), []byte(fx), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, record.ManifestFile), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, "--fixtures", dir) // the manifest beside the fixture is not read as one
	want := "no data: no user has selected_scenario, ip_address, country, browser_language, os, timezone, platform"
	if !strings.Contains(r.banner, want) {
		t.Errorf("banner:\n%s\nwant %q", r.banner, want)
	}
}
