package mock

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
	"gopkg.in/yaml.v3"
)

// LintReport is what Lint found.
type LintReport struct {
	Scenarios, Fixtures int // files checked
	Problems            Problems
}

// Lint checks scenario and fixture files: syntax, unknown keys, bad
// statuses, answers that break the contract, and fixture names no file
// defines. Each path is a file or a directory of them; a file with a
// top-level users: key is a fixture file, any other a scenario file.
// Scenarios name fixtures from the shipped ones and fixturesDir ("" for
// the shipped ones only).
func Lint(c *contract.Contract, paths []string, fixturesDir string) LintReport {
	var rep LintReport
	srcs, err := sourcesFor(fixturesDir, "fixtures")
	library := map[string]*dataset.Dataset{}
	if err == nil {
		library, _ = loadFixtureLibrary(c, srcs...) // its problems are reported when it is linted
	} else {
		rep.Problems = append(rep.Problems, Problem{Path: fixturesDir, Message: err.Error()})
	}
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Path: p, Message: "cannot read: no such file or directory"})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Path: p, Message: fmt.Sprintf("cannot list: %v", err)})
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && isFixtureFile(e.Name()) {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	sort.Strings(files)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			rep.Problems = append(rep.Problems, Problem{Path: file, Message: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		if isFixtureData(data) {
			rep.Fixtures++
			_, ps := parseFixture(c, file, data)
			rep.Problems = append(rep.Problems, ps...)
			continue
		}
		rep.Scenarios++
		l := &scenarioLoader{c: c, fixtures: library, scenFS: rootedFS{filepath.Dir(file)}}
		_, ps := l.parseScenario(filepath.Base(file), file, data)
		rep.Problems = append(rep.Problems, ps...)
	}
	sortProblems(rep.Problems)
	return rep
}

// isFixtureData reports whether a YAML document has a top-level users key.
func isFixtureData(data []byte) bool {
	var top map[string]yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&top); err != nil {
		return false
	}
	_, ok := top["users"]
	return ok
}
