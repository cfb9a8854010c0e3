// Package record records a provider of the User Interactions API (a real
// OpenDialog workspace, or any server that claims the contract) over a
// window, pseudonymised, into a fixture odmock serves: replayed through
// the engine, every filter, range, user and error works on it, for
// queries nobody recorded.
//
// # Recording
//
// Record asks for the window a chunk a request (a day by default; the
// API has no pagination), through verify's gentle Client: paced, within a
// request budget, waiting out 429s as their Retry-After says. An answer
// larger than Options.MaxAnswerBytes halves the chunks that follow; a
// timeout or a 502/503/504 asks for the same chunk in halves. Every
// answer is checked against openapi.yaml (verify.Drift); drift is
// reported and the recording goes on. Progress is saved after every
// chunk: an interrupted recording continues where it stopped.
//
// # What it writes
//
// In the recording's directory: fixture.yaml (today's fixture format,
// served with --fixtures DIR), manifest.json (window, provider without
// secrets, contract hash, counts, the pseudonymisation policy and key
// fingerprint, which attributes were observed and which are unknown)
// and transcript.jsonl (the exchanges, pseudonymised like the rest). No
// file holds a time of recording: two recordings of the same workspace
// with one key are the same files.
//
// # Pseudonymisation
//
// A Pseudonymiser replaces personal values by keyed (HMAC-SHA-256),
// deterministic, format-preserving pseudonyms: an e-mail stays an e-mail
// at a reserved domain, an IP an IP of its family in the documentation
// ranges, a UUID a UUID, a name a name. The same value gets the same
// pseudonym wherever it appears, in free text too. No pseudonym holds %,
// _ or \, so each works as a filter value.
//
// # Real shape
//
// A recording serves what the provider returned per user. The page's
// answers carry a user's id, name and e-mail only; every other attribute
// is unknown: a filter on one matches no recorded user, and the manifest
// lists such filters. With Options.ProbeAttributes the recorder learns
// them by filtered requests in the provider's LIKE semantics, within the
// request budget (probe.go), and the manifest says per attribute whether
// it was learned, partly learned or not at all.
//
// # Checking
//
// SelfCheckDir replays every exchange through the engine over the
// fixture and compares bytes; DiffDirs says what changed between two
// recordings; LintPersonalData finds personal data in files.
//
// Package record may import contract, dataset, mock and verify; nothing
// but cmd/odmock imports it.
package record
