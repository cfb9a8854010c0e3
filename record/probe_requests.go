package record

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/odmock/odmock/verify"
)

// The requests probing sends: over which windows, and what their answers
// say.

// probeWindows merges the recorded chunks into as few windows as the
// answer size allows.
func probeWindows(col *collector, xs []Exchange, maxBytes int) []probeWindow {
	var out []probeWindow
	size := 0
	for _, x := range xs {
		if x.Status != 200 {
			continue
		}
		v, err := url.ParseQuery(x.Query)
		if err != nil {
			continue
		}
		users := map[string]bool{}
		if root, err := parseJSON(x.Bytes()); err == nil {
			if data := root.get("data"); data != nil {
				for _, item := range data.values {
					if item.kind == '{' && len(item.keys) == 1 {
						users[item.keys[0]] = true
					}
				}
			}
		}
		n := len(x.Bytes())
		if k := len(out) - 1; k >= 0 && size+n <= maxBytes {
			out[k].to = v.Get("to")
			for id := range users {
				out[k].users[id] = true
			}
			size += n
			continue
		}
		out = append(out, probeWindow{from: v.Get("from"), to: v.Get("to"), users: users})
		size = n
	}
	return out
}

// match asks for pattern on attr over the windows that hold targets, and
// returns who matched and who the answers could have held.
func (pr *prober) match(ctx context.Context, attr, pattern string, targets []*probeUser) (matched, covered map[string]bool, err error) {
	matched, covered = map[string]bool{}, map[string]bool{}
	left := map[string]bool{}
	for _, u := range targets {
		left[u.id] = true
	}
	for len(left) > 0 {
		best, bestN := -1, 0
		for i, w := range pr.windows {
			n := 0
			for id := range left {
				if w.users[id] {
					n++
				}
			}
			if n > bestN {
				best, bestN = i, n
			}
		}
		if best < 0 {
			return matched, covered, nil // in no window: not to be learned
		}
		w := pr.windows[best]
		for id := range w.users {
			covered[id] = true
			delete(left, id)
		}
		query := "from=" + queryEscape(w.from) + "&to=" + queryEscape(w.to) + "&" + attr + "=" + queryEscape(pattern)
		answers, err := pr.r.client.Get(ctx, query, verify.AuthToken)
		if err != nil {
			return matched, covered, err
		}
		last := answers[len(answers)-1]
		for _, a := range answers {
			for _, d := range verify.Drift(ctx, pr.r.opts.Contract, query, a) {
				pr.r.res.Drift = append(pr.r.res.Drift, "GET "+pr.r.endpoint.Path+"?"+query+": "+d)
			}
		}
		logged := query
		if pr.r.p.Enabled() && personalAttributes[attr] {
			logged = "from=" + queryEscape(w.from) + "&to=" + queryEscape(w.to) + "&" + attr + "=(withheld)"
		}
		p := Probe{Seq: len(pr.log) + 1, Attribute: attr, Query: logged, Status: last.Status, Users: []string{}}
		if last.Status != 200 {
			pr.log = append(pr.log, p)
			return matched, covered, fmt.Errorf("a probe was answered %d: %s", last.Status, snippet(last.Body))
		}
		root, err := parseJSON(last.Body)
		if err != nil {
			return matched, covered, fmt.Errorf("a probe's answer: %w", err)
		}
		if data := root.get("data"); data != nil {
			for _, item := range data.values {
				if item.kind == '{' && len(item.keys) == 1 {
					id := pr.r.p.UserID(item.keys[0])
					matched[id] = true
					p.Users = append(p.Users, id)
				}
			}
		}
		pr.log = append(pr.log, p)
	}
	return matched, covered, nil
}

// queryEscape writes a query value as the page's examples do: spaces as
// %20, colons as they are.
func queryEscape(s string) string {
	return strings.NewReplacer("+", "%20", "%3A", ":").Replace(url.QueryEscape(s))
}

// escapeLike makes s match itself: LIKE's %, _ and \ escaped.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
