package record

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
)

func TestPseudonymFormats(t *testing.T) {
	p := NewPseudonymiser(testKey(1))
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name  string
		got   string
		check func(string) bool
	}{
		{"email", p.Email("John.Doe@acme.co.uk"), func(s string) bool { return looksLikeEmail(s) && ReservedEmail(s) }},
		{"email ignores case", p.Email("john.doe@ACME.co.uk"), func(s string) bool { return s == p.Email("John.Doe@acme.co.uk") }},
		{"user_id e-mail", p.UserID("john.doe@acme.co.uk"), func(s string) bool { return s == p.Email("john.doe@acme.co.uk") }},
		{"user_id UUID", p.UserID("9b22ad51-1c1f-4c3e-9a0b-2f1d3c4e5f60"), uuid.MatchString},
		{"user_id other", p.UserID("user_12345"), regexp.MustCompile(`^user-[a-z2-7]{16}$`).MatchString},
		{"ipv4", p.IP("81.2.69.160"), func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is4() && DocumentationIP(a) }},
		{"ipv6", p.IP("2a00:1450:4009:81f::200e"), func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is6() && DocumentationIP(a) }},
		{"name", p.Name("Zoë Ångström-Łukasiewicz"), regexp.MustCompile(`^\pL[\pL' ]*\pL \pL[\pL' ]*-\pL[\pL' ]*$`).MatchString},
		{"name lower case", p.Name("john"), func(s string) bool { return s == strings.ToLower(p.Name("John")) }},
		{"phone", p.Phone("+44 20 7946 0958"), regexp.MustCompile(`^\+1-555-01\d\d$`).MatchString},
		{"digits", p.Digits("4111111111111111"), regexp.MustCompile(`^[1-9]\d{15}$`).MatchString},
	}
	for _, tt := range tests {
		if !tt.check(tt.got) {
			t.Errorf("%s: pseudonym %q has the wrong form", tt.name, tt.got)
		}
	}
}

// TestPseudonymsAreFilterSafe: no pseudonym holds LIKE's %, _ or \.
func TestPseudonymsAreFilterSafe(t *testing.T) {
	p := NewPseudonymiser(testKey(3))
	for i := range 2000 {
		v := strings.Repeat("x", i%7) + "_%\\" + string(rune('a'+i%26)) + strings.Repeat("9", i%5)
		for _, s := range []string{p.UserID(v), p.Email(v + "@acme.com"), p.Name(v + " O'Neil"), p.lastName(v), p.IP(v), p.Token(v),
			p.UUID("9b22ad51-1c1f-4c3e-9a0b-2f1d3c4e5f6" + string(rune('0'+i%10)))} {
			if strings.ContainsAny(s, `%_\`) {
				t.Fatalf("pseudonym %q of %q holds a LIKE wildcard or escape", s, v)
			}
		}
	}
}

func TestFreeText(t *testing.T) {
	p := NewPseudonymiser(testKey(1))
	who := newIdentity("user_12345", "John Doe", "Ann O'Neil")
	tests := []struct {
		in        string
		gone      []string // must not survive
		want      []string // must appear
		unchanged bool
	}{
		{in: "Hi, I'm John, mail john.doe@acme.com", gone: []string{"John", "john.doe@acme.com"},
			want: []string{p.nameWord("John", true), p.Email("john.doe@acme.com")}},
		{in: "Call me on +44 20 7946 0958 or 020 7946 0958", gone: []string{"7946"}, want: []string{"+1-555-01"}},
		{in: "My IP is 81.2.69.160 and 2a00:1450:4009:81f::200e", gone: []string{"81.2.69.160", "2a00:1450"}, want: []string{p.IP("81.2.69.160")}},
		{in: "order 12345678 for user_12345", gone: []string{"12345678", "user_12345"}, want: []string{p.Digits("12345678"), p.UserID("user_12345")}},
		{in: "see https://shop.example.net/u/88231/orders?email=jane@acme.com&lang=en#token=abcdef123456789",
			gone: []string{"88231", "jane@acme.com", "abcdef123456789"}, want: []string{"https://shop.example.net/u/", "lang=en"}},
		{in: "Sent 2024-01-15 10:30:00, chrome 105.0.0, order #42", unchanged: true},
		{in: "Ask O'Neil", gone: []string{"Neil"}},
		{in: "Doe, John DOE", gone: []string{"Doe", "John", "DOE"}, want: []string{strings.ToUpper(p.nameWord("Doe", false))}},
	}
	for _, tt := range tests {
		got := p.text(tt.in, who)
		if tt.unchanged && got != tt.in {
			t.Errorf("text(%q) = %q, want it unchanged", tt.in, got)
		}
		for _, g := range tt.gone {
			if strings.Contains(got, g) {
				t.Errorf("text(%q) = %q, still holds %q", tt.in, got, g)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("text(%q) = %q, want %q in it", tt.in, got, w)
			}
		}
	}
	if got := NewPseudonymiser(nil).text("john.doe@acme.com", who); got != "john.doe@acme.com" {
		t.Errorf("without a key, text changed: %q", got)
	}
}

// TestAnswerConsistency: one real value, one pseudonym, wherever it is:
// user_id, the object's key, chatbot_user_data, a form's values, text.
func TestAnswerConsistency(t *testing.T) {
	p := NewPseudonymiser(testKey(1))
	body := `{"data":[{"jane@acme.com":{"chatbot_user_data":{"id":"jane@acme.com","name":"Jane Roe","email":"jane@acme.com","ip_address":"81.2.69.160","country":"GB","custom":{"phone":"+44 20 7946 0958"}},` +
		`"from":"2024-01-15T00:00:00.000000Z","to":"2024-01-15T23:59:59.000000Z","user_id":"jane@acme.com","selected_scenario":"billing","browser":"chrome 105.0.0",` +
		`"interactions":[{"type":"form_response","date":"2024-01-15T10:30:00.000000Z","text":"","data":{"name":"Jane","email":"jane@acme.com","callback_id":"form_77777777"}},` +
		`{"type":"button","date":"2024-01-15T10:31:00.000000Z","text":"Jane's orders","data":{"name":"Billing","callback_id":"billing_001"}}]}}]}`
	root, err := parseJSON([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p.answer(root)
	out := string(appendJSON(nil, root))
	email := p.Email("jane@acme.com")
	for _, want := range []string{
		`"` + email + `":{"chatbot_user_data":{"id":"` + email + `","name":"` + p.Name("Jane Roe") + `","email":"` + email + `","ip_address":"` + p.IP("81.2.69.160") + `","country":"GB","custom":{"phone":"+1-555-01`,
		`"user_id":"` + email + `","selected_scenario":"billing","browser":"chrome 105.0.0"`,
		`"data":{"name":"` + p.nameWord("Jane", true) + `","email":"` + email + `","callback_id":"form_77777777"}`,
		`"text":"` + p.nameWord("Jane", true) + `'s orders","data":{"name":"Billing","callback_id":"billing_001"}`,
		`"from":"2024-01-15T00:00:00.000000Z"`, `"date":"2024-01-15T10:30:00.000000Z"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("pseudonymised answer lacks %s\n%s", want, out)
		}
	}
	for _, gone := range []string{"acme", "Roe", "81.2.69.160", "7946"} {
		if strings.Contains(out, gone) {
			t.Errorf("pseudonymised answer still holds %q", gone)
		}
	}
}

func TestKeyFileAndFingerprint(t *testing.T) {
	k := testKey(1)
	back, err := ParseKey(k.Text())
	if err != nil || string(back) != string(k) {
		t.Fatalf("ParseKey(Text()) = %x, %v", back, err)
	}
	if _, err := ParseKey("short"); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	if fp := k.Fingerprint(); strings.Contains(fp, strings.TrimSpace(k.Text())[:8]) || fp == testKey(2).Fingerprint() {
		t.Errorf("fingerprint %q reveals the key or does not tell keys apart", fp)
	}
}
