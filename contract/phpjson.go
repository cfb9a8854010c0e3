package contract

import "unicode/utf8"

// OpenDialog is a Laravel application: its JSON comes from PHP's json_encode
// with no flags, which escapes "/" as "\/" and every non-ASCII character as
// \uXXXX (UTF-16). odmock writes the same bytes, so a client that compares
// bodies, or mishandles escapes, sees what the real server sends.

const hexDigits = "0123456789abcdef"

// AppendString appends s to dst as a JSON string the way PHP's json_encode
// writes it. Invalid UTF-8 becomes U+FFFD. Runs of bytes written as they
// are (most of a text) are copied whole.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && !escaped[s[j]] {
			j++
		}
		dst = append(dst, s[i:j]...)
		if i = j; i == len(s) {
			break
		}
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
			default: // the other controls
				dst = appendU(dst, rune(c))
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

// escaped is the bytes AppendString does not copy as they are: controls,
// quote, backslash, slash, and every byte of a non-ASCII character.
var escaped = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c < 0x20 || c == '"' || c == '\\' || c == '/' || c >= utf8.RuneSelf
	}
	return t
}()

// appendRuneEscape appends r as \uXXXX, or a UTF-16 surrogate pair.
func appendRuneEscape(dst []byte, r rune) []byte {
	if r >= 0x10000 {
		r -= 0x10000
		dst = appendU(dst, 0xD800+(r>>10))
		return appendU(dst, 0xDC00+(r&0x3FF))
	}
	return appendU(dst, r)
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// AppendNullableString appends s as a JSON string, or null when ok is false.
func AppendNullableString(dst []byte, s string, ok bool) []byte {
	if !ok {
		return append(dst, "null"...)
	}
	return AppendString(dst, s)
}
