package mock

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/odmock/odmock/dataset"
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
//	  token:   valid | invalid | missing | {equals: THE-TOKEN}
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

// scenario is a named, scripted behaviour of the server.
type scenario struct {
	Name        string
	Description string
	Path        string
	Rules       []*scenarioRule
}

// scenarioRule is one rule of a scenario.
type scenarioRule struct {
	Name  string
	Line  int
	match ruleMatch
	times int // 0: no limit
	after int
	call  int // 0: any call
	// answers holds one answer, or a sequence answered in turn.
	answers []*ruleAnswer
	repeat  bool
}

// ruleAnswer is what a rule does with a call it answers.
type ruleAnswer struct {
	Line    int
	fixture string           // the fixture the engine answers from, "" for the dataset
	data    *dataset.Dataset // the fixture's data, resolved at load
	status  int              // 0: the engine answers
	headers [][2]string
	body    []byte
	// delay, and delayMax > delay for a random delay in [delay, delayMax].
	delay, delayMax time.Duration
	fault           string
	outside         bool
}

// scripted reports whether the answer is written from the file rather
// than by the engine.
func (a *ruleAnswer) scripted() bool { return a.status != 0 }

// ruleMatch is a rule's conditions.
type ruleMatch struct {
	query   []namedMatch
	headers []namedMatch
	token   string // "", "valid", "invalid", "missing", or "=" + a token ({equals: TOKEN})
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

// ruleNames lists the scenario's rules by name, in order.
func (sc *scenario) ruleNames() []string {
	names := make([]string, len(sc.Rules))
	for i, r := range sc.Rules {
		names[i] = r.Name
	}
	return names
}

// sortedScenarioNames lists a scenario set's names in order.
func sortedScenarioNames(m map[string]*scenario) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
