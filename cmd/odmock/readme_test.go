package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's snippets work as written, and its examples of output come
// from real runs: go test ./cmd/odmock -run TestReadmeOutputs -update
// rewrites them.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fenced returns the README's code blocks of a language, in order.
func fenced(doc, lang string) []string {
	var out []string
	for _, m := range regexp.MustCompile("(?s)\n```"+lang+"\n(.*?)\n```").FindAllStringSubmatch(doc, -1) {
		out = append(out, m[1]+"\n")
	}
	return out
}

// TestReadmeUserFiles writes the README's own scenario and fixture files
// where it says, in a project that also has a Jest fixtures/ folder, and
// checks that odmock lints them, starts there and serves them.
func TestReadmeUserFiles(t *testing.T) {
	project := t.TempDir()
	n := 0
	for _, block := range fenced(readme(t), "yaml") {
		name, ok := strings.CutPrefix(strings.SplitN(block, "\n", 2)[0], "# ")
		if !ok || !strings.HasPrefix(name, ".odmock/") {
			continue
		}
		p := filepath.Join(project, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(block), 0o644); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("found %d README files under .odmock/, want 2 (a scenario and its fixture)", n)
	}
	// A frontend project's own folders, which odmock must not read.
	os.MkdirAll(filepath.Join(project, "fixtures"), 0o755)
	os.WriteFile(filepath.Join(project, "fixtures", "user.json"), []byte(`{"user": {"id": 1}}`), 0o644)
	os.MkdirAll(filepath.Join(project, "scenarios"), 0o755)
	os.WriteFile(filepath.Join(project, "scenarios", "login.yaml"), []byte("steps: [visit, click]\n"), 0o644)
	t.Chdir(project)

	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"lint"}, &stdout, &stderr); err != nil || stdout.String() != "ok: 1 scenario file and 1 fixture file\n" {
		t.Fatalf("odmock lint of the README's files: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	r := startRun(t, "--users", "20")
	if !strings.Contains(r.banner, "vip-outage") || !strings.Contains(r.banner, "unauthorized") {
		t.Errorf("banner does not list the README's scenario beside the shipped ones:\n%s", r.banner)
	}
	url := r.url + apiPath + january + "&user_id=vip-0001"
	h := http.Header{"Authorization": {"Bearer odmock-dev-token"}, "X-Client": {"mobile"}, "Prefer": {"scenario=vip-outage"}}
	for i, want := range []int{503, 503, 200} {
		if got := send(t, http.MethodGet, url, h); got != want {
			t.Errorf("call %d to vip-outage: status %d, want %d", i+1, got, want)
		}
	}
}

// TestReadmeCIGate runs the README's journal check (with jq) against a
// client that named its session wrongly: it must fail, and pass once the
// requests arrive under the right name.
func TestReadmeCIGate(t *testing.T) {
	jq := needTool(t, "jq")
	var filter string
	for _, block := range fenced(readme(t), "sh") {
		if m := regexp.MustCompile(`jq -e '([^']+)'`).FindStringSubmatch(block); m != nil && strings.Contains(block, "__odmock/journal?session=ci") {
			filter = m[1]
		}
	}
	if filter == "" {
		t.Fatal("no journal check with jq -e in the README")
	}
	r := startRun(t, "--users", "5")
	gate := func() error {
		resp, err := http.Get(r.url + "/__odmock/journal?session=ci")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		cmd := exec.Command(jq, "-e", filter)
		cmd.Stdin = resp.Body
		return cmd.Run()
	}
	h := http.Header{"Authorization": {"Bearer odmock-dev-token"}, "X-Odmock-Session": {"CI"}}
	send(t, http.MethodGet, r.url+apiPath+january, h)
	if gate() == nil {
		t.Errorf("the README's gate passed with no request under session ci")
	}
	h.Set("X-Odmock-Session", "ci")
	send(t, http.MethodGet, r.url+apiPath+january, h)
	if err := gate(); err != nil {
		t.Errorf("the README's gate failed on a good request under session ci: %v", err)
	}
	send(t, http.MethodGet, r.url+apiPath, h)
	if gate() == nil {
		t.Errorf("the README's gate passed with a 422 under session ci")
	}
}

// TestReadmeOutputs checks the README's examples of output against a real
// run, the parts that change from run to run (time, latency, port)
// excepted; -update writes the real output in.
func TestReadmeOutputs(t *testing.T) {
	r := startRun(t) // the defaults, as the README runs it
	h := http.Header{"Authorization": {"Bearer odmock-dev-token"}, "X-Odmock-Session": {"ci"}}
	send(t, http.MethodGet, r.url+apiPath+"?from=2024-01-01&to=2024-01-31%2023:59:59", h)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	var logLine string
	for line := range strings.Lines(r.logs.String()) {
		if strings.Contains(line, "msg=request") {
			logLine = line
		}
	}
	port := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	real := map[string]string{
		"banner": port.ReplaceAllString(r.banner, "127.0.0.1:8080"),
		"log":    logLine,
	}
	// What differs between runs.
	varying := regexp.MustCompile(`(ready|built) in [0-9.]+[mµ]?s|time=\S+|latency_ms=[0-9.]+`)
	norm := func(s string) string { return varying.ReplaceAllStringFunc(s, func(m string) string { return m[:4] }) }
	doc := readme(t)
	for name, got := range real {
		re := regexp.MustCompile("(?s)(<!-- output: " + name + " -->\n```\n)(.*?)(```)")
		m := re.FindStringSubmatch(doc)
		if m == nil {
			t.Errorf("README.md has no <!-- output: %s --> block", name)
			continue
		}
		if *update {
			doc = re.ReplaceAllLiteralString(doc, m[1]+got+m[3])
			continue
		}
		if norm(m[2]) != norm(got) {
			t.Errorf("README.md's %s example is not what odmock prints (go test ./cmd/odmock -run TestReadmeOutputs -update):\n%s\nodmock prints:\n%s", name, m[2], got)
		}
	}
	if *update {
		if err := os.WriteFile("../../README.md", []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
