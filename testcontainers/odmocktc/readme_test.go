package odmocktc_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSnippet runs the README's testcontainers-go example as a test
// of its own, on the image under test instead of localhost/odmock:latest.
func TestReadmeSnippet(t *testing.T) {
	img := image(t)
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var snippet string
	for _, m := range regexp.MustCompile("(?s)\n```go\n(.*?)\n```").FindAllStringSubmatch(string(doc), -1) {
		if strings.Contains(m[1], "odmocktc.Run(") {
			snippet = m[1] + "\n"
		}
	}
	if snippet == "" || !strings.Contains(snippet, `"localhost/odmock:latest"`) {
		t.Fatalf("no README example runs odmocktc.Run on localhost/odmock:latest:\n%s", snippet)
	}
	// A directory starting with _ is left out of ./... but can be named.
	dir, err := os.MkdirTemp(".", "_readme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	src := strings.Replace(snippet, `"localhost/odmock:latest"`, `"`+img+`"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "readme_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "test", "-count=1", "-run", "TestAgainstOdmock", "-v", "./"+filepath.Base(dir))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestAgainstOdmock") {
		t.Fatalf("the README's example: %v\n%s", err, out)
	}
}
