package dataset

import (
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

// device is what a user's attributes say about their device; empty fields
// are missing attributes.
type device struct {
	browser, os string
	version     [3]int // the browser's major, minor and patch
	webchat     bool   // a browser: the user has an IP address
}

// platformFor draws the user's platform: WhatsApp as popular as in their
// country, Messenger and Teams a few percent everywhere.
func platformFor(f drawer, c *country) string {
	n := f.IntRange(0, 99)
	switch {
	case n < c.whatsapp:
		return "whatsapp"
	case n < c.whatsapp+4:
		return "messenger"
	case n < c.whatsapp+7:
		return "teams"
	}
	return "webchat"
}

// deviceFor draws a device for the platform, its browser current at t.
func deviceFor(f drawer, c *country, platform string, t time.Time) device {
	mobileOS := func() string {
		if chance(f, c.iosShare) {
			return "iOS"
		}
		return "Android OS"
	}
	switch platform {
	case "whatsapp", "messenger":
		// The messaging app, not a browser: no browser, no address.
		return device{os: mobileOS()}
	case "teams":
		return device{os: pick(f, []string{"Windows 10", "Mac OS", "iOS", "Android OS"}, []int{70, 18, 7, 5})}
	}
	d := device{webchat: true}
	if chance(f, 56) { // mobile
		d.os = mobileOS()
		if d.os == "iOS" {
			d.browser = pick(f, []string{"ios", "crios"}, []int{82, 18})
		} else {
			d.browser = pick(f, []string{"chrome", "samsung", "firefox"}, []int{76, 21, 3})
		}
	} else {
		d.os = pick(f, []string{"Windows 10", "Mac OS", "Linux", "Chrome OS"}, []int{72, 21, 4, 3})
		switch d.os {
		case "Windows 10":
			d.browser = pick(f, []string{"chrome", "edge-chromium", "firefox", "opera"}, []int{66, 20, 9, 5})
		case "Mac OS":
			d.browser = pick(f, []string{"safari", "chrome", "firefox", "edge-chromium"}, []int{46, 44, 7, 3})
		case "Linux":
			d.browser = pick(f, []string{"chrome", "firefox"}, []int{55, 45})
		default:
			d.browser = "chrome"
		}
	}
	d.version = browserVersion(f, d.browser, t)
	return d
}

// lag is how many releases behind the current one a browser is.
func lag(f drawer) int {
	return pick(f, []int{0, 1, 2, 5}, []int{70, 20, 7, 3})
}

// cadence is the release number at t of a browser that ships a release
// every period from a known release.
func cadence(t time.Time, known int, at time.Time, period time.Duration) int {
	d := t.Sub(at)
	n := int(d / period)
	if d < 0 && d%period != 0 {
		n-- // floor, not truncation
	}
	return known + n
}

// browserVersion is the version of browser a user has at t; crios's patch
// is its build, which grows with the major (appendBrowser writes it).
func browserVersion(f drawer, browser string, t time.Time) [3]int {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	const fourWeeks = 28 * 24 * time.Hour
	switch browser {
	case "chrome", "edge-chromium":
		return [3]int{max(cadence(t, 121, day(2024, 1, 23), fourWeeks)-lag(f), 1)}
	case "crios":
		return [3]int{max(cadence(t, 121, day(2024, 1, 23), fourWeeks)-lag(f), 1)}
	case "firefox":
		major := cadence(t, 122, day(2024, 1, 23), fourWeeks)
		if chance(f, 10) { // the extended-support release
			return [3]int{max(115+13*((major-115)/13), 1)}
		}
		return [3]int{max(major-lag(f), 1)}
	case "opera":
		return [3]int{max(cadence(t, 106, day(2023, 12, 19), fourWeeks)-lag(f), 1)}
	case "samsung":
		return [3]int{max(cadence(t, 23, day(2023, 10, 10), 120*24*time.Hour)-min(lag(f), 1), 1)}
	case "safari", "ios":
		// A major release each September, a minor one about every eight
		// weeks after it; people update Safari with the system, slowly.
		year := t.Year()
		release := day(year, time.September, 18)
		if t.Before(release) {
			year--
			release = day(year, time.September, 18)
		}
		major := 17 + year - 2023
		minor := int(t.Sub(release) / (8 * 7 * 24 * time.Hour))
		if behind := lag(f); behind > 0 {
			if minor >= behind {
				minor -= behind
			} else {
				major, minor = major-1, 6
			}
		}
		return [3]int{max(major, 1), min(minor, 6), pick(f, []int{0, 1}, []int{3, 1})}
	}
	return [3]int{1}
}
