package main

import (
	"encoding/xml"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The README's CI section runs as written: its workflow's odmock steps
// (with the actions), its CLI block, and its go install line.

// TestReadmeWorkflow runs the README's workflow: the odmock action with its
// inputs, a client's tests (here, requests under session ci that exercise
// what the check requires, taking no risk), then the check action with its
// inputs; the files the upload step names are there.
func TestReadmeWorkflow(t *testing.T) {
	needGo(t)
	var workflow string
	for _, block := range fenced(readme(t), "yaml") {
		if strings.HasPrefix(block, "# .github/workflows/contract.yml\n") {
			workflow = block
		}
	}
	if workflow == "" {
		t.Fatal("no .github/workflows/contract.yml in the README")
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				If   string            `yaml:"if"`
				With map[string]string `yaml:"with"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(workflow), &wf); err != nil {
		t.Fatalf("the README's workflow: %v", err)
	}
	r := newRunner(t)
	ran := map[string]bool{}
	var uploads []string
	for _, st := range wf.Jobs["contract"].Steps {
		switch {
		case st.Uses == "odmock/odmock@v1":
			with := map[string]string{"port": "0"} // the README's 8080 may be taken here
			for k, v := range st.With {
				with[k] = v
			}
			res := r.use(".", with)
			stopServer(t, res.outputs["pid"])
			if res.failed != "" {
				t.Fatalf("odmock action: %q failed:\n%s", res.failed, res.log)
			}
		case st.Run == "npm test":
			url, token := r.env["ODMOCK_URL"], r.env["ODMOCK_TOKEN"]
			h := http.Header{"Authorization": {"Bearer " + token}, "X-Odmock-Session": {"ci"}, "Accept": {"application/json"}}
			send(t, http.MethodGet, url+apiPath+january, h)
			send(t, http.MethodGet, url+apiPath, h)
			h.Del("Authorization")
			send(t, http.MethodGet, url+apiPath+january, h)
		case st.Uses == "odmock/odmock/check@v1":
			res := r.use("check", st.With)
			if res.failed != "" || res.outputs["passed"] != "true" {
				t.Fatalf("check action: %q failed, outputs %v:\n%s", res.failed, res.outputs, res.log)
			}
		case strings.HasPrefix(st.Uses, "actions/upload-artifact@"):
			uploads = strings.Fields(st.With["path"])
		}
		ran[st.Uses+st.Run] = true
	}
	for _, step := range []string{"odmock/odmock@v1", "npm test", "odmock/odmock/check@v1"} {
		if !ran[step] {
			t.Errorf("the README's workflow has no step %s", step)
		}
	}
	if len(uploads) != 2 {
		t.Errorf("upload paths = %q, want the JUnit and the HAR", uploads)
	}
	for _, f := range uploads {
		if _, err := os.Stat(filepath.Join(r.work, f)); err != nil {
			t.Errorf("the workflow uploads %s, which the check did not write: %v", f, err)
		}
	}
	summary, _ := os.ReadFile(r.sumry)
	if !strings.Contains(string(summary), "**odmock check passed.**") {
		t.Errorf("job summary:\n%s", summary)
	}
}

// TestReadmeCLI runs the README's CI block for anywhere else, in bash, on
// a free port, with npm test standing for a client's tests; it passes,
// leaves the JUnit and the HAR, and fails when the client's requests went
// under another session.
func TestReadmeCLI(t *testing.T) {
	needGo(t)
	var block string
	for _, b := range fenced(readme(t), "sh") {
		if strings.HasPrefix(b, "go build -o odmock ./cmd/odmock\n") {
			block = b
		}
	}
	if block == "" {
		t.Fatal("no CI block starting with go build -o odmock in the README")
	}
	root, _ := filepath.Abs("../..")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	script := strings.Replace(block, "go build -o odmock ./cmd/odmock", `go -C "$REPO" build -o "$PWD/odmock" ./cmd/odmock`, 1)
	script = strings.ReplaceAll(script, "127.0.0.1:8080", "127.0.0.1:"+port)
	client := `npm() { for q in "` + january + `" ""; do curl -s -o /dev/null -H "X-Odmock-Session: $SESSION" -H 'Authorization: Bearer odmock-dev-token' "http://127.0.0.1:` + port + apiPath + `$q"; done; }
trap 'kill $(jobs -p) 2>/dev/null' EXIT
`
	needTool(t, "curl")
	for _, tt := range []struct {
		session string
		pass    bool
	}{{"ci", true}, {"CI", false}} {
		dir := t.TempDir()
		cmd := exec.Command("bash", "-eo", "pipefail", "-c", client+script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "REPO="+root, "SESSION="+tt.session)
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.pass {
			t.Fatalf("requests under %s: the README's CI block exited %v, want pass %v:\n%s", tt.session, err, tt.pass, out)
		}
		if !tt.pass {
			if !strings.Contains(string(out), `session "ci" made no requests`) {
				t.Errorf("a failed gate does not say why:\n%s", out)
			}
			continue
		}
		x, _ := os.ReadFile(filepath.Join(dir, "odmock-coverage.xml"))
		var doc junitDoc
		if err := xml.Unmarshal(x, &doc); err != nil || doc.Tests == 0 || doc.Failures != 0 {
			t.Errorf("odmock-coverage.xml: %d tests, %d failures (%v), want some and none failed:\n%s", doc.Tests, doc.Failures, err, x)
		}
		if h, err := os.ReadFile(filepath.Join(dir, "odmock-journal.har")); err != nil || !strings.Contains(string(h), `"version":"1.2"`) {
			t.Errorf("odmock-journal.har: %v\n%.200s", err, h)
		}
	}
}

// TestReadmeGoInstall runs the README's install line from a clone, and
// checks that the go install line it names uses go.mod's module path.
func TestReadmeGoInstall(t *testing.T) {
	needGo(t)
	doc := readme(t)
	var line string
	for _, b := range fenced(doc, "sh") {
		if strings.HasPrefix(b, "go install ") {
			line = strings.TrimSpace(strings.SplitN(b, "#", 2)[0])
		}
	}
	if line != "go install ./cmd/odmock" {
		t.Fatalf("the README's install block is %q, want go install ./cmd/odmock", line)
	}
	mod, _ := os.ReadFile("../../go.mod")
	path := regexp.MustCompile(`(?m)^module (\S+)`).FindSubmatch(mod)
	if path == nil || !strings.Contains(doc, "go install "+string(path[1])+"/cmd/odmock@latest") {
		t.Errorf("the README's go install @latest line does not name the module path %s", path)
	}
	// go 1.26.0 is the language 1.26 too: go mod tidy writes it when a
	// dependency asks for the 1.26.0 release.
	if !regexp.MustCompile(`(?m)^go 1\.26(\.0)?$`).Match(mod) || !strings.Contains(doc, "Go 1.26") {
		t.Errorf("go.mod's go line and the README's Go version disagree")
	}
	bin := t.TempDir()
	cmd := exec.Command("go", "install", "./cmd/odmock")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "GOBIN="+bin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/odmock: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "odmock"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "odmock ") {
		t.Errorf("the installed odmock version: %v %s", err, out)
	}
}
