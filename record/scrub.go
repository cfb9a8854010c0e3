package record

import (
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// Free text (messages, form values) is scrubbed in one pass over the
// text: every span that holds personal data (an e-mail, a URL with
// personal parts, an IP address, a UUID, a phone number, a long run of
// digits, a word of the user's own name, the user's own ID) is replaced by
// its pseudonym; the rest is kept. One pass, so a pseudonym is never
// scrubbed again.

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	uuidRE  = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	// spanRE finds the candidates, longest kinds first; each is checked
	// (an IP must parse, a phone number have 9 to 15 digits and not be a
	// date) before it is replaced.
	spanRE = regexp.MustCompile(strings.Join([]string{
		`(?P<url>https?://[^\s"'<>]+)`,
		`(?P<email>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)`,
		`(?P<uuid>\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b)`,
		`(?P<ip6>\b[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b)`,
		`(?P<ip4>\b\d{1,3}(?:\.\d{1,3}){3}\b)`,
		`(?P<phone>\+?\(?\d[\d ().\-]{7,}\d)`,
		`(?P<digits>\d{7,})`,
	}, "|"))
	dateLikeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|\d{2}[./-]\d{2}[./-]\d{4}`)
	digitsRE   = regexp.MustCompile(`\d{7,}`)
)

func looksLikeEmail(s string) bool {
	m := emailRE.FindStringIndex(s)
	return m != nil && m[0] == 0 && m[1] == len(s)
}

// identity is what the scrubber knows of the user whose text it scrubs:
// their own name's words and ID are replaced where they appear.
type identity struct {
	id        string
	nameWords map[string]bool // lower-cased; true for the first word
}

func newIdentity(id string, names ...string) identity {
	who := identity{id: id, nameWords: map[string]bool{}}
	for _, n := range names {
		first := true
		forEachWord(n, func(_, word string) {
			if len([]rune(word)) < 2 {
				first = first && word == ""
				return
			}
			w := strings.ToLower(word)
			if _, seen := who.nameWords[w]; !seen {
				who.nameWords[w] = first
			}
			first = false
		})
	}
	return who
}

type span struct {
	start, end int
	repl       string
}

// text scrubs free text written by, or about, the user who.
func (p *Pseudonymiser) text(s string, who identity) string {
	if !p.Enabled() || s == "" {
		return s
	}
	var spans []span
	names := spanRE.SubexpNames()
	for _, m := range spanRE.FindAllStringSubmatchIndex(s, -1) {
		for g := 1; g < len(names); g++ {
			if m[2*g] < 0 {
				continue
			}
			v := s[m[2*g]:m[2*g+1]]
			if r, ok := p.replaceSpan(names[g], v, who); ok && r != v {
				spans = append(spans, span{m[2*g], m[2*g+1], r})
			}
			break
		}
	}
	if who.id != "" && len(who.id) >= 4 {
		for i := 0; ; {
			j := strings.Index(s[i:], who.id)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(who.id), p.UserID(who.id)})
			i += j + len(who.id)
		}
	}
	if len(who.nameWords) > 0 {
		pos := 0
		forEachWord(s, func(sep, word string) {
			pos += len(sep)
			base, suffix := word, ""
			if _, whole := who.nameWords[strings.ToLower(word)]; !whole {
				if i := strings.IndexByte(word, '\''); i > 0 {
					base, suffix = word[:i], word[i:] // Jane's
				}
			}
			if first, ok := who.nameWords[strings.ToLower(base)]; ok {
				spans = append(spans, span{pos, pos + len(word), p.nameWord(base, first) + suffix})
			}
			pos += len(word)
		})
	}
	if len(spans) == 0 {
		return s
	}
	// Earliest first, the longest of those that start together; spans
	// inside one already taken are dropped.
	sort.SliceStable(spans, func(i, j int) bool {
		if spans[i].start != spans[j].start {
			return spans[i].start < spans[j].start
		}
		return spans[i].end > spans[j].end
	})
	var b strings.Builder
	at := 0
	for _, sp := range spans {
		if sp.start < at {
			continue
		}
		b.WriteString(s[at:sp.start])
		b.WriteString(sp.repl)
		at = sp.end
	}
	b.WriteString(s[at:])
	return b.String()
}

// replaceSpan is the pseudonym of a candidate span of a kind, if it is
// personal data.
func (p *Pseudonymiser) replaceSpan(kind, v string, who identity) (string, bool) {
	switch kind {
	case "url":
		return p.URL(v, who), true
	case "email":
		return p.Email(v), true
	case "uuid":
		return p.UUID(v), true
	case "ip6", "ip4":
		if a, err := netip.ParseAddr(v); err == nil && (kind == "ip4" || strings.Count(v, ":") >= 2) {
			return p.IP(a.String()), true
		}
		return "", false
	case "phone":
		n := 0
		for _, r := range v {
			if r >= '0' && r <= '9' {
				n++
			}
		}
		if n < 9 || n > 15 || dateLikeRE.MatchString(v) {
			return p.digitsIn(v), true
		}
		return p.Phone(v), true
	case "digits":
		return p.Digits(v), true
	}
	return "", false
}

// digitsIn replaces the long digit runs of a span that was not a phone
// number after all.
func (p *Pseudonymiser) digitsIn(v string) string {
	return digitsRE.ReplaceAllStringFunc(v, p.Digits)
}

// URL scrubs a URL's personal parts: user info, an IP host, path segments
// that hold an e-mail, a UUID, a long number or a long token, and every
// query value and fragment that holds personal data. The scheme, a host
// name and plain path words are kept, so a link still says where it went.
func (p *Pseudonymiser) URL(raw string, who identity) string {
	if !p.Enabled() {
		return raw
	}
	trail := ""
	for strings.ContainsAny(raw[len(raw)-1:], ".,;:!?)") && len(raw) > 8 {
		trail, raw = raw[len(raw)-1:]+trail, raw[:len(raw)-1]
	}
	u, err := url.Parse(raw)
	if err != nil {
		return p.Token(raw) + trail
	}
	changed := false
	if u.User != nil {
		u.User, changed = url.User(p.Token(u.User.String())), true
	}
	if a, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		host := p.IP(a.String())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		if port := u.Port(); port != "" {
			host += ":" + port
		}
		u.Host, changed = host, true
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if r := p.pathPart(seg, who); r != seg {
			segs[i], changed = r, true
		}
	}
	if changed {
		u.Path, u.RawPath = strings.Join(segs, "/"), ""
	}
	if u.RawQuery != "" {
		q := u.Query()
		qChanged := false
		for k, vs := range q {
			for i, v := range vs {
				if r := p.pathPart(v, who); r != v {
					vs[i], qChanged = r, true
				}
			}
			q[k] = vs
		}
		if qChanged {
			u.RawQuery, changed = q.Encode(), true
		}
	}
	if u.Fragment != "" {
		if r := p.pathPart(u.Fragment, who); r != u.Fragment {
			u.Fragment, changed = r, true
		}
	}
	if !changed {
		return raw + trail
	}
	return u.String() + trail
}

// pathPart scrubs one segment or value of a URL: free text first; what is
// left and still looks like an identifier (4 digits or more, or a long
// mix of letters and digits) becomes a token.
func (p *Pseudonymiser) pathPart(s string, who identity) string {
	if s == "" {
		return s
	}
	if r := p.text(s, who); r != s {
		return r
	}
	digits, letters := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			letters++
		}
	}
	if digits >= 4 || (len(s) >= 20 && digits > 0 && letters > 0) {
		return p.Token(s)
	}
	return s
}
