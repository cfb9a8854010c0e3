package main

import (
	"bytes"
	"context"
	"net/http"
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
