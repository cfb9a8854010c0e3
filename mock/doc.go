// Package mock is odmock's server: a mock of OpenDialog's User
// Interactions API (GET /public/api/user-interactions), faithful to the
// API's public page and to the real Laravel server, for contract testing.
// The contract is package contract's, the data and the query engine are
// package dataset's; this package serves them over HTTP.
//
// # Serving
//
// New builds a Server from a Config (checked by Config.Validate): a
// dataset generated from a seed (or read from fixture files), the
// scenarios, and an Echo handler. Start listens (port 0 picks a free port;
// URL tells which); Handler serves in another server or httptest. Package
// mocktest starts one inside a Go test.
//
//	srv, err := mock.New(mock.DefaultConfig())
//	if err != nil { ... }
//	if err := srv.Start(); err != nil { ... }
//	defer srv.Shutdown(ctx)
//	// GET srv.URL() + "/public/api/user-interactions?from=...&to=..."
//
// # Parts of the server
//
// A Server is made of parts that own their state, each in its own files:
//
//   - the user files (library.go, reload.go): the loaded scenarios and
//     fixtures, swapped whole on reload, the last good state kept when a
//     file is bad;
//   - the scenario state (state.go): which scenario is in force and how
//     many calls each rule has matched, per session, bounded (lru.go);
//   - admission (admission.go, adminguard.go, caller.go, cors.go,
//     inflight.go, limits.go, ratelimit.go): who is calling, worked out
//     once per request, what a request may cost, and what the admin API
//     refuses from other origins;
//   - the watchers (observe.go, journal.go, coverage.go, redact.go): the
//     request log, the journal and consumer coverage.
//
// routes.go registers every route; api.go answers the API; answer.go
// writes every answer odmock writes whole, in one place.
//
// # Answers
//
// A request is checked as the real server checks it, in its order: the
// rate limit, the token, then Laravel's field rules, then filter names;
// the error bodies are Laravel's, byte for byte. A valid query is answered
// by the dataset's engine, streamed.
//
// # Scenarios and fixtures
//
// Scenario files script states the real API can be in (and a few it should
// not): rules that match calls and answer through the engine, from a
// fixture, or with a scripted answer, with delays and faults. They are
// selected at start, per request with the Prefer header, or over the admin
// API under /__odmock/, and reload when their files change. Lint checks
// them, as the server does at start.
//
// # Watching traffic
//
// Every request is recorded once answered: in the request log, the journal
// (/__odmock/journal) and consumer coverage (/__odmock/coverage). Package
// verify checks any provider, the real API included, against the contract.
package mock
