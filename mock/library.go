package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/odmock/odmock"
	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
)

// library is everything the server answers from: the served dataset, the
// scenarios, and the fixture library rules can name. It is immutable; a
// reload builds a new one and swaps it in whole, so a request sees the
// old state or the new, never half of each.
type library struct {
	data      *dataset.Dataset
	scenarios map[string]*scenario
	fixtures  map[string]*dataset.Dataset
	// gen numbers libraries in the order they were loaded: an exchange
	// names the one it was answered from, so an explanation can say when
	// files were reloaded since.
	gen uint64
}

// scenarioNames lists the library's scenarios by name, in order.
func (lib *library) scenarioNames() []string { return sortedScenarioNames(lib.scenarios) }

// fileConfig names the user files a library is read from.
type fileConfig struct {
	// scenariosDir and fixturesDir add the user's own files to the
	// shipped ones ("" for the shipped ones only); a user's file replaces
	// a shipped one of the same name.
	scenariosDir, fixturesDir string
	fixtures                  string // served instead of the seeded users
	merge                     bool   // merged with the seeded users instead
}

// userFiles is the library in force and how it is replaced: it reads the
// scenario and fixture files at start, again on request or when they
// change, and swaps a new library in whole only when every file is good.
type userFiles struct {
	contract *contract.Contract
	cfg      fileConfig
	// seeded is the generated dataset, reused by every reload; seededUsers
	// are its users, kept only when fixtures are merged into them.
	seeded      *dataset.Dataset
	seededUsers []dataset.User
	built       time.Duration // how long building seeded took
	log         *slog.Logger

	lib  atomic.Pointer[library]
	gens atomic.Uint64 // the last library's gen
	mu   sync.Mutex    // one reload at a time
}

// current is the library in force.
func (f *userFiles) current() *library { return f.lib.Load() }

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
	return source{fsys: rootedFS{dir}, display: dir, dir: dir}, nil
}

// rootedFS is a directory on disk that nothing read through it can leave:
// each open goes through os.Root, so "..", absolute paths and symbolic
// links that lead outside (to /etc/passwd, /proc/self/environ) are
// refused, where os.DirFS follows them. A scenario's body_file is served
// to any client: it must come from the scenario's own folder.
type rootedFS struct{ dir string }

func (r rootedFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	root, err := os.OpenRoot(r.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close() // a file opened from it stays open
	return root.Open(name)
}

// sourcesFor are the shipped copy of a directory and, when dir is set,
// the user's directory over it: later sources win on a name.
func sourcesFor(dir, shipped string) ([]source, error) {
	srcs := []source{embeddedSource(shipped)}
	if dir == "" {
		return srcs, nil
	}
	src, err := dirSource(dir)
	if err != nil {
		return nil, err
	}
	return append(srcs, src), nil
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

// loadFixtureLibrary indexes every fixture file of the sources, by name;
// a later source's file replaces an earlier one's.
func loadFixtureLibrary(c *contract.Contract, srcs ...source) (map[string]*dataset.Dataset, Problems) {
	out := map[string]*dataset.Dataset{}
	var problems Problems
	for _, src := range srcs {
		problems = append(problems, loadFixturesFrom(c, src, out)...)
	}
	return out, problems
}

// loadFixturesFrom adds every fixture file of src to out.
func loadFixturesFrom(c *contract.Contract, src source, out map[string]*dataset.Dataset) Problems {
	return src.readEach("fixtures", func(file, name string, data []byte) Problems {
		users, ps := parseFixture(c, name, data)
		if len(ps) > 0 {
			return ps
		}
		d, err := dataset.New(c, users)
		if err != nil {
			return Problems{{Path: name, Message: err.Error()}}
		}
		out[scenarioName(file)] = d
		return nil
	})
}

// loadScenarios parses every scenario file of the sources against the
// contract and the fixture library; a later source's file replaces an
// earlier one's.
func loadScenarios(c *contract.Contract, srcs []source, fixtures map[string]*dataset.Dataset) (map[string]*scenario, Problems) {
	out := map[string]*scenario{}
	var problems Problems
	for _, src := range srcs {
		l := &scenarioLoader{c: c, fixtures: fixtures, scenFS: src.fsys}
		problems = append(problems, src.readEach("scenarios", func(file, name string, data []byte) Problems {
			sc, ps := l.parseScenario(file, name, data)
			if len(ps) == 0 {
				out[sc.Name] = sc
			}
			return ps
		})...)
	}
	return out, problems
}

// load reads every user file the configuration names into a new library.
func (f *userFiles) load() (*library, error) {
	c, cfg := f.contract, f.cfg
	var problems Problems
	var setup []string
	scenSrcs, err := sourcesFor(cfg.scenariosDir, "scenarios")
	if err != nil {
		setup = append(setup, "scenarios: "+err.Error())
	}
	fixSrcs, err := sourcesFor(cfg.fixturesDir, "fixtures")
	if err != nil {
		setup = append(setup, "fixtures: "+err.Error())
	}
	if setup != nil {
		return nil, errors.New(strings.Join(setup, "; "))
	}
	lib := &library{data: f.seeded, gen: f.gens.Add(1)}
	var ps Problems
	lib.fixtures, ps = loadFixtureLibrary(c, fixSrcs...)
	problems = append(problems, ps...)
	lib.scenarios, ps = loadScenarios(c, scenSrcs, lib.fixtures)
	problems = append(problems, ps...)
	if cfg.fixtures != "" {
		abs := filepath.Clean(cfg.fixtures)
		users, err := loadFixtures(c, rootedFS{filepath.Dir(abs)}, filepath.Base(abs))
		var fps Problems
		if errors.As(err, &fps) {
			for i := range fps {
				fps[i].Path = filepath.Join(filepath.Dir(abs), fps[i].Path)
			}
			problems = append(problems, fps...)
		} else if err != nil {
			problems = append(problems, Problem{Path: cfg.fixtures, Message: err.Error()})
		} else {
			if cfg.merge {
				users = dataset.MergeUsers(f.seededUsers, users)
			}
			if lib.data, err = dataset.New(c, users); err != nil {
				problems = append(problems, Problem{Path: cfg.fixtures, Message: err.Error()})
			}
		}
	}
	if len(problems) > 0 {
		sortProblems(problems)
		return nil, problems
	}
	return lib, nil
}

// watchDirs are the directories whose files the library is read from.
func (cfg fileConfig) watchDirs() []string {
	var dirs []string
	for _, d := range []string{cfg.scenariosDir, cfg.fixturesDir} {
		if d != "" {
			dirs = append(dirs, d)
			if info, err := os.Stat(filepath.Join(d, "bodies")); err == nil && info.IsDir() {
				dirs = append(dirs, filepath.Join(d, "bodies"))
			}
		}
	}
	if cfg.fixtures != "" {
		if info, err := os.Stat(cfg.fixtures); err == nil && info.IsDir() {
			dirs = append(dirs, cfg.fixtures)
		} else {
			dirs = append(dirs, filepath.Dir(cfg.fixtures))
		}
	}
	for i, d := range dirs {
		dirs[i] = filepath.Clean(d)
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

// loads reports whether a change to the file at p can change the library:
// a scenario or fixture file directly in a configured directory, a file
// under a scenario directory's bodies/, or the --fixtures file itself.
// Anything else in those directories (a log odmock writes, an editor's
// swap file, the user's other files) is none of odmock's business: a
// reload on it would be wasted, and on odmock's own log, endless.
func (cfg fileConfig) loads(p string) bool {
	p = filepath.Clean(p)
	dir, name := filepath.Split(p)
	dir = filepath.Clean(dir)
	if cfg.fixtures != "" {
		fx := filepath.Clean(cfg.fixtures)
		if p == fx {
			return true
		}
		if dir == fx && isFixtureFile(name) {
			return true
		}
	}
	for _, d := range []string{cfg.scenariosDir, cfg.fixturesDir} {
		if d != "" && dir == filepath.Clean(d) && isFixtureFile(name) {
			return true
		}
	}
	// body_file paths: what a scenario sends, whatever its name.
	return cfg.scenariosDir != "" && dir == filepath.Join(filepath.Clean(cfg.scenariosDir), "bodies") &&
		!strings.HasPrefix(name, ".")
}
