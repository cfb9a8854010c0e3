package mock

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
	"gopkg.in/yaml.v3"
)

// answerKeys are the keys of an answer, in a rule or a sequence.
func answerKeys() []string {
	return []string{"respond", "fixture", "status", "headers", "body", "body_file", "delay", "fault", "outside_contract"}
}

// scenarioLoader parses scenario files against the contract and a fixture
// library.
type scenarioLoader struct {
	c        *contract.Contract
	fixtures map[string]*dataset.Dataset
	scenFS   fs.FS  // where body_file paths are read
	current  string // the file being parsed, as a path in scenFS
}

// parseScenario reads one scenario file: file is its path in scenFS, name
// its path for problems.
func (l *scenarioLoader) parseScenario(file, name string, data []byte) (*scenario, Problems) {
	l.current = file
	f := &yamlFile{path: name}
	root := f.parse(data)
	if root == nil {
		return nil, f.problems
	}
	top := f.mapping(root, "a scenario file", "description", "rules")
	sc := &scenario{Name: scenarioName(name), Path: name}
	if top["description"] != nil {
		sc.Description, _ = f.str(top["description"], "description")
	}
	if top["rules"] == nil && top != nil {
		f.errorf(root, "a scenario needs rules: a list of rules")
	}
	for i, rn := range f.sequence(top["rules"], "rules") {
		if r := l.parseRule(f, rn, i+1); r != nil {
			sc.Rules = append(sc.Rules, r)
		}
	}
	return sc, f.problems
}

// withoutValue is a contract error on one line, without the schema and
// the value kin-openapi appends: the value is the body, perhaps a file's
// content, and an error must never echo it.
func withoutValue(msg string) string {
	for _, mark := range []string{"\nSchema:", "\nValue:"} {
		if i := strings.Index(msg, mark); i >= 0 {
			msg = msg[:i]
		}
	}
	return oneLine(msg)
}

// scenarioName is a scenario's name: its file name without extension.
func scenarioName(file string) string {
	base := path.Base(file)
	return strings.TrimSuffix(base, path.Ext(base))
}

func (l *scenarioLoader) parseRule(f *yamlFile, n *yaml.Node, index int) *scenarioRule {
	keys := append([]string{"name", "match", "times", "after", "call", "sequence", "repeat"}, answerKeys()...)
	m := f.mapping(n, "a rule", keys...)
	if m == nil {
		return nil
	}
	r := &scenarioRule{Name: "rule " + strconv.Itoa(index), Line: n.Line, repeat: true}
	if m["name"] != nil {
		if name, ok := f.str(m["name"], "name"); ok {
			r.Name = name
		}
	}
	r.match = l.parseMatch(f, m["match"])
	if m["times"] != nil {
		r.times, _ = f.integer(m["times"], "times", 1, 1<<30)
	}
	if m["after"] != nil {
		r.after, _ = f.integer(m["after"], "after", 1, 1<<30)
	}
	if m["call"] != nil {
		r.call, _ = f.integer(m["call"], "call", 1, 1<<30)
	}
	if m["repeat"] != nil {
		r.repeat, _ = f.boolean(m["repeat"], "repeat")
	}
	hasAnswer := false
	for _, k := range answerKeys() {
		if m[k] != nil {
			hasAnswer = true
		}
	}
	if seq := m["sequence"]; seq != nil {
		if hasAnswer {
			f.errorf(seq, "a rule has either a sequence or one answer, not both")
		}
		items := f.sequence(seq, "sequence")
		if seq.Kind == yaml.SequenceNode && len(items) == 0 {
			f.errorf(seq, "sequence is empty")
		}
		for _, item := range items {
			am := f.mapping(item, "a sequence answer", answerKeys()...)
			if am != nil {
				r.answers = append(r.answers, l.parseAnswer(f, item, am))
			}
		}
	} else {
		if m["repeat"] != nil {
			f.errorf(m["repeat"], "repeat goes with sequence")
		}
		r.answers = append(r.answers, l.parseAnswer(f, n, m))
	}
	return r
}

func (l *scenarioLoader) parseMatch(f *yamlFile, n *yaml.Node) ruleMatch {
	var rm ruleMatch
	m := f.mapping(n, "match", "query", "headers", "token")
	if m == nil {
		return rm
	}
	named := func(n *yaml.Node, what string, canon func(string) string) []namedMatch {
		var out []namedMatch
		mm := f.mapping(n, what)
		keys := make([]string, 0, len(mm))
		for k := range mm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if vm, ok := l.parseValueMatch(f, mm[k], what+" "+k); ok {
				out = append(out, namedMatch{name: canon(k), m: vm})
			}
		}
		return out
	}
	rm.query = named(m["query"], "query", func(s string) string { return s })
	for _, q := range rm.query {
		if !l.c.HasParam(q.name) {
			f.errorf(m["query"], "query parameter %q is not in the contract: such a call is always a 422", q.name)
		}
	}
	rm.headers = named(m["headers"], "headers", http.CanonicalHeaderKey)
	if tn := m["token"]; tn != nil {
		rm.token = l.parseTokenMatch(f, tn)
	}
	return rm
}

// parseTokenMatch reads match.token: valid, invalid, missing, or one
// token spelled out as {equals: TOKEN}. A literal must be explicit: a
// misspelt "vaild" taken as a token no client sends would make the rule
// silently never match.
func (l *scenarioLoader) parseTokenMatch(f *yamlFile, n *yaml.Node) string {
	n = resolveAlias(n)
	if n.Kind == yaml.MappingNode {
		m := f.mapping(n, "token", "equals")
		if m["equals"] == nil {
			if len(n.Content) == 0 {
				f.errorf(n, "token: give equals, the token a client sends")
			}
			return "" // an unknown key is reported already
		}
		t, ok := f.str(m["equals"], "token equals")
		if ok && t == "" {
			f.errorf(n, "token equals: the token must not be empty")
		}
		return "=" + t
	}
	t, ok := f.str(n, "token")
	if !ok {
		return ""
	}
	switch t {
	case "valid", "invalid", "missing":
		return t
	}
	f.errorf(n, "token %q: want valid, invalid, missing, or {equals: TOKEN} for one token", t)
	return ""
}

func (l *scenarioLoader) parseValueMatch(f *yamlFile, n *yaml.Node, what string) (valueMatch, bool) {
	n = resolveAlias(n)
	if n.Kind == yaml.ScalarNode {
		s, ok := f.str(n, what)
		return valueMatch{op: "equals", value: s}, ok
	}
	m := f.mapping(n, what, "equals", "contains", "matches", "present")
	if len(m) != 1 {
		if m != nil {
			f.errorf(n, "%s: give one of equals, contains, matches or present", what)
		}
		return valueMatch{}, false
	}
	for op, v := range m {
		if op == "present" {
			b, ok := f.boolean(v, what+" present")
			return valueMatch{op: op, want: b}, ok
		}
		s, ok := f.str(v, what+" "+op)
		if !ok {
			return valueMatch{}, false
		}
		vm := valueMatch{op: op, value: s}
		if op == "matches" {
			re, err := regexp.Compile(s)
			if err != nil {
				f.errorf(v, "%s: bad regular expression: %v", what, err)
				return valueMatch{}, false
			}
			vm.re = re
		}
		return vm, true
	}
	return valueMatch{}, false
}

// parseAnswer reads an answer's keys from m, the mapping node n.
func (l *scenarioLoader) parseAnswer(f *yamlFile, n *yaml.Node, m map[string]*yaml.Node) *ruleAnswer {
	a := &ruleAnswer{Line: n.Line}
	if rn := m["respond"]; rn != nil {
		if v, ok := f.str(rn, "respond"); ok && v != "dataset" {
			f.errorf(rn, "respond %q: the only engine answer is dataset (or give fixture: NAME)", v)
		}
		if m["status"] != nil {
			f.errorf(rn, "respond: dataset and status do not go together: the engine chooses the status")
		}
	}
	if fn := m["fixture"]; fn != nil {
		if name, ok := f.str(fn, "fixture"); ok {
			a.fixture = name
			if a.data = l.fixtures[name]; a.data == nil {
				have := make([]string, 0, len(l.fixtures))
				for k := range l.fixtures {
					have = append(have, k)
				}
				sort.Strings(have)
				f.errorf(fn, "unknown fixture %q (have: %s)", name, strings.Join(have, ", "))
			}
		}
		if m["status"] != nil {
			f.errorf(fn, "fixture and status do not go together: the engine chooses the status")
		}
	}
	if sn := m["status"]; sn != nil {
		if v, err := strconv.Atoi(sn.Value); err != nil || sn.Kind != yaml.ScalarNode {
			f.errorf(sn, "status %q is not a number", sn.Value)
		} else if v < 100 || v > 599 {
			f.errorf(sn, "status %d is not an HTTP status (100 to 599)", v)
		} else {
			a.status = v
		}
	}
	if hn := m["headers"]; hn != nil {
		hm := f.mapping(hn, "headers")
		keys := make([]string, 0, len(hm))
		for k := range hm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v, ok := f.str(hm[k], "header "+k); ok {
				a.headers = append(a.headers, [2]string{k, v})
			}
		}
	}
	if bn := m["body"]; bn != nil {
		if m["body_file"] != nil {
			f.errorf(bn, "give body or body_file, not both")
		}
		if bn.Kind == yaml.ScalarNode && bn.Tag == "!!str" {
			a.body = []byte(bn.Value)
		} else if b, err := nodeJSON(nil, bn); err != nil {
			f.errorf(bn, "body: %v", err)
		} else {
			a.body = b
		}
	}
	if fn := m["body_file"]; fn != nil {
		if name, ok := f.str(fn, "body_file"); ok {
			var b []byte
			err := fs.ErrNotExist
			if l.scenFS != nil {
				b, err = fs.ReadFile(l.scenFS, path.Join(path.Dir(l.current), name))
			}
			if err != nil {
				f.errorf(fn, "body_file %q: cannot read it", name)
			}
			a.body = b
		}
	}
	if dn := m["delay"]; dn != nil {
		l.parseDelay(f, dn, a)
	}
	if fn := m["fault"]; fn != nil {
		if v, ok := f.str(fn, "fault"); ok {
			if isFault(v) {
				a.fault = v
			} else {
				f.errorf(fn, "fault %q: want reset, empty or truncate", v)
			}
		}
	}
	if on := m["outside_contract"]; on != nil {
		a.outside, _ = f.boolean(on, "outside_contract")
	}
	if (a.body != nil || a.headers != nil) && a.status == 0 {
		f.errorf(n, "headers and body need a status: without one, the engine answers")
	}
	l.checkContract(f, n, m, a)
	return a
}

func (l *scenarioLoader) parseDelay(f *yamlFile, n *yaml.Node, a *ruleAnswer) {
	s, ok := f.str(n, "delay")
	if !ok {
		return
	}
	lo, hi, isRange := strings.Cut(s, "-")
	d1, err1 := time.ParseDuration(strings.TrimSpace(lo))
	d2, err2 := d1, error(nil)
	if isRange {
		d2, err2 = time.ParseDuration(strings.TrimSpace(hi))
	}
	switch {
	case err1 != nil || err2 != nil || d1 < 0:
		f.errorf(n, "delay %q: want a duration (800ms) or a range (1s-3s)", s)
	case d2 < d1:
		f.errorf(n, "delay %q: the range ends before it starts", s)
	case d2 > 5*time.Minute:
		f.errorf(n, "delay %q: at most 5m", s)
	default:
		a.delay, a.delayMax = d1, d2
	}
}

// checkContract validates a scripted answer against openapi.yaml at load,
// so a scenario cannot make odmock break the contract by accident.
func (l *scenarioLoader) checkContract(f *yamlFile, n *yaml.Node, m map[string]*yaml.Node, a *ruleAnswer) {
	at := n
	if m["status"] != nil {
		at = m["status"]
	}
	if a.fault != "" {
		if !a.outside {
			f.errorf(m["fault"], "fault %s is outside the contract: add outside_contract: true", a.fault)
		}
		return
	}
	if !a.scripted() {
		return
	}
	if !l.c.DefinesStatus(a.status) {
		if !a.outside {
			f.errorf(at, "status %d is not in the contract: add outside_contract: true", a.status)
		}
		return
	}
	if a.outside {
		return // the author says so: odmock marks the answer
	}
	body := a.body
	if body == nil {
		body = l.c.ExampleBody(a.status)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, l.c.Path(), nil)
	header := http.Header{"Content-Type": {"application/json"}}
	for _, h := range a.headers {
		header.Set(h[0], h[1])
	}
	if err := l.c.ValidateResponse(context.Background(), req, a.status, header, body); err != nil {
		if m["body"] != nil {
			at = m["body"]
		} else if m["body_file"] != nil {
			at = m["body_file"]
		}
		f.errorf(at, "status %d answer breaks the contract: %s", a.status, withoutValue(err.Error()))
	}
}
