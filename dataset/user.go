package dataset

import "time"

// AuthorBot is the author of bot messages, as OpenDialog stores them. Every
// other author is the user; the API returns only the user's messages.
const AuthorBot = "them"

// User is one chatbot user and their conversation history: the unit of
// both the generated dataset and fixture files.
type User struct {
	ID   string
	Name *string // nil is JSON null
	// Attributes holds the user's filterable attributes (email, browser,
	// country, ...) by their filter name; a missing one is JSON null.
	Attributes map[string]string
	Messages   []Message
}

// Message is one message of a conversation, sent by the user or the bot.
type Message struct {
	Date   time.Time // UTC; the API has second precision
	Author string    // AuthorBot for the bot, else the user ("me")
	Type   string
	Text   string
	// Data is the message's data as a JSON text in json_encode's escaping
	// (see contract.AppendString), or nil for null.
	Data []byte
}

// FromBot reports whether the bot sent the message.
func (m *Message) FromBot() bool { return m.Author == AuthorBot }
