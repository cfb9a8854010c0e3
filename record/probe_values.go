package record

import (
	"slices"
	"strings"
	"unicode"
)

// What probing tries: lengths, candidates, characters and their order.

// maxProbeLength bounds the length of a value probing learns.
const maxProbeLength = 128

// probeAlphabet is what a position is tried with, after the characters
// the candidates and learned values suggest for it. Lower case only:
// filters ignore case.
const probeAlphabet = "eaoinrtslcdumhpgbfywkvxzjq0123456789 .-/_:+(),'@&#"

// probeCandidates are values, or the beginnings of values, a provider's
// attributes are likely to hold: what OpenDialog's webchat writes
// (detect-browser's names before a version, its OS names), IANA time
// zone regions, common locales and countries.
var probeCandidates = map[string][]string{
	"platform":         {"webchat", "whatsapp", "messenger", "teams"},
	"os":               {"Windows 10", "Mac OS", "iOS", "Android OS", "Linux", "Chrome OS"},
	"browser":          {"chrome ", "safari ", "firefox ", "edge-chromium ", "ios ", "crios ", "samsung ", "opera ", "edge "},
	"browser_language": {"en-GB", "en-US", "de-DE", "fr-FR", "es-ES", "it-IT", "pt-BR", "pt-PT", "nl-NL", "en"},
	"timezone": {"Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome",
		"Europe/Amsterdam", "Europe/Brussels", "Europe/Lisbon", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen",
		"Europe/Helsinki", "Europe/Warsaw", "Europe/Vienna", "Europe/Zurich", "Europe/Athens", "Europe/Istanbul",
		"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Toronto",
		"America/Vancouver", "America/Mexico_City", "America/Sao_Paulo", "America/Buenos_Aires", "America/Bogota",
		"Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Asia/Dubai", "Asia/Shanghai", "Asia/Hong_Kong",
		"Australia/Sydney", "Australia/Melbourne", "Pacific/Auckland", "Africa/Johannesburg", "Africa/Lagos", "UTC",
		"Europe/", "America/", "Asia/", "Australia/", "Africa/", "Pacific/"},
	"country":           {"GB", "US", "DE", "FR", "ES", "IT", "NL", "IE", "PT", "BR", "CA", "AU", "IN", "MX"},
	"selected_scenario": {"customer_support"},
}

// personalAttributes are attributes whose learned values are replaced by
// pseudonyms, and whose probe patterns the recording does not keep.
var personalAttributes = map[string]bool{"ip_address": true, "email": true}

// agrees reports whether u's known characters allow a value beginning
// with rs.
func agrees(u *probeUser, rs []rune) bool {
	for i, r := range rs {
		if i >= len(u.chars) {
			return false
		}
		lr := []rune(strings.ToLower(string(r)))[0]
		if c := u.chars[i]; c != 0 && []rune(strings.ToLower(string(c)))[0] != lr {
			return false
		}
		if u.not[i][lr] {
			return false
		}
	}
	return true
}

// order is the characters to try at position i of a value l long: those
// the learned values and candidates have there, most often first, then
// the alphabet, the class of the character before first (digits and dots
// after a digit: a version, an address).
func (pr *prober) order(i, l int, prev rune, learned []string) []rune {
	count := map[rune]int{}
	var seen []rune
	for _, s := range learned {
		rs := []rune(strings.ToLower(s))
		if i < len(rs) && len(rs) <= l {
			if count[rs[i]] == 0 {
				seen = append(seen, rs[i])
			}
			count[rs[i]]++
		}
	}
	slices.SortStableFunc(seen, func(a, b rune) int { return count[b] - count[a] })
	alphabet := []rune(probeAlphabet)
	if unicode.IsDigit(prev) || prev == '.' || prev == ':' {
		slices.SortStableFunc(alphabet, func(a, b rune) int { return digitClass(b) - digitClass(a) })
	}
	for _, r := range alphabet {
		if count[r] == 0 {
			seen = append(seen, r)
		}
	}
	return seen
}

// digitClass ranks what follows a digit: digits, then separators.
func digitClass(r rune) int {
	switch {
	case unicode.IsDigit(r):
		return 2
	case r == '.' || r == ':':
		return 1
	}
	return 0
}
