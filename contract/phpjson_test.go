package contract

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// TestAppendString holds AppendString to a character-by-character
// writer of json_encode's rules, and to encoding/json's reading, on
// random strings of the bytes that matter.
func TestAppendString(t *testing.T) {
	pieces := []string{"a", "Zz 9", `"`, `\`, "/", "\n", "\r", "\t", "\b", "\f", "\x01", "\x1f", "\x7f", "é", "ß", "€", "😀",
		"\xff", "\xe2\x82", "\u202f", " ", "<>&'", "\u2028"}
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 50000 {
		var s string
		for range r.IntN(10) {
			s += pieces[r.IntN(len(pieces))]
		}
		got, want := AppendString([]byte("x"), s), oneByOne([]byte("x"), s)
		if !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
		var back string
		if err := json.Unmarshal(got[1:], &back); err != nil || (utf8.ValidString(s) && back != s) {
			t.Fatalf("%q: %s reads back as %q (%v)", s, got, back, err)
		}
		if k == 0 && !bytes.Equal(AppendString(nil, ""), []byte(`""`)) {
			t.Fatal(`"" is not written ""`)
		}
	}
}

// oneByOne is AppendString as it was first written: a character at a
// time.
func oneByOne(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '/':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			case c < 0x20:
				dst = appendU(dst, rune(c))
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		dst = appendRuneEscape(dst, r)
		i += size
	}
	return append(dst, '"')
}
