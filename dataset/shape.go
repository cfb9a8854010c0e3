package dataset

import "sync"

// shape is the way a conversation's flow goes, drawn with the user's
// skeleton: which opening, intent, details, resolution and rating. It
// decides how many messages the conversation has and of which types; the
// texts, data and times are drawn when the conversation is made.
//
// Bits: 0-1 opening, 2-3 route, 4-5 details, 6-8 stars, then flags.
type shape uint32

const (
	openNone = iota
	openChat
	openTrigger
)

const (
	routeAgent  = iota // straight to a person
	routeButton        // the menu
	routeTyped         // typed
)

const (
	detailsNone = iota
	detailsTyped
	detailsForm
	detailsLong
)

const (
	resolved = iota
	unresolved
	handedOff
	leftSilent
)

const (
	shFormResponse shape = 1 << (11 + iota)
	shLink
	shClick
	shFollowUp
	shRate
	shComment
	shCommentLong
	shSurveyForm
	shSurvey
)

// maxTypedGap caps the time a typed message takes (see conversation.user).
const maxTypedGap = 90

func (s shape) opening() int    { return int(s & 3) }
func (s shape) route() int      { return int(s >> 2 & 3) }
func (s shape) details() int    { return int(s >> 4 & 3) }
func (s shape) stars() int      { return int(s >> 6 & 7) }
func (s shape) resolution() int { return int(s >> 9 & 3) }
func (s shape) has(f shape) bool {
	return s&f != 0
}

// The odds of each step of a conversation's flow.
var (
	openings        = codeTable([]uint8{openChat, openTrigger, openNone}, []int{40, 8, 52})
	detailKinds     = codeTable([]uint8{detailsTyped, detailsForm, detailsLong, detailsNone}, []int{35, 15, 10, 40})
	routes          = codeTable([]uint8{routeAgent, routeButton, routeTyped}, []int{7, 55, 38})
	resolutions     = codeTable([]uint8{resolved, unresolved, handedOff, leftSilent}, []int{62, 18, 8, 12})
	longComments    = codeTable([]uint8{0, 1}, []int{4, 1}) // one in five comments is long
	surveyStars     = codeTable([]uint8{5, 4, 3, 2, 1}, []int{35, 30, 15, 12, 8})
	resolvedStars   = codeTable([]uint8{5, 4, 3, 2, 1}, []int{50, 30, 10, 6, 4})
	unresolvedStars = codeTable([]uint8{5, 4, 3, 2, 1}, []int{10, 15, 25, 25, 25})
)

// drawShape draws a conversation's flow for a user of scenario on a
// platform, with the odds of the flows real conversations take. It is
// the definition of the odds: skeletons draw shapes from shapeTables,
// which hold what it gives, with what chance, found by walking all its
// choices.
func drawShape(f choices, webchat bool, scenario int) shape {
	var s shape
	if webchat {
		s |= shape(f.pick(&openings))
	}
	if scenario == scFeedbackSurvey {
		s |= shSurvey | shape(f.pick(&surveyStars))<<6
		if f.chance(30) {
			s |= shSurveyForm
		} else if f.chance(60) {
			s |= shComment
		}
		return s
	}
	details := f.pick(&detailKinds)
	route := f.pick(&routes)
	s |= shape(route) << 2
	if route == routeAgent {
		return s
	}
	s |= shape(details) << 4
	if details == detailsForm && f.chance(50) {
		s |= shFormResponse
	}
	if webchat && f.chance(18) {
		s |= shLink
		if f.chance(60) {
			s |= shClick
		}
	}
	if f.chance(35) {
		s |= shFollowUp
	}
	stars := 0
	res := f.pick(&resolutions)
	s |= shape(res) << 9
	switch res {
	case resolved:
		if f.chance(40) {
			stars = f.pick(&resolvedStars)
		}
	case unresolved:
		if f.chance(15) {
			stars = f.pick(&unresolvedStars)
		}
	}
	if stars > 0 {
		s |= shRate | shape(stars)<<6
		if f.chance(50) {
			s |= shComment
			if f.pick(&longComments) == 1 {
				s |= shCommentLong
			}
		}
	}
	return s
}

// shapeTables are drawShape's odds as alias tables, by webchat<<1 |
// survey: one draw picks a shape.
var shapeTables = sync.OnceValue(func() (t [4]aliasTable) {
	for k := range t {
		webchat, scenario := k>>1 == 1, scCustomerSupport
		if k&1 == 1 {
			scenario = scFeedbackSurvey
		}
		t[k] = newAliasTable(enumerate(func(f choices) uint32 { return uint32(drawShape(f, webchat, scenario)) }))
	}
	return t
})

// messages is how many messages a conversation of this shape has: the
// user's and the bot's, as conversation.make makes them.
func (s shape) messages() (user, bot int) {
	if s.opening() != openNone {
		user++
	}
	bot++ // the greeting
	if s.has(shSurvey) {
		user++ // the rating
		bot += 2
		if s.has(shComment) {
			user++
		}
		return user, bot
	}
	user++ // the intent
	switch s.route() {
	case routeAgent:
		return user, bot + 2
	case routeButton:
		bot++
	}
	switch s.details() {
	case detailsTyped, detailsLong:
		user, bot = user+1, bot+1
	case detailsForm:
		user, bot = user+1, bot+2
	}
	bot++ // the answer
	if s.has(shLink) {
		bot++
		if s.has(shClick) {
			user++
		}
	}
	if s.has(shFollowUp) {
		user, bot = user+1, bot+1
	}
	switch s.resolution() {
	case resolved:
		user, bot = user+1, bot+2
	case unresolved:
		user, bot = user+2, bot+1
	default:
		bot++
		if s.resolution() == handedOff {
			user++
		}
	}
	if s.has(shRate) {
		user, bot = user+1, bot+1
		if s.has(shComment) {
			user++
		}
	}
	return user, bot
}
