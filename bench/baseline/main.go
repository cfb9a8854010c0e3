// Command baseline is the reference server of odmock's benchmark: the
// fastest a Go net/http server can answer on this machine. It does no work
// per request but writing one fixed JSON body of about 1 KB, shaped like an
// answer of the User Interactions API, whatever the path, query or headers.
// bench/run.sh drives it with the same load as odmock, and reports odmock's
// numbers as a ratio of its numbers.
//
// Usage: baseline -addr 127.0.0.1:0
//
// With port 0 it picks a free port. Either way it prints one line,
// "baseline listening on http://HOST:PORT", once it accepts connections.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

// body is a one-user answer of about 1 KB, as odmock would send for one
// user's day with a few messages.
const body = `{"data":[{"user_9f3c2a71":{"chatbot_user_data":{"id":"user_9f3c2a71",` +
	`"name":"Maria Jensen","email":"maria.jensen@example.com","ip_address":"203.0.113.42",` +
	`"country":"DK","browser_language":"da-DK","os":"Windows 11","browser":"chrome 120.0.6099",` +
	`"timezone":"Europe/Copenhagen","platform":"webchat","selected_scenario":"customer_support"},` +
	`"from":"2024-01-15T00:00:00.000000Z","to":"2024-01-15T23:59:59.000000Z",` +
	`"user_id":"user_9f3c2a71","selected_scenario":"customer_support","browser":"chrome 120.0.6099",` +
	`"interactions":[` +
	`{"type":"chat_open","date":"2024-01-15T10:29:41.000000Z","text":"","data":null},` +
	`{"type":"button","date":"2024-01-15T10:30:00.000000Z","text":"Help with my order",` +
	`"data":{"name":"Order Help","callback_id":"order_help_001"}},` +
	`{"type":"text","date":"2024-01-15T10:35:15.000000Z","text":"I need help with my order, it has not arrived yet","data":null},` +
	`{"type":"text","date":"2024-01-15T10:36:02.000000Z","text":"The order number is 48213, placed last Tuesday","data":null},` +
	`{"type":"form_response","date":"2024-01-15T10:38:40.000000Z","text":"Contact details",` +
	`"data":{"email":"maria.jensen@example.com","phone":"+45 20 12 34 56"}},` +
	`{"type":"text","date":"2024-01-15T10:41:09.000000Z","text":"Thank you, that helps","data":null}` +
	`]}}]}`

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "address to listen on (port 0 picks a free one)")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	b := []byte(body)
	length := strconv.Itoa(len(b))
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{length}
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	})
	fmt.Fprintf(os.Stdout, "baseline listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler))
}
