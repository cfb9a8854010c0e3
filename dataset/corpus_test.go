package dataset

import (
	"strings"
	"testing"
	"time"
)

// TestCorpora checks the shape of every phrasebook: the same scenarios and
// buttons in every language, no empty set, only known placeholders, and no
// template that starts with one.
func TestCorpora(t *testing.T) {
	t.Parallel()
	books := phrasebooks()
	for _, lang := range []string{"en", "es", "fr", "de", "pt", "it"} {
		if books[lang] == nil {
			t.Errorf("no %s phrasebook", lang)
		}
	}
	scenarios := scenarioTable()
	known := []string{"{first}", "{product}", "{order}", "{invoice}", "{amount}"}
	for lang, b := range books {
		check := func(what string, list []string) {
			if len(list) == 0 {
				t.Errorf("%s: %s is empty", lang, what)
			}
			for _, s := range list {
				rest := s
				for _, p := range known {
					rest = strings.ReplaceAll(rest, p, "")
				}
				switch {
				case strings.TrimSpace(s) != s || s == "":
					t.Errorf("%s: %s: %q has spaces around it", lang, what, s)
				case strings.ContainsAny(rest, "{}"):
					t.Errorf("%s: %s: %q has an unknown placeholder", lang, what, s)
				case strings.HasPrefix(s, "{"):
					t.Errorf("%s: %s: %q starts with a placeholder", lang, what, s)
				case strings.Contains(s, "{first}") && what != "greet":
					t.Errorf("%s: %s: %q names the user where the user may be anonymous", lang, what, s)
				}
			}
		}
		check("greet", b.greet)
		for what, list := range map[string][]string{
			"greetAnon": b.greetAnon, "menu": b.menu, "askMore": b.askMore, "askForm": b.askForm, "formDone": b.formDone,
			"link": b.link, "anything": b.anything, "thanks": b.thanks, "unresolved": b.unresolved, "handoff": b.handoff,
			"handoffBot": b.handoffBot, "bye": b.bye, "csatAsk": b.csatAsk, "surveyAsk": b.surveyAsk, "csat": b.csat[:],
			"praise": b.praise, "neutral": b.neutral, "complaint": b.complaint, "surveyDone": b.surveyDone,
			"products": b.products, "teamSizes": b.teamSizes, "agent": {b.agent},
		} {
			check(what, list)
		}
		for i, sp := range b.scenarios {
			name := scenarios[i].name
			check(name+" notes", sp.notes)
			if len(sp.threads) != len(scenarios[i].callbacks) {
				t.Errorf("%s: %s has %d threads for %d buttons", lang, name, len(sp.threads), len(scenarios[i].callbacks))
			}
			for _, th := range sp.threads {
				check(name+" button", []string{th.button})
				check(name+" intents", th.intents)
				check(name+" details", th.details)
				check(name+" longtext", th.longtext)
				check(name+" answers", th.answers)
				if len(th.followUps) == 0 {
					t.Errorf("%s: %s: thread %q has no follow-ups", lang, name, th.button)
				}
				for _, fu := range th.followUps {
					check(name+" follow-ups", fu[:])
				}
			}
		}
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	cur := map[string]*currency{}
	cs := currencyTable()
	for i := range cs {
		cur[cs[i].code] = &cs[i]
	}
	tests := []struct {
		minor    int64
		currency string
		tag      string
		want     string
	}{
		{124999, "USD", "en-US", "$1,249.99"},
		{1250, "GBP", "en-GB", "£12.50"},
		{124999, "EUR", "de-DE", "1.249,99 €"},
		{124999, "EUR", "fr-FR", "1\u202f249,99 €"},
		{124999, "EUR", "nl-NL", "€ 1.249,99"},
		{124999, "EUR", "en-IE", "€1,249.99"},
		{124999, "BRL", "pt-BR", "R$ 1.249,99"},
		{124999, "CHF", "de-CH", "CHF 1'249.99"},
		{124999, "MXN", "es-MX", "$1,249.99"},
		{124999, "CAD", "fr-CA", "1\u202f249,99 $"},
		{5850000, "COP", "es-CO", "$ 58.500"},
		{99, "INR", "en-IN", "₹0.99"},
	}
	for _, tt := range tests {
		if got := formatMoney(tt.minor, cur[tt.currency], tt.tag); got != tt.want {
			t.Errorf("formatMoney(%d, %s, %s) = %q, want %q", tt.minor, tt.currency, tt.tag, got, tt.want)
		}
	}
}

func TestPriceMinor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minor int64
		cents bool
		want  int64
	}{
		{7267, true, 7299}, {72867, true, 72999}, {655700, true, 659900}, {31178000, false, 31200000}, {40000, false, 100000},
	}
	for _, tt := range tests {
		if got := priceMinor(tt.minor, tt.cents); got != tt.want {
			t.Errorf("priceMinor(%d, %v) = %d, want %d", tt.minor, tt.cents, got, tt.want)
		}
	}
}

// TestZoneOffsetsMatchTZData compares the generator's own offsets with the
// system's time zone database, hour by hour over the years the rules hold.
func TestZoneOffsetsMatchTZData(t *testing.T) {
	t.Parallel()
	for _, z := range zoneTable() {
		loc, err := time.LoadLocation(z.name)
		if err != nil {
			t.Skipf("no time zone database (%v)", err)
		}
		for at := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2031; at = at.Add(time.Hour) {
			_, sec := at.In(loc).Zone()
			if got, want := z.offsetAt(at), time.Duration(sec)*time.Second; got != want {
				t.Errorf("%s at %s: offset %s, want %s", z.name, at.Format(time.RFC3339), got, want)
				break
			}
		}
	}
}

func TestStatsOf(t *testing.T) {
	t.Parallel()
	users := Generate(3, 300, DefaultWindow())
	st := StatsOf(users)
	sum := func(cs []Count) int {
		n := 0
		for _, c := range cs {
			n += c.Count
		}
		return n
	}
	hours, days := 0, 0
	for _, n := range st.LocalHours {
		hours += n
	}
	for _, n := range st.Weekdays {
		days += n
	}
	for name, got := range map[string]int{
		"countries": sum(st.Countries), "languages": sum(st.Languages), "timezones": sum(st.Timezones),
		"platforms": sum(st.Platforms), "browsers": sum(st.Browsers), "oses": sum(st.OSes), "scenarios": sum(st.Scenarios),
	} {
		if got != st.Users {
			t.Errorf("%s add up to %d users, want %d", name, got, st.Users)
		}
	}
	for name, got := range map[string]int{"types": sum(st.MessageTypes), "hours": hours, "weekdays": days, "days": sum(st.Days)} {
		if got != st.UserMessages {
			t.Errorf("%s add up to %d messages, want %d", name, got, st.UserMessages)
		}
	}
	if sum(st.ConversationLengths) != st.Conversations || st.Users != 300 || st.BotMessages == 0 {
		t.Errorf("stats %+v do not add up", st)
	}
	// The page's example user is in Europe/London: 10:30 UTC in January is
	// 10:30 there.
	one := StatsOf(users[:1])
	if one.LocalHours[10] != 2 || one.Weekdays[0] != 2 {
		t.Errorf("page example: hours %v, weekdays %v; want both messages at 10 on a Monday", one.LocalHours, one.Weekdays)
	}
}
