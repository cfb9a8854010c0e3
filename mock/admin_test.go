package mock

import (
	"errors"
	"net/http"
	"testing"
)

// adminServer is a test server with the given admin token; its admin
// route GET /__odmock/scenarios stands for them all.
func adminServer(t *testing.T, adminToken string) *testServer {
	t.Helper()
	cfg := smallConfig()
	cfg.AdminToken = adminToken
	return newTestServer(t, cfg)
}

func TestAdminToken(t *testing.T) {
	t.Parallel()
	const admin = "admin-secret"
	s := adminServer(t, admin)
	tests := []struct {
		name   string
		method string
		path   string
		auth   string
		want   int
	}{
		{"no token", http.MethodGet, "/__odmock/scenarios", "", http.StatusUnauthorized},
		{"API token", http.MethodGet, "/__odmock/scenarios", "Bearer " + DefaultToken, http.StatusUnauthorized},
		{"admin token", http.MethodGet, "/__odmock/scenarios", "Bearer " + admin, http.StatusOK},
		{"admin token, other scheme", http.MethodGet, "/__odmock/scenarios", "Basic " + admin, http.StatusUnauthorized},
		{"admin token, other case", http.MethodGet, "/__odmock/scenarios", "bearer " + admin, http.StatusUnauthorized},
		{"admin token's prefix", http.MethodGet, "/__odmock/scenarios", "Bearer admin", http.StatusUnauthorized},
		{"unknown admin path, no token", http.MethodGet, "/__odmock/nope", "", http.StatusUnauthorized},
		{"unknown admin path, admin token", http.MethodGet, "/__odmock/nope", "Bearer " + admin, http.StatusNotFound},
		{"trailing slash, no token", http.MethodGet, "/__odmock/scenarios/", "", http.StatusUnauthorized},
		{"escaped letter, no token", http.MethodGet, "/__odmock/%73cenarios", "", http.StatusUnauthorized},
		{"other method, no token", http.MethodPost, "/__odmock/scenarios", "", http.StatusUnauthorized},
		{"the group's root, no token", http.MethodGet, "/__odmock", "", http.StatusUnauthorized},
		{"health stays public", http.MethodGet, HealthPath, "", http.StatusOK},
		{"health, HEAD", http.MethodHead, HealthPath, "", http.StatusOK},
		{"the API takes no admin token", http.MethodGet, apiPath + okQuery, "Bearer " + admin, http.StatusUnauthorized},
		{"the API takes its token", http.MethodGet, apiPath + okQuery, "Bearer " + DefaultToken, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			r := s.do(tt.method, tt.path, h)
			if r.status != tt.want {
				t.Fatalf("%s %s with %q: status = %d, want %d (body %s)", tt.method, tt.path, tt.auth, r.status, tt.want, r.body)
			}
			if r.status == http.StatusUnauthorized && tt.path != apiPath+okQuery {
				if string(r.body) != `{"message":"Unauthenticated."}` {
					t.Errorf("body = %s, want Laravel's 401", r.body)
				}
				if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="odmock admin"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
		})
	}
}

func TestAdminOpenWithoutToken(t *testing.T) {
	t.Parallel()
	s := adminServer(t, "")
	if r := s.do(http.MethodGet, "/__odmock/scenarios", nil); r.status != http.StatusOK {
		t.Errorf("no admin token configured: status = %d, want 200", r.status)
	}
}

func TestAdminTokenMustDiffer(t *testing.T) {
	t.Parallel()
	cfg := smallConfig()
	cfg.Tokens = []string{"one", "two"}
	cfg.AdminToken = "two"
	_, err := New(cfg)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "AdminToken" || err.Error() != "admin token: must differ from every API token" {
		t.Errorf("New with an admin token that is an API token: err = %v, want admin token: must differ from every API token", err)
	}
}
