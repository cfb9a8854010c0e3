// Package contract is what odmock knows of OpenDialog's User Interactions
// API (GET /public/api/user-interactions), and nothing else: the bottom
// layer every other package stands on. It imports kin-openapi and the
// embedded openapi.yaml only.
//
// # The document
//
// Default parses the openapi.yaml embedded in the binary into a Contract:
// the path, the query parameters and which are required, their schemas,
// the date format (x-date-format), how each filter matches (x-match), and
// the interaction types. ValidateResponse checks any answer against it.
//
// # Requests
//
// ParseQuery reads a query string as PHP and Laravel read it (the last of
// a repeated name wins, values trimmed, name[] an array). ValidateQuery
// checks it in the real server's order and returns a Query or a
// *ValidationError. TokenSet and BearerToken check API tokens in constant
// time, as Laravel's bearerToken reads them.
//
// # The wire format
//
// The real server is a Laravel application: its error bodies (MessageBody,
// ValidationError.AppendJSON, ErrorAnswer, ExampleBody) are written byte
// for byte, and its JSON in PHP json_encode's escaping (AppendString).
package contract
