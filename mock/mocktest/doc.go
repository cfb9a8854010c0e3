// Package mocktest starts an odmock server inside a Go test, as
// net/http/httptest does for a handler: a real HTTP server on 127.0.0.1
// with a free port, serving OpenDialog's User Interactions API from a
// seeded dataset, closed when the test ends.
//
// # Use
//
//	func TestReport(t *testing.T) {
//		srv := mocktest.NewServer(t, mocktest.WithUsers(50))
//		report, err := myapp.FetchReport(srv.URL, srv.Token)
//		...
//		for _, r := range srv.Requests("") { ... } // what the client asked for
//	}
//
// The data is the same as `odmock` serves with the same seed and users:
// the public page's example user, user_12345, is always there, with its two
// interactions on 2024-01-15.
//
// # Sessions
//
// Tests that share one server tell their requests apart with the
// X-Odmock-Session header: SessionClient sets it, and Requests(session)
// returns that session's requests only.
package mocktest
