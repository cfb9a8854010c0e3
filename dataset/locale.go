package dataset

import (
	"strconv"
	"strings"
)

// country is where a generated user is, and everything that follows from
// it: one draw of a country decides a user's languages, time zone,
// currency, names and devices, so they always agree.
type country struct {
	code      string
	weight    int      // share of users
	languages []string // browser languages, the main one first
	langW     []int
	zones     []string // time zones, weighted by population
	zoneW     []int
	currency  string
	iosShare  int    // percent of mobile users on iOS
	whatsapp  int    // percent of users reaching the bot on WhatsApp
	postcode  string // # a digit, A a letter, space as is
}

func countryTable() []country {
	return []country{
		{"US", 26, []string{"en-US", "es-US"}, []int{88, 12},
			[]string{"America/New_York", "America/Chicago", "America/Los_Angeles", "America/Denver", "America/Phoenix", "America/Anchorage", "Pacific/Honolulu"},
			[]int{47, 29, 15, 5, 2, 1, 1}, "USD", 57, 2, "#####"},
		{"GB", 15, []string{"en-GB", "en-US", "pl-PL"}, []int{90, 8, 2}, []string{"Europe/London"}, []int{1}, "GBP", 50, 6, "AA# #AA"},
		{"DE", 8, []string{"de-DE", "en-US", "en-GB"}, []int{88, 8, 4}, []string{"Europe/Berlin"}, []int{1}, "EUR", 38, 14, "#####"},
		{"FR", 7, []string{"fr-FR", "en-US"}, []int{94, 6}, []string{"Europe/Paris"}, []int{1}, "EUR", 33, 10, "#####"},
		{"ES", 6, []string{"es-ES", "ca-ES", "en-US"}, []int{84, 11, 5}, []string{"Europe/Madrid", "Atlantic/Canary"}, []int{95, 5}, "EUR", 25, 22, "#####"},
		{"IT", 5, []string{"it-IT", "en-US"}, []int{94, 6}, []string{"Europe/Rome"}, []int{1}, "EUR", 30, 22, "#####"},
		{"CA", 4, []string{"en-CA", "fr-CA", "en-US"}, []int{70, 22, 8},
			[]string{"America/Toronto", "America/Vancouver", "America/Edmonton", "America/Winnipeg", "America/Halifax", "America/Regina", "America/St_Johns"},
			[]int{60, 14, 12, 4, 5, 3, 2}, "CAD", 55, 4, "A#A #A#"},
		{"MX", 4, []string{"es-MX", "en-US"}, []int{95, 5},
			[]string{"America/Mexico_City", "America/Monterrey", "America/Tijuana", "America/Cancun"}, []int{80, 10, 7, 3}, "MXN", 22, 30, "#####"},
		{"BR", 4, []string{"pt-BR", "en-US"}, []int{96, 4},
			[]string{"America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Manaus"}, []int{80, 7, 9, 4}, "BRL", 15, 35, "#####-###"},
		{"AU", 3, []string{"en-AU"}, []int{1},
			[]string{"Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Perth", "Australia/Adelaide", "Australia/Hobart"},
			[]int{33, 30, 20, 10, 6, 1}, "AUD", 55, 4, "####"},
		{"NL", 3, []string{"nl-NL", "en-US", "en-GB"}, []int{75, 15, 10}, []string{"Europe/Amsterdam"}, []int{1}, "EUR", 40, 18, "#### AA"},
		{"IN", 3, []string{"en-IN", "hi-IN"}, []int{80, 20}, []string{"Asia/Kolkata"}, []int{1}, "INR", 4, 40, "######"},
		{"IE", 2, []string{"en-IE", "en-GB", "ga-IE"}, []int{82, 16, 2}, []string{"Europe/Dublin"}, []int{1}, "EUR", 50, 10, "A## A#A#"},
		{"PT", 2, []string{"pt-PT", "en-GB"}, []int{94, 6}, []string{"Europe/Lisbon", "Atlantic/Madeira", "Atlantic/Azores"}, []int{95, 3, 2}, "EUR", 25, 25, "####-###"},
		{"BE", 2, []string{"nl-BE", "fr-BE", "en-GB"}, []int{55, 39, 6}, []string{"Europe/Brussels"}, []int{1}, "EUR", 40, 12, "####"},
		{"CH", 2, []string{"de-CH", "fr-CH", "it-CH", "en-GB"}, []int{62, 22, 8, 8}, []string{"Europe/Zurich"}, []int{1}, "CHF", 55, 15, "####"},
		{"AT", 1, []string{"de-AT", "en-US"}, []int{94, 6}, []string{"Europe/Vienna"}, []int{1}, "EUR", 38, 14, "####"},
		{"CO", 1, []string{"es-CO"}, []int{1}, []string{"America/Bogota"}, []int{1}, "COP", 15, 40, "######"},
		{"AR", 1, []string{"es-AR"}, []int{1}, []string{"America/Argentina/Buenos_Aires"}, []int{1}, "ARS", 15, 40, "####"},
		{"NZ", 1, []string{"en-NZ"}, []int{1}, []string{"Pacific/Auckland"}, []int{1}, "NZD", 50, 4, "####"},
	}
}

// conversationLanguage is the language of a user's conversations, from
// their browser language: the bot speaks English, Spanish, French, German,
// Portuguese and Italian; other languages fall back (Catalan to Spanish,
// every other one to English), as a workspace with these six would answer.
func conversationLanguage(tag string) string {
	base, _, _ := strings.Cut(tag, "-")
	switch base {
	case "en", "es", "fr", "de", "pt", "it":
		return base
	case "ca":
		return "es"
	}
	return "en"
}

// nameLocale is whose names a user has: their language's, except that an
// English browser outside the English-speaking countries mostly belongs to
// someone of the country.
func nameLocale(c *country, tag string) string {
	if c.code == "IN" {
		return "in"
	}
	base, _, _ := strings.Cut(tag, "-")
	if base == "en" {
		base, _, _ = strings.Cut(c.languages[0], "-")
	}
	switch base {
	case "es", "ca":
		return "es"
	case "fr", "de", "pt", "it", "nl":
		return base
	case "pl", "ga":
		return "en"
	}
	return "en"
}

// currency is money as a user's country counts it.
type currency struct {
	code   string
	symbol string
	rate   int // units per US dollar, in hundredths
	cents  bool
}

func currencyTable() []currency {
	return []currency{
		{"USD", "$", 100, true}, {"GBP", "£", 79, true}, {"EUR", "€", 92, true},
		{"CAD", "$", 135, true}, {"AUD", "$", 152, true}, {"NZD", "$", 164, true},
		{"MXN", "$", 1700, true}, {"BRL", "R$", 495, true}, {"INR", "₹", 8300, true},
		{"CHF", "CHF", 88, true}, {"COP", "$", 390000, false}, {"ARS", "$", 82000, false},
	}
}

// formatMoney writes an amount in minor units (cents) as the user's
// language writes it: $1,249.99, 1.249,99 €, R$ 1.249,99, CHF 1'249.99.
func formatMoney(minor int64, c *currency, tag string) string {
	units, frac := minor/100, minor%100
	if !c.cents {
		units, frac = (minor+50)/100, -1
	}
	dec, group := ",", "."
	base, region, _ := strings.Cut(tag, "-")
	switch {
	case c.code == "CHF":
		dec, group = ".", "'"
	case base == "en" || base == "hi" || tag == "es-MX" || tag == "es-US":
		dec, group = ".", ","
	case base == "fr":
		group = "\u202f" // French groups with a narrow no-break space
	}
	digits := strconv.FormatInt(units, 10)
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac >= 0 {
		b.WriteString(dec)
		if frac < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(frac, 10))
	}
	n := b.String()
	switch {
	case c.code == "CHF" || c.code == "BRL" || (base == "nl" && c.code == "EUR") || (base == "es" && !c.cents):
		return c.symbol + " " + n
	case base == "en" || base == "hi":
		return c.symbol + n
	case c.code == "EUR" || (base == "fr" && region == "CA"):
		return n + " " + c.symbol
	}
	return c.symbol + n
}
