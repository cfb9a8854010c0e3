// Package odmock holds the files that make the odmock binary self-contained:
// the API contract, openapi.yaml. The server itself is package mock.
package odmock

import "embed"

// Files holds openapi.yaml, the contract odmock serves and validates against.
//
//go:embed openapi.yaml
var Files embed.FS
