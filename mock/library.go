package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/odmock/odmock"
)

// library is everything the server answers from: the served dataset, the
// scenarios, and the fixture library rules can name. It is immutable; a
// reload builds a new one and swaps it in whole, so a request sees the
// old state or the new, never half of each.
type library struct {
	data      *Dataset
	scenarios map[string]*Scenario
	fixtures  map[string]*Dataset
}

// source is a directory of user files: on disk (dir set), or the copy
// shipped inside the binary.
type source struct {
	fsys    fs.FS
	display string // how problems name its files
	dir     string // on-disk path, "" when embedded
}

// embeddedSource is a shipped directory (scenarios or fixtures).
func embeddedSource(name string) source {
	sub, err := fs.Sub(odmock.Files, name)
	if err != nil {
		return source{display: name}
	}
	return source{fsys: sub, display: "(built-in) " + name}
}

// dirSource is a directory on disk; a missing one is an error.
func dirSource(dir string) (source, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return source{}, fmt.Errorf("%s: %w", dir, errors.Unwrap(err))
	}
	if !info.IsDir() {
		return source{}, fmt.Errorf("%s: not a directory", dir)
	}
	return source{fsys: os.DirFS(dir), display: dir, dir: dir}, nil
}

// sourceFor is dir on disk, or the shipped copy when dir is "".
func sourceFor(dir, shipped string) (source, error) {
	if dir == "" {
		return embeddedSource(shipped), nil
	}
	return dirSource(dir)
}

// readEach calls fn with each YAML or JSON file of the source (not its
// subdirectories, in name order): its path in the source, its name for
// problems, and its content. A file that cannot be read is a problem.
func (s source) readEach(what string, fn func(file, name string, data []byte) Problems) Problems {
	entries, err := fs.ReadDir(s.fsys, ".")
	if err != nil {
		return Problems{{Path: s.display, Message: fmt.Sprintf("cannot list %s: %v", what, err)}}
	}
	var problems Problems
	for _, e := range entries {
		if e.IsDir() || !isFixtureFile(e.Name()) {
			continue
		}
		name := path.Join(s.display, e.Name())
		data, err := fs.ReadFile(s.fsys, e.Name())
		if err != nil {
			problems = append(problems, Problem{Path: name, Message: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))})
			continue
		}
		problems = append(problems, fn(e.Name(), name, data)...)
	}
	return problems
}

// loadFixtureLibrary indexes every fixture file of src, by name.
func loadFixtureLibrary(c *Contract, src source) (map[string]*Dataset, Problems) {
	out := map[string]*Dataset{}
	problems := src.readEach("fixtures", func(file, name string, data []byte) Problems {
		users, ps := parseFixture(c, name, data)
		if len(ps) > 0 {
			return ps
		}
		d, err := NewDataset(c, users)
		if err != nil {
			return Problems{{Path: name, Message: err.Error()}}
		}
		out[scenarioName(file)] = d
		return nil
	})
	return out, problems
}

// loadScenarios parses every scenario file of src against the contract and
// the fixture library.
func loadScenarios(c *Contract, src source, fixtures map[string]*Dataset) (map[string]*Scenario, Problems) {
	out := map[string]*Scenario{}
	l := &scenarioLoader{c: c, fixtures: fixtures, scenFS: src.fsys}
	problems := src.readEach("scenarios", func(file, name string, data []byte) Problems {
		sc, ps := l.parseScenario(file, name, data)
		if len(ps) == 0 {
			out[sc.Name] = sc
		}
		return ps
	})
	return out, problems
}

// loadLibrary reads every user file the configuration names. seeded is
// the generated dataset, reused as it is; seededUsers, its users, are
// needed only to merge fixtures into them.
func loadLibrary(c *Contract, cfg *Config, seeded *Dataset, seededUsers []User) (*library, error) {
	var problems Problems
	var setup []string
	scenSrc, err := sourceFor(cfg.ScenariosDir, "scenarios")
	if err != nil {
		setup = append(setup, "scenarios: "+err.Error())
	}
	fixSrc, err := sourceFor(cfg.FixturesDir, "fixtures")
	if err != nil {
		setup = append(setup, "fixtures: "+err.Error())
	}
	if setup != nil {
		return nil, errors.New(strings.Join(setup, "; "))
	}
	lib := &library{data: seeded}
	var ps Problems
	lib.fixtures, ps = loadFixtureLibrary(c, fixSrc)
	problems = append(problems, ps...)
	lib.scenarios, ps = loadScenarios(c, scenSrc, lib.fixtures)
	problems = append(problems, ps...)
	if cfg.Fixtures != "" {
		abs := filepath.Clean(cfg.Fixtures)
		users, err := LoadFixtures(c, os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
		var fps Problems
		if errors.As(err, &fps) {
			for i := range fps {
				fps[i].Path = filepath.Join(filepath.Dir(abs), fps[i].Path)
			}
			problems = append(problems, fps...)
		} else if err != nil {
			problems = append(problems, Problem{Path: cfg.Fixtures, Message: err.Error()})
		} else {
			if cfg.MergeFixtures {
				users = MergeUsers(seededUsers, users)
			}
			if lib.data, err = NewDataset(c, users); err != nil {
				problems = append(problems, Problem{Path: cfg.Fixtures, Message: err.Error()})
			}
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, problems
	}
	return lib, nil
}

// ErrUnknownScenario is the error for a scenario name with no file.
var ErrUnknownScenario = errors.New("unknown scenario")

// watchDirs are the directories whose files the library is read from.
func (cfg *Config) watchDirs() []string {
	var dirs []string
	for _, d := range []string{cfg.ScenariosDir, cfg.FixturesDir} {
		if d != "" {
			dirs = append(dirs, d)
			if info, err := os.Stat(filepath.Join(d, "bodies")); err == nil && info.IsDir() {
				dirs = append(dirs, filepath.Join(d, "bodies"))
			}
		}
	}
	if cfg.Fixtures != "" {
		if info, err := os.Stat(cfg.Fixtures); err == nil && info.IsDir() {
			dirs = append(dirs, cfg.Fixtures)
		} else {
			dirs = append(dirs, filepath.Dir(cfg.Fixtures))
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}
