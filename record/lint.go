package record

import (
	"bufio"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Personal-data lint: CI refuses a raw recording (or any fixture) that
// holds e-mails outside reserved domains, IP addresses outside the
// documentation ranges, or any value of a deny-list. Findings name the
// file and line, and show the value masked: the lint's own output must
// not leak what it found.

// Finding is one piece of personal data found in a file.
type Finding struct {
	Path    string
	Line    int
	Message string
}

func (f Finding) String() string { return fmt.Sprintf("%s:%d: %s", f.Path, f.Line, f.Message) }

var (
	ip4RE = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}\b`)
	ip6RE = regexp.MustCompile(`\b[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\b`)
	// documentation holds the ranges reserved for examples (RFC 5737, RFC
	// 3849), and the addresses that name no one.
	documentation = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
)

// ReservedEmail reports whether an e-mail's domain is reserved for
// examples (RFC 2606): example.com, .org, .net and their subdomains, and
// the .example, .test, .invalid and .localhost names.
func ReservedEmail(email string) bool {
	_, domain, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return false
	}
	for _, d := range reservedDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	for _, tld := range []string{".example", ".test", ".invalid", ".localhost"} {
		if strings.HasSuffix(domain, tld) {
			return true
		}
	}
	return false
}

// DocumentationIP reports whether an address names no one: the
// documentation ranges, loopback or unspecified.
func DocumentationIP(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	for _, p := range documentation {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// mask shows a value's shape without the value: j***@a***.com.
func mask(s string) string {
	var b strings.Builder
	keep := true
	for _, r := range s {
		switch {
		case strings.ContainsRune("@.:", r):
			b.WriteRune(r)
			keep = true
		case keep:
			b.WriteRune(r)
			keep = false
		default:
			if !strings.HasSuffix(b.String(), "***") {
				b.WriteString("***")
			}
		}
	}
	return b.String()
}

// LintPersonalData checks the files at paths (files, or directories
// walked for .yaml, .yml, .json and .jsonl files) for personal data. deny
// holds values that must appear nowhere, matched ignoring case.
func LintPersonalData(paths []string, deny []string) ([]Finding, error) {
	var out []Finding
	for _, root := range paths {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			if path != root {
				switch strings.ToLower(filepath.Ext(path)) {
				case ".yaml", ".yml", ".json", ".jsonl":
				default:
					return nil
				}
			}
			fs, err := lintFile(path, deny)
			out = append(out, fs...)
			return err
		})
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func lintFile(path string, deny []string) ([]Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Finding
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxBody)
	lowerDeny := make([]string, 0, len(deny))
	for _, d := range deny {
		if d = strings.TrimSpace(d); d != "" {
			lowerDeny = append(lowerDeny, strings.ToLower(d))
		}
	}
	for n := 1; sc.Scan(); n++ {
		line := strings.ReplaceAll(sc.Text(), `\/`, "/") // JSON's escaped slashes
		add := func(format string, args ...any) {
			out = append(out, Finding{Path: path, Line: n, Message: fmt.Sprintf(format, args...)})
		}
		for _, e := range emailRE.FindAllString(line, -1) {
			if !ReservedEmail(e) {
				add("e-mail %s is outside the reserved domains (example.com, example.org, example.net)", mask(e))
			}
		}
		for _, m := range append(ip4RE.FindAllString(line, -1), ip6RE.FindAllString(line, -1)...) {
			a, err := netip.ParseAddr(m)
			if err != nil || (a.Is6() && strings.Count(m, ":") < 2) {
				continue
			}
			if !DocumentationIP(a) {
				add("IP address %s is outside the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)", mask(m))
			}
		}
		low := strings.ToLower(line)
		for _, d := range lowerDeny {
			if strings.Contains(low, d) {
				add("a value of the deny-list (%s) appears", mask(d))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
