package dataset

// The curated corpora: every text a generated conversation shows, in each
// language the bot speaks, by scenario. The faker only picks among them;
// templates fill in the user's own values:
//
//	{first}    the user's first name
//	{product}  a product, singular, with its article, never after a
//	           preposition (so no contraction or case changes it)
//	{order}    one of the user's order numbers
//	{invoice}  the user's invoice number
//	{amount}   an amount in the user's currency, as their language writes it
//
// A template never starts with a placeholder. TestCorpora checks the
// shapes; the denylist test checks the words of whole generated datasets.

// The scenarios, in the order of every phrasebook's scenarios.
const (
	scCustomerSupport = iota
	scOrderTracking
	scBilling
	scOnboarding
	scProductFAQ
	scFeedbackSurvey
	numScenarios
)

// scenarioInfo is what a scenario is, whatever the language.
type scenarioInfo struct {
	name      string
	weight    int
	callbacks []string // callback_id of each of the menu's buttons
	form      []string // field names of the scenario's form
}

func scenarioTable() [numScenarios]scenarioInfo {
	return [numScenarios]scenarioInfo{
		{"customer_support", 32, []string{"order_help_001", "report_problem", "account_help"},
			[]string{"name", "email", "order_number", "description"}},
		{"order_tracking", 22, []string{"track_order", "change_address", "cancel_order"},
			[]string{"order_number", "postcode"}},
		{"billing", 15, []string{"view_invoice", "update_payment", "refund_request"},
			[]string{"name", "email", "invoice_number", "amount"}},
		{"onboarding", 10, []string{"get_started", "tour_start", "invite_team"},
			[]string{"first_name", "last_name", "company", "team_size"}},
		{"product_faq", 13, []string{"faq_pricing", "faq_features", "faq_compat"},
			[]string{"email", "question"}},
		{"feedback_survey", 8, nil, []string{"rating", "comments"}},
	}
}

// phrasebook is one language's corpus.
type phrasebook struct {
	lang string

	greet     []string // bot, to a user it knows: {first}
	greetAnon []string // bot, to an anonymous user
	menu      []string // bot, above the menu's buttons
	agent     string   // the menu's "talk to a person" button
	askMore   []string // bot, asking for details
	askForm   []string // bot, above a form
	formDone  []string // bot, after a form
	link      []string // bot, before a help article's link
	anything  []string // bot, asking whether there is anything else

	thanks     []string // user: the answer helped
	unresolved []string // user: it did not
	handoff    []string // user: asks for a person
	handoffBot []string // bot: passes the conversation to a person
	bye        []string // bot: closing

	csatAsk    []string  // bot: asks for a rating
	surveyAsk  []string  // bot: the survey's opening question
	csat       [5]string // rating buttons, 1 (worst) to 5 (best)
	praise     []string  // user: comment with a rating of 4 or 5
	neutral    []string  // user: comment with a rating of 3
	complaint  []string  // user: comment with a rating of 1 or 2
	surveyDone []string  // bot: thanks for the feedback

	products  []string // {product}
	teamSizes []string // onboarding form's team_size

	scenarios [numScenarios]scenarioPhrases
}

// scenarioPhrases is what users and the bot say in one scenario: one
// thread per button of its menu, so an answer always fits its question.
type scenarioPhrases struct {
	threads []thread
	notes   []string // user: the form's free-text field
}

// thread is one thing users come about, and what is said about it.
type thread struct {
	button    string      // the menu's label
	intents   []string    // user: what they want, typed
	details   []string    // user: details, when asked
	longtext  []string    // user: a longer account (longtext_response)
	answers   []string    // bot: the answer
	followUps [][2]string // user: a further question; bot: its answer
}

// phrasebooks are the corpora by language: built once per dataset.
func phrasebooks() map[string]*phrasebook {
	return map[string]*phrasebook{
		"en": phrasesEN(), "es": phrasesES(), "fr": phrasesFR(),
		"de": phrasesDE(), "pt": phrasesPT(), "it": phrasesIT(),
	}
}
