// Package dataset is odmock's data and its query engine: users and their
// conversations, generated from a seed or read from fixtures, indexed, and
// queried as the real API queries its database. It imports contract and
// gofakeit; it knows nothing of HTTP or YAML.
//
// # Users
//
// Generate makes users from a seed: user i depends only on (seed, i), so
// the same seed gives the same users whatever their number, and adding
// users leaves the earlier ones unchanged. The first is always the public
// page's example user, user_12345. MergeUsers lays fixture users over them.
//
// Generated users are coherent: one draw of a country decides a user's
// language, time zone, currency, names and devices (locale.go, devices.go),
// and their conversations follow a scenario's flow in their language,
// from curated phrasebooks (corpus.go, phrases_*.go) filled in with the
// user's own values (persona.go, conversation.go), on their local day
// (rhythm.go, zones.go). StatsOf summarises users for `odmock data stats`.
//
// # The engine
//
// New indexes users given whole into a Dataset, every message encoded.
// NewSeeded draws only each user's skeleton (attributes as codes, each
// conversation's anchor and shape: skeleton.go, shape.go) and makes a
// conversation's messages when a query first needs them, from (seed,
// user, conversation), keeping recent ones in a bounded cache (cache.go):
// a hundred million messages are ready in seconds, in little memory.
// Dataset.Query answers a contract.Query over either: users by ID,
// conversations by time, filters as SQL's LIKE '%value%' in a
// case-insensitive collation, bot messages never returned. Messages are
// encoded in PHP's escaping, so a Result streams with WriteTo from those
// bytes, its exact length known first (Size).
//
// # Windows
//
// Window is the span generated conversations fall in; ParseWindow reads
// the --window flag's forms.
package dataset
