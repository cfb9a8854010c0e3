// Package mock is odmock: a mock of OpenDialog's User Interactions API
// (GET /public/api/user-interactions), faithful to the API's public page
// and to the real Laravel server, for contract testing.
//
// # The contract
//
// Everything odmock knows of the endpoint comes from openapi.yaml, embedded
// in the binary and parsed by kin-openapi (Contract): the path, the query
// parameters and which are required, their schemas, the date format
// (x-date-format), how each filter matches (x-match), and the interaction
// types. Every answer a test sees can be checked with
// Contract.ValidateResponse.
//
// # Serving
//
// New builds a Server from a Config: a Dataset generated from a seed (or
// read from fixture files), the scenarios, and an Echo handler. Start
// listens (port 0 picks a free port; URL tells which); Handler serves in
// another server or httptest. Package mocktest starts one inside a Go test.
//
//	srv, err := mock.New(mock.DefaultConfig())
//	if err != nil { ... }
//	if err := srv.Start(); err != nil { ... }
//	defer srv.Shutdown(ctx)
//	// GET srv.URL() + "/public/api/user-interactions?from=...&to=..."
//
// # Answers
//
// A request is checked as the real server checks it, in its order: the
// token, then Laravel's field rules, then filter names; the error bodies
// are Laravel's, byte for byte. A valid query is answered from an index
// (users by ID, messages by time), streamed from JSON encoded once, in PHP
// json_encode's escaping.
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
// Every request becomes an Exchange, handed to observers once answered: the
// request log, the journal (/__odmock/journal), and consumer coverage
// (/__odmock/coverage). Verify checks any provider, the real API included,
// against the contract.
package mock
