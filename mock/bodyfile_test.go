package mock

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBodyFileStaysInItsFolder: body_file followed symbolic links out of
// the scenarios folder, so the server sent /etc/passwd and
// /proc/self/environ (the admin token in it) to any client, and lint
// accepted it.
func TestBodyFileStaysInItsFolder(t *testing.T) {
	t.Parallel()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.json")
	if err := os.WriteFile(secret, []byte(`{"data":[],"secret":"hunter2"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, bodyFile string }{
		{"symlink out", "leak.json"},
		{"symlinked folder", "linked/secret.json"},
		{"dot-dot", "../" + filepath.Base(outside) + "/secret.json"},
		{"absolute", secret},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink(secret, filepath.Join(dir, "leak.json")); err != nil {
				t.Skipf("symlink: %v", err)
			}
			if err := os.Symlink(outside, filepath.Join(dir, "linked")); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "leak.yaml")
			yaml := "rules:\n  - status: 200\n    outside_contract: true\n    body_file: " + tt.bodyFile + "\n"
			if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			rep := Lint(testContract(t), []string{file}, "")
			if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].String(), "leak.yaml:4: body_file") {
				t.Errorf("lint of body_file %s: %v, want leak.yaml:4: body_file ... cannot read it", tt.bodyFile, rep.Problems)
			}
			cfg := smallConfig()
			cfg.ScenariosDir = dir
			if _, err := New(cfg); err == nil || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("New with body_file %s: %v, want an error that does not show the file", tt.bodyFile, err)
			}
		})
	}
}

// TestContractErrorsDoNotEchoBodies: a body that breaks the contract was
// quoted whole in the problem (Value: {"password": ...}).
func TestContractErrorsDoNotEchoBodies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "body.json"), []byte(`{"password":"hunter2"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(file, []byte("rules:\n  - status: 200\n    body_file: body.json\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := Lint(testContract(t), []string{file}, "")
	if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].Message, "breaks the contract") {
		t.Fatalf("lint: %v, want the answer to break the contract", rep.Problems)
	}
	if msg := rep.Problems[0].String(); strings.Contains(msg, "hunter2") {
		t.Errorf("problem %q shows the file's content", msg)
	}
}
