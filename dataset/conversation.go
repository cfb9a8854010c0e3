package dataset

import (
	"strconv"
	"strings"
	"time"
)

// conversation makes one conversation of a user, following its scenario's
// flow: an opening (chat_open, a trigger, or nothing), the bot's greeting,
// the user's intent (a menu button or typed), details (typed, a form or a
// longer account), the bot's answer, a follow-up, then resolution or a
// hand-off to a person, and a rating after the answer now and then. Times
// are offsets from the zero time until the conversation is placed.
type conversation struct {
	f     *fakeRand
	cat   *catalog
	p     *persona
	order string // the order this conversation is about
	shape shape  // the branches the flow takes
	// bots: make the bot's messages too. Without, a bot message still
	// draws what it would draw and takes its time, so that the user's
	// messages are the same, but it is neither written nor kept: the API
	// serves only users' messages.
	bots bool
	msgs []Message
	at   time.Duration
}

func (c *conversation) say(author, typ, text string, data []byte, gap time.Duration) {
	c.at += gap
	c.msgs = append(c.msgs, Message{Author: author, Type: typ, Text: text, Data: data, Date: time.Time{}.Add(c.at)})
}

// bot adds a bot message, a template filled in, a second or three after
// the last message.
func (c *conversation) bot(typ string, templates []string) {
	t := templates[c.f.IntRange(0, len(templates)-1)]
	gap := time.Duration(c.f.IntRange(1, 3)) * time.Second
	if !c.bots {
		c.at += gap
		return
	}
	c.say(AuthorBot, typ, c.p.fill(t, c.order), nil, gap)
}

// user adds a message from the user, after the time it takes to read and
// write it. Every user message is made here: the one place to change
// what users send.
func (c *conversation) user(typ, text string, data []byte) {
	var gap int
	switch typ {
	case "chat_open", "trigger":
		gap = c.f.IntRange(0, 1)
	case "button", "button_response":
		gap = c.f.IntRange(2, 15)
	case "form", "form_response":
		gap = c.f.IntRange(25, 120)
	case "longtext_response":
		gap = c.f.IntRange(40, 150)
	case "url_click":
		gap = c.f.IntRange(4, 30)
	default:
		// Reading and typing, capped so that conversations keep within
		// the bounds their placement assumed (preBound, postBound).
		gap = min(3+len(text)/5+c.f.IntRange(0, 12), maxTypedGap)
	}
	c.say("me", typ, text, data, time.Duration(gap)*time.Second)
}

// type1 is the user typing one of templates.
func (c *conversation) type1(typ string, templates []string) {
	c.user(typ, c.p.fill(templates[c.f.IntRange(0, len(templates)-1)], c.order), nil)
}

func (c *conversation) make() {
	f, p, book, sh := c.f, c.p, c.p.book, c.shape
	switch sh.opening() {
	case openChat:
		c.user("chat_open", "", jsonObject("callback_id", "WELCOME"))
	case openTrigger:
		c.user("trigger", "", jsonObject("callback_id", "intent_"+c.cat.scenarios[p.scenario].name))
	}
	if p.known {
		c.bot("text", book.greet)
	} else {
		c.bot("text", book.greetAnon)
	}
	if p.scenario == scFeedbackSurvey {
		c.survey()
		return
	}

	// The intent. Intents, details and answers of a thread go together
	// by position when they have as many; a longer account always tells
	// of the thread's last intent.
	sp := &book.scenarios[p.scenario]
	k := f.IntRange(0, len(sp.threads)-1)
	th := &sp.threads[k]
	in := f.IntRange(0, len(th.intents)-1)
	if sh.details() == detailsLong {
		in = len(th.intents) - 1
	}
	paired := func(list []string) []string {
		if len(list) == len(th.intents) {
			return list[in : in+1]
		}
		return list
	}
	switch sh.route() {
	case routeAgent: // straight to a person
		c.bot("button", book.menu)
		c.user("button", book.agent, jsonObject("name", book.agent, "callback_id", "handover_agent"))
		c.bot("text", book.handoffBot)
		return
	case routeButton:
		c.bot("button", book.menu)
		label := th.button
		c.user("button", label, jsonObject("name", label, "callback_id", c.cat.scenarios[p.scenario].callbacks[k]))
	default:
		c.type1("text", th.intents[in:in+1])
	}

	// Details.
	switch sh.details() {
	case detailsTyped:
		c.bot("text", book.askMore)
		c.type1("text", paired(th.details))
	case detailsForm:
		c.bot("form", book.askForm)
		typ := "form"
		if sh.has(shFormResponse) {
			typ = "form_response"
		}
		c.user(typ, "", c.form(sp))
		c.bot("text", book.formDone)
	case detailsLong:
		c.bot("text", book.askMore)
		c.type1("longtext_response", th.longtext)
	}

	// The answer, sometimes with a help article.
	c.bot("text", paired(th.answers))
	if sh.has(shLink) {
		link := book.link[f.IntRange(0, len(book.link)-1)]
		var url string
		if c.bots || sh.has(shClick) {
			url = "https://help.example.com/" + book.lang + "/" + strings.ReplaceAll(c.cat.scenarios[p.scenario].name, "_", "-")
		}
		if c.bots {
			link += " " + url
		}
		c.bot("text", []string{link})
		if sh.has(shClick) {
			c.user("url_click", url, jsonObject("url", url))
		}
	}
	if sh.has(shFollowUp) {
		fu := th.followUps[f.IntRange(0, len(th.followUps)-1)]
		c.user("text", p.fill(fu[0], c.order), nil)
		c.bot("text", []string{fu[1]})
	}

	// Resolution or hand-off, then perhaps a rating.
	switch sh.resolution() {
	case resolved:
		c.bot("text", book.anything)
		c.type1("text", book.thanks)
		c.bot("text", book.bye)
	case unresolved:
		c.type1("text", book.unresolved)
		c.type1("text", book.handoff)
		c.bot("text", book.handoffBot)
	case handedOff:
		c.type1("text", book.handoff)
		c.bot("text", book.handoffBot)
	default: // the user leaves without a word
		c.bot("text", book.anything)
	}
	if sh.has(shRate) {
		c.rate(sh.stars())
	}
}

// rate is the bot asking for a rating and the user giving it, with a
// comment that fits it half the time.
func (c *conversation) rate(stars int) {
	c.bot("button", c.p.book.csatAsk)
	c.stars(stars)
	if c.shape.has(shComment) {
		typ := "text"
		if c.shape.has(shCommentLong) {
			typ = "longtext_response"
		}
		c.type1(typ, c.comments(stars))
	}
}

// stars is the user pressing a rating button.
func (c *conversation) stars(stars int) {
	label := c.p.book.csat[stars-1]
	n := strconv.Itoa(stars)
	c.user("button_response", label, jsonObject("name", label, "callback_id", "csat_"+n, "value", n))
}

// comments are the comments that fit a rating.
func (c *conversation) comments(stars int) []string {
	switch {
	case stars >= 4:
		return c.p.book.praise
	case stars == 3:
		return c.p.book.neutral
	}
	return c.p.book.complaint
}

// survey is the feedback survey: the bot asks for a rating, by buttons or
// a form, and thanks the user.
func (c *conversation) survey() {
	stars := c.shape.stars()
	book := c.p.book
	if c.shape.has(shSurveyForm) {
		c.bot("form", book.surveyAsk)
		cm := c.comments(stars)
		c.user("form_response", "", jsonObject("rating", strconv.Itoa(stars), "comments", cm[c.f.IntRange(0, len(cm)-1)]))
	} else {
		c.bot("button", book.surveyAsk)
		c.stars(stars)
		if c.shape.has(shComment) {
			c.type1("text", c.comments(stars))
		}
	}
	c.bot("text", book.surveyDone)
}

// form is the user's answers to the scenario's form: their own name,
// e-mail, order and so on, the same in every form they fill in.
func (c *conversation) form(sp *scenarioPhrases) []byte {
	p := c.p
	fields := c.cat.scenarios[p.scenario].form
	kv := make([]string, 0, 2*len(fields))
	for _, field := range fields {
		var v string
		switch field {
		case "name":
			v = p.first + " " + p.last
		case "first_name":
			v = p.first
		case "last_name":
			v = p.last
		case "email":
			v = p.emailAddress()
		case "order_number":
			v = c.order
		case "invoice_number":
			v = p.invoiceNumber()
		case "postcode":
			v = p.postcode
		case "amount":
			v = p.amountText()
		case "company":
			v = p.company
		case "team_size":
			v = p.book.teamSizes[c.f.IntRange(0, len(p.book.teamSizes)-1)]
		default: // description, question: free text
			v = p.fill(sp.notes[c.f.IntRange(0, len(sp.notes)-1)], c.order)
		}
		kv = append(kv, field, v)
	}
	return jsonObject(kv...)
}
