package mocktest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/odmock/odmock/mock"
	"github.com/odmock/odmock/mock/mocktest"
)

func TestNewServerClosesWithTheTest(t *testing.T) {
	var url string
	t.Run("consumer", func(t *testing.T) {
		srv := mocktest.NewServer(t, mocktest.WithUsers(5))
		url = srv.URL
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("URL = %q, want http://127.0.0.1:PORT", url)
		}
		resp, err := srv.Get(mock.HealthPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status = %d, want 200", mock.HealthPath, resp.StatusCode)
		}
	})
	if resp, err := http.Get(url + mock.HealthPath); err == nil {
		resp.Body.Close()
		t.Errorf("GET %s after the test ended: status %d, want the server closed", url, resp.StatusCode)
	}
}

func TestClientSendsToken(t *testing.T) {
	t.Parallel()
	srv := mocktest.NewServer(t, mocktest.WithUsers(5), mocktest.WithTokens("team-token", "other"))
	if srv.Token != "team-token" {
		t.Errorf("Token = %q, want team-token", srv.Token)
	}
	url := srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59")
	tests := []struct {
		name   string
		client *http.Client
		want   int
	}{
		{"Client", srv.Client(), 200},
		{"SessionClient", srv.SessionClient("s1"), 200},
		{"no token", http.DefaultClient, 401},
	}
	for _, tt := range tests {
		resp, err := tt.client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: GET %s: status = %d, want %d", tt.name, url, resp.StatusCode, tt.want)
		}
	}
	all, s1 := srv.Requests(""), srv.Requests("s1")
	if len(all) != 3 || len(s1) != 1 || s1[0].Status != 200 {
		t.Errorf("Requests: %d in all and %d in s1, want 3 and 1 (a 200)", len(all), len(s1))
	}
	srv.ClearRequests("s1")
	if n := len(srv.Requests("")); n != 2 {
		t.Errorf("after ClearRequests(s1): %d requests, want 2", n)
	}
	srv.ClearRequests("")
	if n := len(srv.Requests("")); n != 0 {
		t.Errorf("after ClearRequests(\"\"): %d requests, want 0", n)
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	body := func(opts ...mocktest.Option) string {
		srv := mocktest.NewServer(t, opts...)
		resp, err := srv.Get(srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59")[len(srv.URL):])
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	a, b, c := body(mocktest.WithUsers(8)), body(mocktest.WithUsers(8)), body(mocktest.WithUsers(8), mocktest.WithSeed(2))
	if a != b {
		t.Error("two servers with one seed answer differently")
	}
	if a == c {
		t.Error("WithSeed(2) answers as seed 1")
	}
	srv := mocktest.NewServer(t, mocktest.WithUsers(7), mocktest.WithConfig(func(c *mock.Config) { c.JournalSize = 2 }))
	if got := srv.Mock.Dataset().Users(); got != 7 {
		t.Errorf("WithUsers(7): %d users", got)
	}
	if got := srv.Mock.Journal().Size(); got != 2 {
		t.Errorf("WithConfig journal size 2: size %d", got)
	}
}

func TestInteractionsURL(t *testing.T) {
	t.Parallel()
	srv := mocktest.NewServer(t, mocktest.WithUsers(1))
	got := srv.InteractionsURL("2024-01-01 00:00:00", "2024-01-31 23:59:59", "email", "a+b@x.com", "browser", "chrome 1&2")
	want := srv.URL + "/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&email=a%2Bb@x.com&browser=chrome%201%262"
	if got != want {
		t.Errorf("InteractionsURL = %q, want %q", got, want)
	}
}

// fatalTB records Fatalf instead of stopping a test.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	panic(f)
}
func (f *fatalTB) Cleanup(func()) {}

func TestNewServerFailsTheTest(t *testing.T) {
	tb := &fatalTB{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != tb {
				panic(v)
			}
		}()
		mocktest.NewServer(tb, mocktest.WithUsers(-1))
	}()
	if !strings.Contains(tb.fatal, "users -1") {
		t.Errorf("NewServer with -1 users: Fatalf(%q), want the reason", tb.fatal)
	}
}
