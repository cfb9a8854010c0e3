package odmocktc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/odmock/odmock/testcontainers/odmocktc"
	"github.com/testcontainers/testcontainers-go"
)

const january = "/public/api/user-interactions?from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59"

// image is the odmock image under test: ODMOCK_TC_IMAGE, as .ci/run builds
// it. Without it, or without a container engine, the tests skip, and fail
// when CI is set.
func image(t *testing.T) string {
	t.Helper()
	img := os.Getenv("ODMOCK_TC_IMAGE")
	problem := ""
	switch {
	case img == "":
		problem = "ODMOCK_TC_IMAGE names no odmock image (scripts/testcontainers-test.sh builds one)"
	case os.Getenv("DOCKER_HOST") == "" && !exists("/var/run/docker.sock"):
		problem = "no container engine: set DOCKER_HOST (podman system service) or run Docker"
	}
	if problem != "" {
		if os.Getenv("CI") != "" {
			t.Fatal(problem)
		}
		t.Skip(problem)
	}
	return img
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func get(t *testing.T, ctr *odmocktc.Container, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ctr.URL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// TestRun starts odmock with the module's options and checks that they
// took: seed and users in the health answer, the token, a scenario.
func TestRun(t *testing.T) {
	img := image(t)
	ctx := context.Background()
	ctr, err := odmocktc.Run(ctx, img, odmocktc.WithSeed(42), odmocktc.WithUsers(25), odmocktc.WithToken("tc-token"))
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	if ctr.Token() != "tc-token" || !strings.HasPrefix(ctr.URL(), "http://") {
		t.Fatalf("URL() = %q, Token() = %q", ctr.URL(), ctr.Token())
	}
	code, body := get(t, ctr, "/__odmock/health", "")
	var h struct {
		Service string
		Seed    uint64
		Users   int
	}
	if json.Unmarshal(body, &h); code != 200 || h.Service != "odmock" || h.Seed != 42 || h.Users != 25 {
		t.Errorf("health = %d %s, want odmock with seed 42 and 25 users", code, body)
	}
	if code, body := get(t, ctr, january, ctr.Token()); code != 200 || !strings.HasPrefix(string(body), `{"data":[{`) {
		t.Errorf("GET with Token() = %d %.100s, want 200 with data", code, body)
	}
	if code, _ := get(t, ctr, january, odmocktc.DefaultToken); code != 401 {
		t.Errorf("GET with the default token, another one given: %d, want 401", code)
	}
}

// TestRunScenarioAndFixtures starts odmock on a fixture file of the test's,
// and with a scenario in force.
func TestRunScenarioAndFixtures(t *testing.T) {
	img := image(t)
	ctx := context.Background()
	fixture := filepath.Join(t.TempDir(), "vip.yaml")
	os.WriteFile(fixture, []byte(`users:
  - id: vip-0001
    name: Ada Lovelace
    attributes: {email: ada@example.com, country: GB}
    messages:
      - {date: 2024-01-15 09:00:00, type: text, text: "Where is my order?"}
`), 0o644)
	ctr, err := odmocktc.Run(ctx, img, odmocktc.WithFixtures(fixture))
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, ctr, january, ctr.Token()); code != 200 || !strings.Contains(string(body), "vip-0001") || strings.Contains(string(body), "user_12345") {
		t.Errorf("GET on the fixture = %d %.200s, want only vip-0001", code, body)
	}

	ctr2, err := odmocktc.Run(ctx, img, odmocktc.WithScenario("unauthorized"))
	testcontainers.CleanupContainer(t, ctr2)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, ctr2, january, ctr2.Token()); code != 401 {
		t.Errorf("scenario unauthorized: %d, want 401", code)
	}
}
