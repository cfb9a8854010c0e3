package mocktest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/odmock/odmock/mock/mocktest"
)

// messagesByUser is the code under test: a team's own client of the User
// Interactions API, which reads each user's messages.
func messagesByUser(c *http.Client, url string) (map[string][]string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// The API's errors are JSON: {"message": ..., "errors": {...}}.
		var e struct{ Message string }
		json.NewDecoder(resp.Body).Decode(&e)
		return nil, fmt.Errorf("user interactions: %d %s", resp.StatusCode, e.Message)
	}
	var body struct {
		Data []map[string]struct {
			Interactions []struct{ Type, Text string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, group := range body.Data {
		for id, u := range group {
			for _, in := range u.Interactions {
				out[id] = append(out[id], in.Type+": "+in.Text)
			}
		}
	}
	return out, nil
}

// A consumer test: the code under test calls odmock as it would call
// OpenDialog. In a test, mocktest.NewServer(t) starts the server and
// closes it when the test ends; Start and Close do the same by hand.
func Example() {
	srv, err := mocktest.Start(mocktest.WithUsers(50))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// The public page's example user, on the day of its example.
	url := srv.InteractionsURL("2024-01-15 00:00:00", "2024-01-15 23:59:59", "user_id", "user_12345")
	got, err := messagesByUser(srv.Client(), url)
	fmt.Println(got, err)

	// A typo in a date: the code under test must report the API's 422.
	_, err = messagesByUser(srv.Client(), srv.InteractionsURL("2024-01-15", "2024-01-15 23:59:59"))
	fmt.Println(err)

	// Without the token: 401.
	_, err = messagesByUser(http.DefaultClient, url)
	fmt.Println(err)
	// Output:
	// map[user_12345:[button: Help with my order text: I need help with my order]] <nil>
	// user interactions: 422 The given data was invalid.
	// user interactions: 401 Unauthenticated.
}

// Requests shows what a client asked for, from the server's journal: here,
// that the code under test sends a filter by country, and what a bad
// request got. A session keeps one test's requests apart from another's.
func ExampleServer_Requests() {
	srv, err := mocktest.Start(mocktest.WithUsers(50))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	client := srv.SessionClient("report-test")
	messagesByUser(client, srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59", "country", "US"))
	messagesByUser(client, srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59", "county", "US"))
	messagesByUser(srv.Client(), srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59")) // another session

	for _, r := range srv.Requests("report-test") {
		fmt.Println(r.Method, r.Status, r.Params.Get("country"), r.Outcome)
		var fields []string
		for _, fe := range r.Errors {
			fields = append(fields, fe.Field+": "+fe.Messages[0])
		}
		sort.Strings(fields)
		for _, f := range fields {
			fmt.Println("  ", f)
		}
	}
	// Output:
	// GET 200 US data
	// GET 422  invalid
	//    filters.county: The filter 'county' is not allowed.
}

// WithScenario shows a consumer test of the error path: with the shipped
// token-expires scenario, the token works twice and then the API says 401,
// and the code under test must report it.
func ExampleWithScenario() {
	srv, err := mocktest.Start(mocktest.WithUsers(20), mocktest.WithScenario("token-expires"))
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	url := srv.InteractionsURL("2024-01-15 00:00:00", "2024-01-15 23:59:59", "user_id", "user_12345")
	for range 3 {
		_, err := messagesByUser(srv.Client(), url)
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// <nil>
	// user interactions: 401 Unauthenticated.
}
