// Package odmock holds the files that make the odmock binary self-contained:
// the API contract (openapi.yaml) and the shipped scenarios and fixtures.
// The server itself is package mock.
package odmock

import "embed"

// Files holds openapi.yaml, the contract odmock serves and validates
// against, and the scenarios/ and fixtures/ directories as shipped.
//
//go:embed openapi.yaml scenarios fixtures
var Files embed.FS
