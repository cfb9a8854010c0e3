package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/odmock/odmock/contract"
	"github.com/odmock/odmock/dataset"
	"gopkg.in/yaml.v3"
)

// A fixture file holds hand-written users and their conversations:
//
//	users:
//	  - id: user_12345
//	    name: John Doe                 # or null
//	    attributes:                    # any of the contract's filters
//	      email: john@example.com
//	      browser: chrome 105.0.0
//	    messages:
//	      - date: 2024-01-15 10:29:55  # UTC; or RFC 3339
//	        author: bot                # bot or user (the default)
//	        type: text
//	        text: Hi John! How can I help you today?
//	      - date: 2024-01-15 10:30:00
//	        type: button
//	        text: Help with my order
//	        data: {name: Order Help, callback_id: order_help_001}
//
// Fixture users are served through the same engine as generated ones:
// filters, ranges and grouping behave identically.

// fixtureAuthor maps a file's author word to the stored author.
func fixtureAuthor(word string) (string, bool) {
	switch word {
	case "", "user":
		return "me", true
	case "bot":
		return dataset.AuthorBot, true
	}
	return "", false
}

// parseFixture reads one fixture file's users. Problems name the file and
// line; users with problems are left out.
func parseFixture(c *contract.Contract, name string, data []byte) ([]dataset.User, Problems) {
	f := &yamlFile{path: name}
	root := f.parse(data)
	if root == nil {
		return nil, f.problems
	}
	top := f.mapping(root, "a fixture file", "users")
	var users []dataset.User
	seen := map[string]int{}
	for _, un := range f.sequence(top["users"], "users") {
		before := len(f.problems)
		u := parseFixtureUser(c, f, un)
		if line, dup := seen[u.ID]; dup && u.ID != "" {
			f.errorf(un, "user %q is already defined at line %d", u.ID, line)
		}
		if len(f.problems) == before {
			seen[u.ID] = un.Line
			users = append(users, u)
		}
	}
	return users, f.problems
}

func parseFixtureUser(c *contract.Contract, f *yamlFile, n *yaml.Node) dataset.User {
	m := f.mapping(n, "a user", "id", "name", "attributes", "messages")
	var u dataset.User
	if m == nil {
		return u
	}
	if m["id"] == nil {
		f.errorf(n, "a user needs an id")
	} else if id, ok := f.str(m["id"], "id"); ok {
		if id == "" {
			f.errorf(m["id"], "id must not be empty")
		}
		u.ID = id
	}
	if nn := m["name"]; nn != nil && nn.Tag != "!!null" {
		if name, ok := f.str(nn, "name"); ok {
			u.Name = &name
		}
	}
	u.Attributes = map[string]string{}
	attrs := f.mapping(m["attributes"], "attributes", c.Attributes()...)
	for k, v := range attrs {
		if v.Tag == "!!null" {
			continue // null is the same as absent
		}
		if s, ok := f.str(v, "attribute "+k); ok {
			u.Attributes[k] = s
		}
	}
	for _, mn := range f.sequence(m["messages"], "messages") {
		if msg, ok := parseFixtureMessage(c, f, mn); ok {
			u.Messages = append(u.Messages, msg)
		}
	}
	return u
}

func parseFixtureMessage(c *contract.Contract, f *yamlFile, n *yaml.Node) (dataset.Message, bool) {
	before := len(f.problems)
	m := f.mapping(n, "a message", "date", "author", "type", "text", "data")
	var msg dataset.Message
	if m == nil {
		return msg, false
	}
	if m["date"] == nil {
		f.errorf(n, "a message needs a date (2024-01-15 10:30:00, UTC)")
	} else if s, ok := f.str(m["date"], "date"); ok {
		t, err := parseFixtureDate(s)
		if err != nil {
			f.errorf(m["date"], "date %q: want %s (UTC) or RFC 3339", s, time.DateTime)
		}
		msg.Date = t
	}
	word := ""
	if m["author"] != nil {
		word, _ = f.str(m["author"], "author")
	}
	author, ok := fixtureAuthor(word)
	if !ok {
		f.errorf(m["author"], "author %q: want user or bot", word)
	}
	msg.Author = author
	if m["type"] == nil {
		f.errorf(n, "a message needs a type (one of %s)", strings.Join(c.InteractionTypes(), ", "))
	} else if typ, ok := f.str(m["type"], "type"); ok {
		// The contract's set of types is open (real data holds types the
		// page never lists), so any type will do, but not none.
		if typ == "" {
			f.errorf(m["type"], "a message needs a type (one of %s, or any other)", strings.Join(c.InteractionTypes(), ", "))
		}
		msg.Type = typ
	}
	if m["text"] != nil {
		msg.Text, _ = f.str(m["text"], "text")
	}
	if dn := resolveAlias(m["data"]); dn != nil && dn.Tag != "!!null" {
		if dn.Kind != yaml.MappingNode {
			f.errorf(dn, "data must be a mapping (a JSON object) or null")
		} else if b, err := nodeJSON(nil, dn); err != nil {
			f.errorf(dn, "data: %v", err)
		} else {
			msg.Data = b
		}
	}
	return msg, len(f.problems) == before
}

// parseFixtureDate reads a message date: the API's query format, or RFC
// 3339. Sub-second parts are dropped: the API has second precision.
func parseFixtureDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateTime, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC().Truncate(time.Second), err
}

// RecordingManifest is the manifest `odmock record` writes beside its
// fixture; a fixture directory's file of that name is not a fixture, so
// a recording's directory is served as it is (--fixtures DIR).
const RecordingManifest = "manifest.json"

// isFixtureFile reports whether a file name is read as a fixture.
func isFixtureFile(name string) bool {
	if path.Base(name) == RecordingManifest {
		return false
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json": // JSON is YAML
		return true
	}
	return false
}

// loadFixtures reads a fixture file, or every fixture file of a directory
// (in name order), from fsys. User IDs must be unique across the files.
func loadFixtures(c *contract.Contract, fsys fs.FS, name string) ([]dataset.User, error) {
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, Problems{{Path: name, Message: fmt.Sprintf("cannot read fixtures: %v", errors.Unwrap(err))}}
	}
	files := []string{name}
	if info.IsDir() {
		files = nil
		entries, err := fs.ReadDir(fsys, name)
		if err != nil {
			return nil, Problems{{Path: name, Message: fmt.Sprintf("cannot list fixtures: %v", err)}}
		}
		for _, e := range entries {
			if !e.IsDir() && isFixtureFile(e.Name()) {
				files = append(files, path.Join(name, e.Name()))
			}
		}
	}
	var users []dataset.User
	var problems Problems
	where := map[string]string{}
	for _, file := range files {
		data, err := fs.ReadFile(fsys, file)
		if err != nil {
			problems = append(problems, Problem{Path: file, Message: fmt.Sprintf("cannot read: %v", err)})
			continue
		}
		us, ps := parseFixture(c, file, data)
		problems = append(problems, ps...)
		for _, u := range us {
			if other, dup := where[u.ID]; dup {
				problems = append(problems, Problem{Path: file, Message: fmt.Sprintf("user %q is also defined in %s", u.ID, other)})
				continue
			}
			where[u.ID] = file
			users = append(users, u)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return users, nil
}

// WriteFixture writes users as a fixture file that parseFixture reads back
// to the same users: `odmock fixtures export`.
func WriteFixture(w io.Writer, users []dataset.User, header string) error {
	root := &yaml.Node{Kind: yaml.MappingNode}
	list := &yaml.Node{Kind: yaml.SequenceNode}
	root.Content = append(root.Content, scalar("users"), list)
	for _, u := range users {
		un := &yaml.Node{Kind: yaml.MappingNode}
		un.Content = append(un.Content, scalar("id"), scalar(u.ID), scalar("name"))
		if u.Name != nil {
			un.Content = append(un.Content, scalar(*u.Name))
		} else {
			un.Content = append(un.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"})
		}
		attrs := &yaml.Node{Kind: yaml.MappingNode}
		keys := make([]string, 0, len(u.Attributes))
		for k := range u.Attributes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			attrs.Content = append(attrs.Content, scalar(k), scalar(u.Attributes[k]))
		}
		msgs := &yaml.Node{Kind: yaml.SequenceNode}
		for _, m := range u.Messages {
			mn := &yaml.Node{Kind: yaml.MappingNode}
			author := "user"
			if m.FromBot() {
				author = "bot"
			}
			mn.Content = append(mn.Content,
				scalar("date"), scalar(m.Date.UTC().Format(time.DateTime)),
				scalar("author"), scalar(author),
				scalar("type"), scalar(m.Type),
				scalar("text"), scalar(m.Text))
			if m.Data != nil {
				dn, err := jsonNode(m.Data)
				if err != nil {
					return fmt.Errorf("user %s: message data: %w", u.ID, err)
				}
				mn.Content = append(mn.Content, scalar("data"), dn)
			}
			msgs.Content = append(msgs.Content, mn)
		}
		un.Content = append(un.Content, scalar("attributes"), attrs, scalar("messages"), msgs)
		list.Content = append(list.Content, un)
	}
	if header != "" {
		root.HeadComment = header
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

// scalar is a YAML string node, quoted when it would read as another type.
func scalar(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// jsonNode turns a JSON text into YAML nodes, keys in order.
func jsonNode(data []byte) (*yaml.Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var read func() (*yaml.Node, error)
	read = func() (*yaml.Node, error) {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' {
				n := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return nil, err
					}
					v, err := read()
					if err != nil {
						return nil, err
					}
					n.Content = append(n.Content, scalar(k.(string)), v)
				}
				_, err := dec.Token()
				return n, err
			}
			n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for dec.More() {
				v, err := read()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
			_, err := dec.Token()
			return n, err
		case string:
			return scalar(t), nil
		case json.Number:
			tag := "!!int"
			if strings.ContainsAny(t.String(), ".eE") {
				tag = "!!float"
			}
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
		case bool:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(t)}, nil
		case nil:
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
		}
		return nil, fmt.Errorf("unexpected JSON token %v", tok)
	}
	return read()
}
