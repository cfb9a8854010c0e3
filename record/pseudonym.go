package record

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/brianvoe/gofakeit/v6"
)

// KeySize is the length of a pseudonymisation key in bytes.
const KeySize = 32

// Key is a pseudonymisation key: the secret that makes pseudonyms
// unguessable. Keep it out of the recording and out of version control.
type Key []byte

// NewKey draws a random key.
func NewKey() (Key, error) {
	k := make(Key, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("draw a pseudonym key: %w", err)
	}
	return k, nil
}

// ParseKey reads a key as written by Key.Text: hex, surrounding space
// ignored. Any text of at least 16 bytes that is not hex is taken as a
// passphrase, so a secret manager's value works as it is.
func ParseKey(text string) (Key, error) {
	text = strings.TrimSpace(text)
	if b, err := hex.DecodeString(text); err == nil && len(b) >= 16 {
		return b, nil
	}
	if len(text) < 16 {
		return nil, errors.New("pseudonym key too short: want 64 hex digits (odmock writes one) or a passphrase of 16 bytes or more")
	}
	return Key(text), nil
}

// ReadKeyFile reads a key file.
func ReadKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pseudonym key: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Text is the key as a file holds it: hex and a newline.
func (k Key) Text() string { return hex.EncodeToString(k) + "\n" }

// Fingerprint names the key without revealing it, so a manifest can say
// which key made a recording: two recordings with one fingerprint have
// comparable pseudonyms.
func (k Key) Fingerprint() string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("odmock pseudonym key fingerprint"))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil)[:8])
}

// Pseudonymiser maps real values to pseudonyms: keyed (HMAC-SHA-256),
// deterministic, format-preserving, and free of LIKE's wildcards (%, _) and
// its escape (\), so a pseudonym can be used as a filter value as it is.
// The zero value (no key) keeps every value: --keep-personal-data.
type Pseudonymiser struct {
	key Key
}

// NewPseudonymiser pseudonymises with key; a nil key keeps every value.
func NewPseudonymiser(key Key) *Pseudonymiser { return &Pseudonymiser{key: key} }

// Enabled reports whether values are replaced.
func (p *Pseudonymiser) Enabled() bool { return p != nil && len(p.key) > 0 }

// sum is the HMAC of a value of a kind: kinds keep an e-mail's pseudonym
// apart from a name's of the same text.
func (p *Pseudonymiser) sum(kind, value string) []byte {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

func (p *Pseudonymiser) seed(kind, value string) int64 {
	return int64(binary.BigEndian.Uint64(p.sum(kind, value)) | 1) // never 0: gofakeit's "random"
}

var token32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// UserID is the pseudonym of a user ID: an e-mail stays an e-mail and a
// UUID a UUID (the webchat's two kinds of ID); anything else becomes
// user-<16 letters and digits>.
func (p *Pseudonymiser) UserID(id string) string {
	switch {
	case !p.Enabled():
		return id
	case looksLikeEmail(id):
		return p.Email(id)
	case uuidRE.MatchString(id):
		return p.UUID(id)
	}
	return "user-" + token32.EncodeToString(p.sum("id", id))[:16]
}

// Token is the pseudonym of an opaque token, e.g. a personal URL part.
func (p *Pseudonymiser) Token(s string) string {
	if !p.Enabled() {
		return s
	}
	return "p" + token32.EncodeToString(p.sum("token", s))[:12]
}

// reservedDomains are the domains pseudonymous e-mails use (RFC 2606).
var reservedDomains = []string{"example.com", "example.org", "example.net"}

// Email is the pseudonym of an e-mail address: name.name.hex@ a reserved
// domain. Case is ignored, as the real database ignores it.
func (p *Pseudonymiser) Email(email string) string {
	if !p.Enabled() {
		return email
	}
	canon := strings.ToLower(strings.TrimSpace(email))
	sum := p.sum("email", canon)
	f := gofakeit.New(p.seed("email-name", canon))
	local := asciiLower(f.FirstName()) + "." + asciiLower(f.LastName()) + "." + hex.EncodeToString(sum[:3])
	return local + "@" + reservedDomains[int(sum[4])%len(reservedDomains)]
}

// asciiLower keeps a name's ASCII letters, lower-cased: an e-mail's local
// part.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

// Name is the pseudonym of a person's name, word by word: the first word
// a first name, every later one a last name, each drawn from the faker
// seeded by the word's HMAC; separators are kept. So "John" alone in a
// message gets the first name "John Doe" got.
func (p *Pseudonymiser) Name(name string) string {
	if !p.Enabled() {
		return name
	}
	var b strings.Builder
	first := true
	forEachWord(name, func(sep, word string) {
		b.WriteString(safeSep(sep))
		if word == "" {
			return
		}
		b.WriteString(p.nameWord(word, first))
		first = false
	})
	return b.String()
}

// safeSep keeps a name's separators, but never LIKE's %, _ or \.
func safeSep(sep string) string {
	return strings.NewReplacer("%", "-", "_", "-", `\`, "-").Replace(sep)
}

// nameWord is the pseudonym of one word of a name, in its case style.
func (p *Pseudonymiser) nameWord(word string, first bool) string {
	kind, canon := "last-name", strings.ToLower(word)
	if first {
		kind = "first-name"
	}
	f := gofakeit.New(p.seed(kind, canon))
	out := f.LastName()
	if first {
		out = f.FirstName()
	}
	out = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`%_\`, r) {
			return '-'
		}
		return r
	}, out)
	switch {
	case word == strings.ToLower(word):
		return strings.ToLower(out)
	case word == strings.ToUpper(word) && utf8.RuneCountInString(word) > 1:
		return strings.ToUpper(out)
	}
	return out
}

// forEachWord calls fn with each run of letters (a word) and the
// separator before it; a last call has the trailing separator and "".
func forEachWord(s string, fn func(sep, word string)) {
	start, inWord := 0, false
	sepStart := 0
	for i, r := range s {
		letter := unicode.IsLetter(r) || r == '\''
		switch {
		case letter && !inWord:
			start, inWord = i, true
		case !letter && inWord:
			fn(s[sepStart:start], s[start:i])
			sepStart, inWord = i, false
		}
	}
	if inWord {
		fn(s[sepStart:start], s[start:])
		fn("", "")
		return
	}
	fn(s[sepStart:], "")
}

// IP is the pseudonym of an IP address, in the documentation ranges of its
// family: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32.
// A value that is not an IP address is treated as a token.
func (p *Pseudonymiser) IP(s string) string {
	if !p.Enabled() {
		return s
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return p.Token(s)
	}
	sum := p.sum("ip", a.Unmap().String())
	if a.Unmap().Is4() {
		nets := [3][3]byte{{192, 0, 2}, {198, 51, 100}, {203, 0, 113}}
		n := nets[int(sum[0])%3]
		return netip.AddrFrom4([4]byte{n[0], n[1], n[2], sum[1]}).String()
	}
	var b [16]byte
	b[0], b[1], b[2], b[3] = 0x20, 0x01, 0x0d, 0xb8
	copy(b[4:], sum[:12])
	return netip.AddrFrom16(b).String()
}

// UUID is the pseudonym of a UUID: a version 4 UUID, in the original's case.
func (p *Pseudonymiser) UUID(s string) string {
	if !p.Enabled() {
		return s
	}
	b := p.sum("uuid", strings.ToLower(s))[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	out := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	if s != strings.ToLower(s) {
		out = strings.ToUpper(out)
	}
	return out
}

// Phone is the pseudonym of a phone number: one of the fictional
// +1-555-0100 to +1-555-0199.
func (p *Pseudonymiser) Phone(s string) string {
	if !p.Enabled() {
		return s
	}
	var digits strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits.WriteRune(r)
		}
	}
	return fmt.Sprintf("+1-555-01%02d", int(p.sum("phone", digits.String())[0])%100)
}

// Digits is the pseudonym of a run of digits: as many digits.
func (p *Pseudonymiser) Digits(s string) string {
	if !p.Enabled() {
		return s
	}
	sum := p.sum("digits", s)
	var b strings.Builder
	for i := range len(s) {
		d := sum[i%len(sum)] % 10
		if i == 0 && d == 0 && s[0] != '0' {
			d = 1 + sum[(i+7)%len(sum)]%9
		}
		b.WriteByte('0' + d)
	}
	return b.String()
}

// FreeText scrubs a text as a message of no known user is scrubbed.
func (p *Pseudonymiser) FreeText(s string) string { return p.text(s, identity{}) }

// Kinds are the kinds a value may be pseudonymised as, most likely first:
// what `odmock pseudonym` prints for a value whose kind is not given.
func Kinds(value string) []string {
	if looksLikeEmail(value) {
		return []string{"email"}
	}
	if _, err := netip.ParseAddr(value); err == nil {
		return []string{"ip"}
	}
	if uuidRE.MatchString(value) {
		return []string{"uuid"}
	}
	if n := countDigits(value); n >= 7 && n == len(strings.Map(func(r rune) rune {
		if strings.ContainsRune("+-(). ", r) {
			return -1
		}
		return r
	}, value)) {
		return []string{"phone", "user_id"}
	}
	return []string{"user_id", "name"}
}
