package mock

import (
	"context"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A scenario file (scenarios/NAME.yaml) names a behaviour: a list of rules,
// tried in order for each call; the first rule that matches the call and
// whose turn it is answers it. A call no rule answers gets the normal
// answer from the dataset.
//
//	description: The token works twice, then it has expired.
//	rules:
//	  - name: still valid
//	    times: 2              # answers the first 2 calls it matches
//	  - name: expired
//	    status: 401           # the contract's 401 body
//
// A rule's keys:
//
//	name: text                   shown in logs, the journal and the admin API
//	match:                       all must hold (default: every call)
//	  query:   {NAME: VALUE}     query parameters, as Laravel reads them
//	  headers: {NAME: VALUE}     request headers
//	  token:   valid | invalid | missing | THE-TOKEN
//	times: N                     answer only the first N calls it matches
//	after: N                     let the first N calls it matches through
//	call: N                      answer only the Nth call it matches
//	...an answer, or sequence: [answer, ...] with repeat: true|false
//
// A VALUE is text to equal, or one of {equals: T}, {contains: T},
// {matches: REGEXP}, {present: true|false}. An answer's keys:
//
//	respond: dataset             the normal answer (the default)
//	fixture: NAME                the normal answer, from fixtures/NAME.yaml
//	status: 401                  a scripted answer: status, headers, body
//	headers: {NAME: VALUE}
//	body: YAML or JSON value     (a text value is sent as it is)
//	body_file: bodies/x.json     relative to the scenario file
//	delay: 800ms | 1s-3s         before answering (a range: at random)
//	fault: reset | empty | truncate
//	outside_contract: true       required for statuses the contract does
//	                             not define, and for faults
//
// Calls are counted per session (X-Odmock-Session, else the token) and
// per rule: a rule counts the calls that reach it and match it.

// Scenario is a named, scripted behaviour of the server.
type Scenario struct {
	Name        string
	Description string
	Path        string
	Rules       []*Rule
}

// Rule is one rule of a scenario.
type Rule struct {
	Name  string
	Line  int
	match ruleMatch
	times int // 0: no limit
	after int
	call  int // 0: any call
	// answers holds one answer, or a sequence answered in turn.
	answers []*Answer
	repeat  bool
}

// Answer is what a rule does with a call it answers.
type Answer struct {
	Line    int
	fixture string   // the fixture the engine answers from, "" for the dataset
	data    *Dataset // the fixture's data, resolved at load
	status  int      // 0: the engine answers
	headers [][2]string
	body    []byte
	// delay, and delayMax > delay for a random delay in [delay, delayMax].
	delay, delayMax time.Duration
	fault           string
	outside         bool
}

// scripted reports whether the answer is written from the file rather
// than by the engine.
func (a *Answer) scripted() bool { return a.status != 0 }

// ruleMatch is a rule's conditions.
type ruleMatch struct {
	query   []namedMatch
	headers []namedMatch
	token   string // "", "valid", "invalid", "missing", or "=" + a token
}

type namedMatch struct {
	name string
	m    valueMatch
}

type valueMatch struct {
	op    string // equals, contains, matches, present
	value string
	re    *regexp.Regexp
	want  bool // for present
}

func (m valueMatch) test(v string, ok bool) bool {
	switch m.op {
	case "present":
		return ok == m.want
	case "equals":
		return ok && v == m.value
	case "contains":
		return ok && strings.Contains(v, m.value)
	case "matches":
		return ok && m.re.MatchString(v)
	}
	return false
}

// The faults a rule can inject.
const (
	FaultReset    = "reset"    // the connection is reset (RST), nothing sent
	FaultEmpty    = "empty"    // the connection is closed, nothing sent
	FaultTruncate = "truncate" // headers and half the body, then closed
)

// answerKeys are the keys of an answer, in a rule or a sequence.
func answerKeys() []string {
	return []string{"respond", "fixture", "status", "headers", "body", "body_file", "delay", "fault", "outside_contract"}
}

// scenarioLoader parses scenario files against the contract and a fixture
// library.
type scenarioLoader struct {
	c        *Contract
	fixtures map[string]*Dataset
	scenFS   fs.FS  // where body_file paths are read
	current  string // the file being parsed, as a path in scenFS
}

// parseScenario reads one scenario file: file is its path in scenFS, name
// its path for problems.
func (l *scenarioLoader) parseScenario(file, name string, data []byte) (*Scenario, Problems) {
	l.current = file
	f := &yamlFile{path: name}
	root := f.parse(data)
	if root == nil {
		return nil, f.problems
	}
	top := f.mapping(root, "a scenario file", "description", "rules")
	sc := &Scenario{Name: scenarioName(name), Path: name}
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

// scenarioName is a scenario's name: its file name without extension.
func scenarioName(file string) string {
	base := path.Base(file)
	return strings.TrimSuffix(base, path.Ext(base))
}

func (l *scenarioLoader) parseRule(f *yamlFile, n *yaml.Node, index int) *Rule {
	keys := append([]string{"name", "match", "times", "after", "call", "sequence", "repeat"}, answerKeys()...)
	m := f.mapping(n, "a rule", keys...)
	if m == nil {
		return nil
	}
	r := &Rule{Name: "rule " + strconv.Itoa(index), Line: n.Line, repeat: true}
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
		if _, known := l.c.byName[q.name]; !known {
			f.errorf(m["query"], "query parameter %q is not in the contract: such a call is always a 422", q.name)
		}
	}
	rm.headers = named(m["headers"], "headers", http.CanonicalHeaderKey)
	if tn := m["token"]; tn != nil {
		if t, ok := f.str(tn, "token"); ok {
			switch t {
			case "valid", "invalid", "missing":
				rm.token = t
			case "":
				f.errorf(tn, "token: want valid, invalid, missing or a token")
			default:
				rm.token = "=" + t
			}
		}
	}
	return rm
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
func (l *scenarioLoader) parseAnswer(f *yamlFile, n *yaml.Node, m map[string]*yaml.Node) *Answer {
	a := &Answer{Line: n.Line}
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
			switch v {
			case FaultReset, FaultEmpty, FaultTruncate:
				a.fault = v
			default:
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

func (l *scenarioLoader) parseDelay(f *yamlFile, n *yaml.Node, a *Answer) {
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
func (l *scenarioLoader) checkContract(f *yamlFile, n *yaml.Node, m map[string]*yaml.Node, a *Answer) {
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
	defined := l.c.route.Operation.Responses.Status(a.status) != nil
	if !defined {
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
		body = exampleBody(l.c, a.status)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, l.c.route.Path, nil)
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
		f.errorf(at, "status %d answer breaks the contract: %s", a.status, oneLine(err.Error()))
	}
}

// exampleBody is the contract's body for a status with no body given: the
// page's examples for 401 and 422 (both dates missing), Laravel's for 429.
func exampleBody(c *Contract, status int) []byte {
	switch status {
	case http.StatusUnauthorized:
		return messageBody(msgUnauthenticated)
	case http.StatusUnprocessableEntity:
		ve := &ValidationError{Message: msgInvalidData}
		for _, p := range c.params {
			if p.Required {
				ve.add(KindRequired, p.Name, msgRequired(p.Name))
			}
		}
		return ve.AppendJSON(nil)
	case http.StatusTooManyRequests:
		return messageBody(msgTooManyAttempts)
	case http.StatusOK:
		return []byte(emptyBody)
	}
	return messageBody(http.StatusText(status))
}

// exampleHeaders are the headers that go with exampleBody.
func exampleHeaders(status int) [][2]string {
	if status == http.StatusTooManyRequests {
		return [][2]string{{"Retry-After", "60"}, {"X-RateLimit-Limit", "60"}, {"X-RateLimit-Remaining", "0"}}
	}
	return nil
}

// ruleNames lists the scenario's rules by name, in order.
func (sc *Scenario) ruleNames() []string {
	names := make([]string, len(sc.Rules))
	for i, r := range sc.Rules {
		names[i] = r.Name
	}
	return names
}

// sortedScenarioNames lists a scenario set's names in order.
func sortedScenarioNames(m map[string]*Scenario) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
