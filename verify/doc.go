// Package verify judges a provider of the User Interactions API (a real
// OpenDialog workspace, a staging copy, or odmock itself) against the
// contract, from the outside: through HTTP and package contract only. It
// never imports odmock's server or its engine outside tests: the judge
// must not share the defendant's engine.
//
// # A run
//
// Run sends a bounded, paced set of read-only requests (one a second by
// default, honouring 429 and Retry-After, within a request budget) and
// returns a Report of named checks, one per behaviour of the contract. A
// provider that answers wrongly is a report with failed checks; an error
// is for options that are wrong (Options.Validate) or a provider that
// cannot be reached.
//
// # Reports
//
// A Report is written as text (WriteText), JSON (WriteJSON) or JUnit XML
// (WriteJUnit), for people, scripts and CI dashboards.
package verify
