package dataset

import (
	"slices"
	"sync"
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
	teamsOS    = codeTable([]uint8{osWindows, osMac, osIOS, osAndroid}, []int{70, 18, 7, 5})
	desktopOS  = codeTable([]uint8{osWindows, osMac, osLinux, osChromeOS}, []int{72, 21, 4, 3})
	iosBrowser = codeTable([]uint8{brIOS, brCrios}, []int{82, 18})
	andBrowser = codeTable([]uint8{brChrome, brSamsung, brFirefox}, []int{76, 21, 3})
	winBrowser = codeTable([]uint8{brChrome, brEdge, brFirefox, brOpera}, []int{66, 20, 9, 5})
	macBrowser = codeTable([]uint8{brSafari, brChrome, brFirefox, brEdge}, []int{46, 44, 7, 3})
	linBrowser = codeTable([]uint8{brChrome, brFirefox}, []int{55, 45})
	lags       = codeTable( // releases behind the current one
		[]uint8{0, 1, 2, 5}, []int{70, 20, 7, 3})
	safariPatch = codeTable([]uint8{0, 1}, []int{3, 1})
)

// codeTable is a wtab whose draws give codes rather than indexes.
func codeTable(codes []uint8, weights []int) wtab {
	t := newWtab(weights)
	for v, k := range t.idx {
		t.idx[v] = codes[k]
	}
	t.tally()
	return t
}

// platformTable is the odds of a country's platforms: WhatsApp as
// popular as in the country, Messenger and Teams a few percent
// everywhere, the webchat the rest.
func platformTable(whatsapp int) wtab {
	return codeTable([]uint8{platWhatsApp, platMessenger, platTeams, platWebchat}, []int{whatsapp, 4, 3, 100 - whatsapp - 7})
}

// deviceDraw draws a device for the platform, in a country where
// iosShare percent of mobile users have iOS: its operating system and
// browser, and how its version is drawn (see browserVersion), packed as
// os | browser<<8 | lag<<16 | esr<<20 | patch<<24. It is the definition
// of the odds; skeletons draw from a table of its outcomes
// (deviceTables).
func deviceDraw(f choices, iosShare uint64, platform uint8) uint32 {
	mobileOS := func() uint32 {
		if f.chance(iosShare) {
			return osIOS
		}
		return osAndroid
	}
	switch platform {
	case platWhatsApp, platMessenger:
		// The messaging app, not a browser: no browser, no address.
		return mobileOS()
	case platTeams:
		return uint32(f.pick(&teamsOS))
	}
	var os, browser uint32
	if f.chance(56) { // mobile
		os = mobileOS()
		if os == osIOS {
			browser = uint32(f.pick(&iosBrowser))
		} else {
			browser = uint32(f.pick(&andBrowser))
		}
	} else {
		os = uint32(f.pick(&desktopOS))
		switch os {
		case osWindows:
			browser = uint32(f.pick(&winBrowser))
		case osMac:
			browser = uint32(f.pick(&macBrowser))
		case osLinux:
			browser = uint32(f.pick(&linBrowser))
		default:
			browser = brChrome
		}
	}
	var lagged, esr, patch uint32
	switch browser {
	case brFirefox:
		if f.chance(10) { // the extended-support release
			esr = 1
		} else {
			lagged = uint32(f.pick(&lags))
		}
	case brSamsung:
		lagged = uint32(min(f.pick(&lags), 1))
	case brSafari, brIOS:
		lagged = uint32(f.pick(&lags))
		patch = uint32(f.pick(&safariPatch))
	default:
		lagged = uint32(f.pick(&lags))
	}
	return os | browser<<8 | lagged<<16 | esr<<20 | patch<<24
}

// deviceTables are deviceDraw's odds as alias tables, by platform; made
// once per share of iOS.
func deviceTables(iosShare uint64) *[4]aliasTable {
	deviceCache.Lock()
	defer deviceCache.Unlock()
	if t, ok := deviceCache.m[iosShare]; ok {
		return t
	}
	t := new([4]aliasTable)
	for p := range t {
		t[p] = newAliasTable(enumerate(func(f choices) uint32 { return deviceDraw(f, iosShare, uint8(p)) }))
	}
	deviceCache.m[iosShare] = t
	return t
}

var deviceCache = struct {
	sync.Mutex
	m map[uint64]*[4]aliasTable
}{m: map[uint64]*[4]aliasTable{}}

// deviceFor draws u's device for their platform, its browser current at t
// (Unix seconds).
func deviceFor(f *fastRand, c *skelCountry, u *skelUser, t int64) {
	d := c.devices[u.platform].draw(f)
	u.os, u.browser = uint8(d), uint8(d>>8)
	if u.browser != brNone {
		v := browserVersion(u.browser, int(d>>16&15), d>>20&1 == 1, int(d>>24), t)
		u.major, u.minor, u.patch = uint16(v[0]), uint8(v[1]), uint8(min(v[2], 255))
	}
}

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

// browserVersion is the version of browser a user has at t, lagging
// releases behind the current one, or on the extended-support release
// (Firefox's); patch is Safari's. crios's patch is its build, which grows
// with the major (appendBrowser writes it).
func browserVersion(browser uint8, lag int, esr bool, patch int, t int64) [3]int {
	switch browser {
	case brChrome, brEdge, brCrios:
		return [3]int{max(cadence(t, 121, chromeKnown, fourWeeks)-lag, 1)}
	case brFirefox:
		major := cadence(t, 122, chromeKnown, fourWeeks)
		if esr {
			return [3]int{max(115+13*((major-115)/13), 1)}
		}
		return [3]int{max(major-lag, 1)}
	case brOpera:
		return [3]int{max(cadence(t, 106, operaKnown, fourWeeks)-lag, 1)}
	case brSamsung:
		return [3]int{max(cadence(t, 23, samsungKnown, samsungStep)-lag, 1)}
	case brSafari, brIOS:
		// A major release each September, a minor one about every eight
		// weeks after it; people update Safari with the system, slowly.
		year, release := safariRelease(t)
		major := 17 + year - 2023
		minor := int((t - release) / eightWeeks)
		if lag > 0 {
			if minor >= lag {
				minor -= lag
			} else {
				major, minor = major-1, 6
			}
		}
		return [3]int{max(major, 1), min(minor, 6), patch}
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
