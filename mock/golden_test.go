package mock

import "testing"

// TestGoldenAnswers pins whole 200 bodies: the public page's own example
// requests, and the exact empty answer.
func TestGoldenAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, smallConfig())
	tests := []struct {
		name  string
		query string
	}{
		{"page-example", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&user_id=user_12345&selected_scenario=customer_support"},
		{"page-filters", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&email=example.com&browser=chrome"},
		{"page-curl-country", "from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59&browser=chrome&country=US"},
		{"one-day", "from=2024-01-15%2000:00:00&to=2024-01-15%2023:59:59"},
		{"empty", "from=2023-01-01%2000:00:00&to=2023-01-31%2023:59:59"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := s.get(apiPath + "?" + tt.query)
			if got.status != 200 {
				t.Fatalf("GET ?%s: status = %d, want 200: %s", tt.query, got.status, got.body)
			}
			golden(t, tt.name, got.body)
		})
	}
}
