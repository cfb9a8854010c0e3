package mock

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// aliasBomb is a scenario of a few KB whose aliases expand to about 3 MB
// a body, in bodies times: each body is under the old 4 MiB cap per
// value, and all of them together were gigabytes (a 2.6 KB file took lint
// to 1.6 GB).
func aliasBomb(bodies int) string {
	var b strings.Builder
	b.WriteString("rules:\n  - status: 200\n    outside_contract: true\n    body:\n")
	fmt.Fprintf(&b, "      l0: &l0 %q\n", strings.Repeat("x", 1000))
	b.WriteString("      l1: &l1 [" + strings.TrimSuffix(strings.Repeat("*l0, ", 10), ", ") + "]\n")
	b.WriteString("      l2: &l2 [" + strings.TrimSuffix(strings.Repeat("*l1, ", 10), ", ") + "]\n")
	b.WriteString("      l3: &l3 [" + strings.TrimSuffix(strings.Repeat("*l2, ", 10), ", ") + "]\n")
	b.WriteString("      l4: &l4 [*l3, *l3, *l3]\n")
	for range bodies {
		b.WriteString("  - status: 200\n    outside_contract: true\n    body: *l4\n")
	}
	return b.String()
}

// TestAliasBudgetPerFile: one budget of expanded values and bytes per
// file, shared by every alias, with a path:line problem past it.
func TestAliasBudgetPerFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bomb := aliasBomb(8)
	file := filepath.Join(dir, "bomb.yaml")
	if err := os.WriteFile(file, []byte(bomb), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := Lint(testContract(t), []string{file}, "")
	found := false
	for _, p := range rep.Problems {
		if p.Path == file && p.Line > 0 && strings.Contains(p.Message, "aliases expand past") {
			found = true
		}
	}
	if !found {
		t.Errorf("lint of an alias bomb: %v, want %s:LINE: aliases expand past ...", rep.Problems, file)
	}
	// A server refuses it too, naming the file.
	cfg := smallConfig()
	cfg.ScenariosDir = dir
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "bomb.yaml:") || !strings.Contains(err.Error(), "aliases expand past") {
		t.Errorf("New with an alias bomb: %v, want bomb.yaml:LINE: aliases expand past ...", err)
	}

	// A fixture's aliases share the same budget.
	var fx strings.Builder
	fx.WriteString("users:\n  - id: u1\n    messages:\n      - {date: 2024-01-03 09:00:00, type: text, text: hi, data: {l0: &l0 " +
		fmt.Sprintf("%q", strings.Repeat("y", 1000)) + "}}\n")
	fx.WriteString("      - {date: 2024-01-03 09:00:01, type: text, text: hi, data: {l1: &l1 [" + strings.TrimSuffix(strings.Repeat("*l0, ", 10), ", ") + "]}}\n")
	fx.WriteString("      - {date: 2024-01-03 09:00:02, type: text, text: hi, data: {l2: &l2 [" + strings.TrimSuffix(strings.Repeat("*l1, ", 10), ", ") + "]}}\n")
	fx.WriteString("      - {date: 2024-01-03 09:00:03, type: text, text: hi, data: {l3: &l3 [" + strings.TrimSuffix(strings.Repeat("*l2, ", 10), ", ") + "]}}\n")
	for i := range 10 {
		fmt.Fprintf(&fx, "      - {date: 2024-01-03 09:01:%02d, type: text, text: hi, data: {x: *l3}}\n", i)
	}
	fxFile := filepath.Join(dir, "fixture.yaml")
	if err := os.WriteFile(fxFile, []byte(fx.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rep = Lint(testContract(t), []string{fxFile}, "")
	if len(rep.Problems) == 0 || !strings.Contains(rep.Problems[0].Message, "aliases expand past") {
		t.Errorf("lint of a fixture alias bomb: %v, want aliases expand past ...", rep.Problems)
	}

	// Aliases within the budget are fine.
	small := "rules:\n  - status: 200\n    outside_contract: true\n    body: {a: &a [1, 2, 3], b: [*a, *a, *a]}\n"
	if err := os.WriteFile(file, []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range Lint(testContract(t), []string{file}, "").Problems {
		if strings.Contains(p.Message, "aliases") {
			t.Errorf("lint of a few aliases: %s, want no alias problem", p)
		}
	}
}
