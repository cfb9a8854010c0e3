package mock

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/odmock/odmock/contract"
	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong in a user's file, at a line.
type Problem struct {
	Path    string
	Line    int
	Message string
}

// String formats the problem as path:line: message, as compilers do.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.Path, p.Line, p.Message)
	}
	return p.Path + ": " + p.Message
}

// Problems is every problem found in a set of files; as an error, one per
// line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by file, then line.
func sortProblems(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Line < ps[j].Line
	})
}

// yamlFile reads one YAML file strictly and collects its problems, so a
// file with three mistakes reports three lines, each with its line number.
type yamlFile struct {
	path     string
	problems Problems
	// keyLine is the line of the key a value node stands under: a problem
	// with a block value is reported where its key is, not a line below.
	keyLine map[*yaml.Node]int
}

func (f *yamlFile) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
		if kl, ok := f.keyLine[n]; ok {
			line = kl
		}
	}
	f.problems = append(f.problems, Problem{Path: f.path, Line: line, Message: fmt.Sprintf(format, args...)})
}

// parse reads data as one YAML document. Empty input is an empty mapping.
func (f *yamlFile) parse(data []byte) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Line: 1}
		}
		f.problems = append(f.problems, yamlProblem(f.path, err))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		f.errorf(&extra, "a second YAML document: keep one per file")
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Line: 1}
	}
	if at := overAliasBudget(doc.Content[0]); at != nil {
		f.errorf(at, "aliases expand past %d values or %d KiB in this file (an alias bomb?): use fewer, or write the values out",
			maxAliasNodes, maxAliasBytes>>10)
		return nil
	}
	return doc.Content[0]
}

// One budget per file, shared by every alias expansion in it: aliases let
// a few lines stand for gigabytes (a 2.6 KB file used to cost 1.6 GB), so
// a file whose aliases expand past it is refused before anything reads it.
// Values written out in full are bounded by the file's size already.
const (
	maxAliasNodes = 100_000 // values reached through aliases
	maxAliasBytes = 4 << 20 // bytes of scalars reached through aliases
)

// overAliasBudget returns the alias at which n's expansions go past the
// budget, or nil when they stay within it. The walk stops there, so it
// costs the budget at most.
func overAliasBudget(n *yaml.Node) *yaml.Node {
	nodes, size := 0, 0
	open := map[*yaml.Node]bool{} // the values being walked: an alias to one is a loop
	var walk func(n *yaml.Node, via *yaml.Node) *yaml.Node
	walk = func(n, via *yaml.Node) *yaml.Node {
		if n == nil || open[n] {
			return nil // a loop: reading the value says so, at its line
		}
		if n.Kind == yaml.AliasNode {
			if via == nil {
				via = n // the outermost alias, for the problem's line
			}
			return walk(n.Alias, via)
		}
		if via != nil {
			nodes++
			size += len(n.Value)
			if nodes > maxAliasNodes || size > maxAliasBytes {
				return via
			}
		}
		open[n] = true
		defer delete(open, n)
		for _, c := range n.Content {
			if at := walk(c, via); at != nil {
				return at
			}
		}
		return nil
	}
	return walk(n, nil)
}

// yamlProblem turns a yaml.v3 syntax error ("yaml: line 3: ...") into a
// Problem at that line.
func yamlProblem(path string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return Problem{Path: path, Line: line, Message: text}
			}
		}
	}
	return Problem{Path: path, Line: 1, Message: msg}
}

// mapping returns the keys of a mapping node, checking each against the
// allowed ones: a typo is an error, never a silent default.
func (f *yamlFile) mapping(n *yaml.Node, what string, allowed ...string) map[string]*yaml.Node {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		f.errorf(n, "%s must be a mapping of keys to values", what)
		return nil
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			f.errorf(k, "%s: keys must be plain words", what)
			continue
		}
		if _, dup := out[k.Value]; dup {
			f.errorf(k, "%s: key %q is given twice", what, k.Value)
			continue
		}
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			f.errorf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		out[k.Value] = v
		if f.keyLine == nil {
			f.keyLine = map[*yaml.Node]int{}
		}
		f.keyLine[v] = k.Line
	}
	return out
}

// sequence returns the items of a sequence node.
func (f *yamlFile) sequence(n *yaml.Node, what string) []*yaml.Node {
	n = resolveAlias(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		f.errorf(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

// str reads a scalar as text.
func (f *yamlFile) str(n *yaml.Node, what string) (string, bool) {
	n = resolveAlias(n)
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		f.errorf(n, "%s must be a text value", what)
		return "", false
	}
	return n.Value, true
}

// integer reads a whole number in [lo, hi].
func (f *yamlFile) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	n = resolveAlias(n)
	if n == nil {
		return 0, false
	}
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		f.errorf(n, "%s %q is not a whole number", what, n.Value)
		return 0, false
	}
	if v < lo || v > hi {
		f.errorf(n, "%s %d is out of range (%d to %d)", what, v, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (f *yamlFile) boolean(n *yaml.Node, what string) (bool, bool) {
	n = resolveAlias(n)
	if n == nil {
		return false, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	}
	f.errorf(n, "%s must be true or false", what)
	return false, false
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// nodeJSON encodes a YAML value as JSON, keys in file order, strings in
// json_encode's escaping: how a scripted body or message data reads in a
// file is how it goes on the wire.
//
// YAML aliases can make a value refer to itself, or expand a few lines
// into gigabytes: nesting is limited to maxJSONDepth and the output to
// maxJSONSize, so a hostile file is an error, not a crash.
func nodeJSON(dst []byte, n *yaml.Node) ([]byte, error) {
	return nodeJSONAt(dst, n, len(dst), 0)
}

const (
	maxJSONDepth = 64
	maxJSONSize  = 4 << 20
)

func nodeJSONAt(dst []byte, n *yaml.Node, start, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nested more than %d levels deep (an alias that refers to itself?)", maxJSONDepth)
	}
	if len(dst)-start > maxJSONSize {
		return nil, fmt.Errorf("larger than %d MiB (aliases that expand?)", maxJSONSize>>20)
	}
	n = resolveAlias(n)
	switch n.Kind {
	case yaml.MappingNode:
		dst = append(dst, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = contract.AppendString(dst, n.Content[i].Value)
			dst = append(dst, ':')
			var err error
			if dst, err = nodeJSONAt(dst, n.Content[i+1], start, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	case yaml.SequenceNode:
		dst = append(dst, '[')
		for i, c := range n.Content {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = nodeJSONAt(dst, c, start, depth+1); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return append(dst, "null"...), nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, err
			}
			return strconv.AppendBool(dst, b), nil
		case "!!int":
			var v int64
			if err := n.Decode(&v); err != nil {
				return nil, fmt.Errorf("number %q: %w", n.Value, err)
			}
			return strconv.AppendInt(dst, v, 10), nil
		case "!!float":
			var v float64
			if err := n.Decode(&v); err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return nil, fmt.Errorf("number %q is not valid in JSON", n.Value)
			}
			return strconv.AppendFloat(dst, v, 'f', -1, 64), nil
		default:
			return contract.AppendString(dst, n.Value), nil
		}
	}
	return nil, fmt.Errorf("a YAML value of kind %d cannot be JSON", n.Kind)
}

// oneLine squeezes kin-openapi's multi-line errors into a short line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}
