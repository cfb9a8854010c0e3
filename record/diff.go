package record

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/odmock/odmock/contract"
)

// Diff is what changed in a workspace between two recordings made with
// one key: pseudonyms are stable, so a user who is new is a user who is
// new, not noise.
type Diff struct {
	Old, New                string
	SameKey                 bool
	OldUsers, NewUsers      int
	AddedUsers, GoneUsers   []string
	OldInteractions         int
	NewInteractions         int
	AddedTypes, GoneTypes   []string
	AddedFields, GoneFields []string
	AddedBrowsers           []string
	GoneBrowsers            []string
	// Attributes lists attributes whose status changed: "ip_address:
	// observed -> unknown".
	Attributes []string
}

// recordingFacts are the facts of a recording a diff compares.
type recordingFacts struct {
	m     *Manifest
	users []string
}

func readFacts(ctx context.Context, dir string) (*recordingFacts, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	xs, err := ReadTranscript(filepath.Join(dir, TranscriptFile))
	if err != nil {
		return nil, err
	}
	c, err := contract.Default(ctx)
	if err != nil {
		return nil, err
	}
	col, _ := collect(c, xs)
	f := &recordingFacts{m: m}
	for _, u := range col.seen {
		f.users = append(f.users, u.id)
	}
	slices.Sort(f.users)
	return f, nil
}

// DiffDirs compares the recording in oldDir with the one in newDir.
func DiffDirs(ctx context.Context, oldDir, newDir string) (*Diff, error) {
	o, err := readFacts(ctx, oldDir)
	if err != nil {
		return nil, fmt.Errorf("old recording: %w", err)
	}
	n, err := readFacts(ctx, newDir)
	if err != nil {
		return nil, fmt.Errorf("new recording: %w", err)
	}
	d := &Diff{Old: oldDir, New: newDir,
		SameKey:  o.m.Pseudonymisation.KeyFingerprint == n.m.Pseudonymisation.KeyFingerprint,
		OldUsers: len(o.users), NewUsers: len(n.users),
		OldInteractions: o.m.Counts.Interactions, NewInteractions: n.m.Counts.Interactions,
	}
	d.AddedUsers, d.GoneUsers = setDiff(o.users, n.users)
	d.AddedTypes, d.GoneTypes = setDiff(o.m.InteractionTypes, n.m.InteractionTypes)
	d.AddedFields, d.GoneFields = setDiff(o.m.Fields, n.m.Fields)
	d.AddedBrowsers, d.GoneBrowsers = setDiff(o.m.Browsers, n.m.Browsers)
	for _, a := range sortedKeys(n.m.Attributes) {
		if was, now := o.m.Attributes[a].Status, n.m.Attributes[a].Status; was != now {
			d.Attributes = append(d.Attributes, fmt.Sprintf("%s: %s -> %s", a, orNone(was), now))
		}
	}
	return d, nil
}

func orNone(s string) string {
	if s == "" {
		return "absent"
	}
	return s
}

// setDiff is what b adds to a, and what it drops.
func setDiff(a, b []string) (added, gone []string) {
	for _, x := range b {
		if !slices.Contains(a, x) {
			added = append(added, x)
		}
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			gone = append(gone, x)
		}
	}
	return added, gone
}

// Changed reports whether anything changed.
func (d *Diff) Changed() bool {
	return len(d.AddedUsers)+len(d.GoneUsers)+len(d.AddedTypes)+len(d.GoneTypes)+len(d.AddedFields)+
		len(d.GoneFields)+len(d.AddedBrowsers)+len(d.GoneBrowsers)+len(d.Attributes) > 0 ||
		d.OldInteractions != d.NewInteractions
}

// WriteText writes the diff for a person, a section per kind of change.
func (d *Diff) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "odmock record --diff %s -> %s\n", d.Old, d.New)
	if !d.SameKey {
		b.WriteString("warning: the recordings were pseudonymised with different keys: every user differs\n")
	}
	fmt.Fprintf(&b, "users: %d -> %d (%d new, %d gone)\n", d.OldUsers, d.NewUsers, len(d.AddedUsers), len(d.GoneUsers))
	fmt.Fprintf(&b, "interactions: %d -> %d\n", d.OldInteractions, d.NewInteractions)
	section := func(title string, added, gone []string) {
		for _, x := range added {
			fmt.Fprintf(&b, "+ %s %s\n", title, x)
		}
		for _, x := range gone {
			fmt.Fprintf(&b, "- %s %s\n", title, x)
		}
	}
	section("user", d.AddedUsers, d.GoneUsers)
	section("interaction type", d.AddedTypes, d.GoneTypes)
	section("field", d.AddedFields, d.GoneFields)
	section("browser", d.AddedBrowsers, d.GoneBrowsers)
	for _, a := range d.Attributes {
		fmt.Fprintf(&b, "~ attribute %s\n", a)
	}
	if !d.Changed() {
		b.WriteString("no change\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
