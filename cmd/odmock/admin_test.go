package main

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestAdminTokenFlag(t *testing.T) {
	t.Setenv("ODMOCK_ADMIN_TOKEN", "from-env")
	r := startRun(t, "--users", "1", "--admin-token", "admin-secret")
	tests := []struct {
		path, auth string
		want       int
	}{
		{"/__odmock/anything", "", http.StatusUnauthorized},
		{"/__odmock/anything", "Bearer odmock-dev-token", http.StatusUnauthorized},
		{"/__odmock/anything", "Bearer from-env", http.StatusUnauthorized}, // the flag wins
		{"/__odmock/anything", "Bearer admin-secret", http.StatusNotFound},
		{"/__odmock/health", "", http.StatusOK},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, r.url+tt.path, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s with %q: status %d, want %d", tt.path, tt.auth, resp.StatusCode, tt.want)
		}
	}
}

func TestAdminTokenMustNotBeAnAPIToken(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--token", "a", "--token", "b", "--admin-token", "b"}, &stdout, &stderr)
	if code := exitCode(err); code != 2 {
		t.Fatalf("--admin-token equal to a --token: exit code %d (err %v), want 2", code, err)
	}
	if !strings.Contains(err.Error(), "--admin-token: must differ from every API token") {
		t.Errorf("error = %q", err)
	}
	var help bytes.Buffer
	run(context.Background(), []string{"--help"}, &help, &stderr)
	if !strings.Contains(help.String(), "-admin-token") {
		t.Errorf("--help does not mention -admin-token")
	}
}

// TestReportsWithAdminToken: odmock journal and coverage read a server
// started with --admin-token, given the token by flag, by their own
// variable or by the server's ODMOCK_ADMIN_TOKEN; without it they fail
// with the server's 401. --help never prints the token.
func TestReportsWithAdminToken(t *testing.T) {
	r := startRun(t, "--users", "1", "--no-watch", "--admin-token", "admin-secret")
	cmds := [][]string{{"journal", "--url", r.url}, {"coverage", "--url", r.url}}
	tests := []struct {
		name    string
		flag    string
		env     map[string]string
		wantErr string
	}{
		{"no token", "", nil, "401"},
		{"wrong token", "nope", nil, "401"},
		{"flag", "admin-secret", nil, ""},
		{"the server's variable", "", map[string]string{"ODMOCK_ADMIN_TOKEN": "admin-secret"}, ""},
		{"the flag wins over the server's variable", "admin-secret", map[string]string{"ODMOCK_ADMIN_TOKEN": "nope"}, ""},
		{"the command's own variable", "", map[string]string{"ODMOCK_JOURNAL_ADMIN_TOKEN": "admin-secret", "ODMOCK_COVERAGE_ADMIN_TOKEN": "admin-secret"}, ""},
	}
	for _, tt := range tests {
		for _, cmd := range cmds {
			t.Run(tt.name+"/"+cmd[0], func(t *testing.T) {
				for _, k := range []string{"ODMOCK_ADMIN_TOKEN", "ODMOCK_JOURNAL_ADMIN_TOKEN", "ODMOCK_COVERAGE_ADMIN_TOKEN"} {
					t.Setenv(k, tt.env[k])
				}
				args := slices.Clone(cmd)
				if tt.flag != "" {
					args = append(args, "--admin-token", tt.flag)
				}
				var stdout, stderr bytes.Buffer
				err := run(context.Background(), args, &stdout, &stderr)
				switch {
				case tt.wantErr == "" && err != nil:
					t.Errorf("odmock %s: %v", strings.Join(args, " "), err)
				case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
					t.Errorf("odmock %s: error %v, want one with %q", strings.Join(args, " "), err, tt.wantErr)
				}
			})
		}
	}
	t.Setenv("ODMOCK_ADMIN_TOKEN", "admin-secret")
	var help bytes.Buffer
	run(context.Background(), []string{"coverage", "--help"}, &help, &help) //nolint:errcheck // help's exit is 0
	if strings.Contains(help.String(), "admin-secret") || !strings.Contains(help.String(), "-admin-token") {
		t.Errorf("coverage --help: must name -admin-token and never print the token:\n%s", help.String())
	}
}
