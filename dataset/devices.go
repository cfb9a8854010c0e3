package dataset

import (
	"slices"
	"time"
)

// Devices: the platform a user reaches the bot on decides what a browser
// and an operating system can be, and a browser's version is one that was
// current when the user wrote, as a real browser share looks: most on the
// latest release, some a release or two behind, a few far behind.
//
// Values are written as OpenDialog's webchat (detect-browser) writes them:
// "<name> <major>.<minor>.<patch>", and Windows 11 reads as "Windows 10",
// since user agents cannot tell them apart.

// The codes of operating systems and browsers (indexes into oses and
// browsers).
const (
	osNone = iota
	osIOS
	osAndroid
	osWindows
	osMac
	osLinux
	osChromeOS
)

const (
	brNone = iota
	brChrome
	brEdge
	brCrios
	brFirefox
	brOpera
	brSamsung
	brSafari
	brIOS
)

// The odds of devices, as tables of codes and their weights.
var (
	teamsOS     = codeTable([]uint8{osWindows, osMac, osIOS, osAndroid}, []int{70, 18, 7, 5})
	desktopOS   = codeTable([]uint8{osWindows, osMac, osLinux, osChromeOS}, []int{72, 21, 4, 3})
	iosBrowser  = codeTable([]uint8{brIOS, brCrios}, []int{82, 18})
	andBrowser  = codeTable([]uint8{brChrome, brSamsung, brFirefox}, []int{76, 21, 3})
	winBrowser  = codeTable([]uint8{brChrome, brEdge, brFirefox, brOpera}, []int{66, 20, 9, 5})
	macBrowser  = codeTable([]uint8{brSafari, brChrome, brFirefox, brEdge}, []int{46, 44, 7, 3})
	linBrowser  = codeTable([]uint8{brChrome, brFirefox}, []int{55, 45})
	lags        = codeTable([]uint8{0, 1, 2, 5}, []int{70, 20, 7, 3})
	safariPatch = codeTable([]uint8{0, 1}, []int{3, 1})
)

// codeTable is a wtab whose draws give codes rather than indexes.
func codeTable(codes []uint8, weights []int) wtab {
	t := newWtab(weights)
	for v, k := range t.idx {
		t.idx[v] = codes[k]
	}
	return t
}

// platformFor draws the user's platform: WhatsApp as popular as in their
// country, Messenger and Teams a few percent everywhere.
func platformFor(f *fastRand, c *skelCountry) uint8 {
	n := f.below(100)
	switch {
	case n < c.whatsapp:
		return platWhatsApp
	case n < c.whatsapp+4:
		return platMessenger
	case n < c.whatsapp+7:
		return platTeams
	}
	return platWebchat
}

// deviceFor draws u's device for their platform, its browser current at t
// (Unix seconds): the messaging apps have an operating system and no
// browser, the webchat a browser too (and the user an address).
func deviceFor(f *fastRand, c *skelCountry, u *skelUser, t int64) {
	mobileOS := func() uint8 {
		if f.chance(c.iosShare) {
			return osIOS
		}
		return osAndroid
	}
	switch u.platform {
	case platWhatsApp, platMessenger:
		u.os = mobileOS()
		return
	case platTeams:
		u.os = uint8(f.pick(&teamsOS))
		return
	}
	if f.chance(56) { // mobile
		u.os = mobileOS()
		if u.os == osIOS {
			u.browser = uint8(f.pick(&iosBrowser))
		} else {
			u.browser = uint8(f.pick(&andBrowser))
		}
	} else {
		u.os = uint8(f.pick(&desktopOS))
		switch u.os {
		case osWindows:
			u.browser = uint8(f.pick(&winBrowser))
		case osMac:
			u.browser = uint8(f.pick(&macBrowser))
		case osLinux:
			u.browser = uint8(f.pick(&linBrowser))
		default:
			u.browser = brChrome
		}
	}
	v := browserVersion(f, u.browser, t)
	u.major, u.minor, u.patch = uint16(v[0]), uint8(v[1]), uint8(min(v[2], 255))
}

// lag is how many releases behind the current one a browser is.
func lag(f *fastRand) int { return f.pick(&lags) }

// cadence is the release number at t of a browser that ships a release
// every period from a known release (Unix seconds).
func cadence(t, known, at, period int64) int {
	d := t - at
	n := d / period
	if d < 0 && d%period != 0 {
		n-- // floor, not truncation
	}
	return int(known + n)
}

// Known releases (Unix seconds) and release periods.
var (
	chromeKnown  = time.Date(2024, 1, 23, 0, 0, 0, 0, time.UTC).Unix()  // Chrome 121, Firefox 122
	operaKnown   = time.Date(2023, 12, 19, 0, 0, 0, 0, time.UTC).Unix() // Opera 106
	samsungKnown = time.Date(2023, 10, 10, 0, 0, 0, 0, time.UTC).Unix() // Samsung Internet 23
)

const (
	fourWeeks   = 28 * 24 * 3600
	samsungStep = 120 * 24 * 3600
	eightWeeks  = 8 * 7 * 24 * 3600
)

// browserVersion is the version of browser a user has at t; crios's patch
// is its build, which grows with the major (appendBrowser writes it).
func browserVersion(f *fastRand, browser uint8, t int64) [3]int {
	switch browser {
	case brChrome, brEdge, brCrios:
		return [3]int{max(cadence(t, 121, chromeKnown, fourWeeks)-lag(f), 1)}
	case brFirefox:
		major := cadence(t, 122, chromeKnown, fourWeeks)
		if f.chance(10) { // the extended-support release
			return [3]int{max(115+13*((major-115)/13), 1)}
		}
		return [3]int{max(major-lag(f), 1)}
	case brOpera:
		return [3]int{max(cadence(t, 106, operaKnown, fourWeeks)-lag(f), 1)}
	case brSamsung:
		return [3]int{max(cadence(t, 23, samsungKnown, samsungStep)-min(lag(f), 1), 1)}
	case brSafari, brIOS:
		// A major release each September, a minor one about every eight
		// weeks after it; people update Safari with the system, slowly.
		year, release := safariRelease(t)
		major := 17 + year - 2023
		minor := int((t - release) / eightWeeks)
		if behind := lag(f); behind > 0 {
			if minor >= behind {
				minor -= behind
			} else {
				major, minor = major-1, 6
			}
		}
		return [3]int{max(major, 1), min(minor, 6), f.pick(&safariPatch)}
	}
	return [3]int{1}
}

// safariReleases are the September releases of 2000 to 2099, Unix seconds.
var safariReleases = func() (r [100]int64) {
	for k := range r {
		r[k] = time.Date(2000+k, time.September, 18, 0, 0, 0, 0, time.UTC).Unix()
	}
	return r
}()

// safariRelease is the last September release at or before t: its year
// and instant.
func safariRelease(t int64) (int, int64) {
	if t >= safariReleases[0] && t < safariReleases[len(safariReleases)-1] {
		k, _ := slices.BinarySearch(safariReleases[:], t+1) // releases at or before t
		return 2000 + k - 1, safariReleases[k-1]
	}
	day := func(y int) time.Time { return time.Date(y, time.September, 18, 0, 0, 0, 0, time.UTC) }
	tt := time.Unix(t, 0).UTC()
	year := tt.Year()
	if tt.Before(day(year)) {
		year--
	}
	return year, day(year).Unix()
}
