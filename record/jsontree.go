package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/odmock/odmock/contract"
)

// node is a JSON value that keeps what a provider wrote: object keys in
// their order, numbers as their text. Answers are rewritten through it
// and written back the way PHP's json_encode writes them, as the engine
// does, so a pseudonymised answer compares byte for byte with a replay.
type node struct {
	kind   byte   // '{', '[', '"', 'n' (number), 'b' (bool), '0' (null)
	text   string // a string's value, a number's or a bool's text
	keys   []string
	values []*node // an object's values (by keys) or an array's items
}

func (n *node) get(key string) *node {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.values[i]
		}
	}
	return nil
}

// str is a string node's value; ok is false for anything else.
func (n *node) str() (string, bool) {
	if n == nil || n.kind != '"' {
		return "", false
	}
	return n.text, true
}

const maxDepth = 128

// parseJSON reads one JSON value, keeping key order and number text.
func parseJSON(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readNode(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("more than one JSON value")
	}
	return n, nil
}

func readNode(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(t)}
		for dec.More() {
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := readNode(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.values = append(n.values, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case string:
		return &node{kind: '"', text: t}, nil
	case json.Number:
		return &node{kind: 'n', text: t.String()}, nil
	case bool:
		return &node{kind: 'b', text: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: '0'}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// appendJSON writes n as PHP's json_encode does (\/, \uXXXX).
func appendJSON(dst []byte, n *node) []byte {
	switch n.kind {
	case '{':
		dst = append(dst, '{')
		for i, k := range n.keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = contract.AppendString(dst, k)
			dst = append(dst, ':')
			dst = appendJSON(dst, n.values[i])
		}
		return append(dst, '}')
	case '[':
		dst = append(dst, '[')
		for i, v := range n.values {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, v)
		}
		return append(dst, ']')
	case '"':
		return contract.AppendString(dst, n.text)
	case 'n', 'b':
		return append(dst, n.text...)
	}
	return append(dst, "null"...)
}
