package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The GitHub Actions (action.yml, check/action.yml) are tested as a runner
// runs them: each step's run script in bash -eo pipefail, with its env
// worked out from the ${{ }} expressions, and the GITHUB_ENV,
// GITHUB_OUTPUT, GITHUB_PATH and GITHUB_STEP_SUMMARY files a runner
// provides, read back between steps as a runner does.

// actionFile is the part of an action.yml the runner reads.
type actionFile struct {
	Name   string `yaml:"name"`
	Inputs map[string]struct {
		Description string `yaml:"description"`
		Default     string `yaml:"default"`
	} `yaml:"inputs"`
	Outputs map[string]struct {
		Value string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// runner is one job: the environment and PATH that steps pass on.
type runner struct {
	t     *testing.T
	temp  string            // runner.temp
	work  string            // the job's working directory
	env   map[string]string // what GITHUB_ENV set
	path  []string          // what GITHUB_PATH added, newest first
	sumry string            // GITHUB_STEP_SUMMARY
}

func newRunner(t *testing.T) *runner {
	temp := t.TempDir()
	r := &runner{t: t, temp: temp, work: t.TempDir(), env: map[string]string{}, sumry: filepath.Join(temp, "summary.md")}
	os.WriteFile(r.sumry, nil, 0o644)
	return r
}

// actionResult is what running an action left.
type actionResult struct {
	outputs map[string]string
	log     string // the steps' stdout and stderr
	failed  string // the step that failed, "" when all passed
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// use runs the action at dir (relative to the repository) with inputs.
func (r *runner) use(dir string, inputs map[string]string) actionResult {
	t := r.t
	t.Helper()
	root, _ := filepath.Abs("../..")
	actionPath := filepath.Join(root, dir)
	b, err := os.ReadFile(filepath.Join(actionPath, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("%s/action.yml: %v", dir, err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("%s/action.yml runs using %q, want composite", dir, a.Runs.Using)
	}
	for name := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("%s/action.yml has no input %q", dir, name)
		}
	}
	steps := map[string]map[string]string{}
	eval := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			e := expr.FindStringSubmatch(m)[1]
			switch parts := strings.Split(e, "."); {
			case e == "github.action_path":
				return actionPath
			case e == "runner.temp":
				return r.temp
			case len(parts) == 2 && parts[0] == "inputs":
				if v, ok := inputs[parts[1]]; ok {
					return v
				}
				in, ok := a.Inputs[parts[1]]
				if !ok {
					t.Fatalf("%s/action.yml: %s names no input", dir, m)
				}
				return in.Default
			case len(parts) == 4 && parts[0] == "steps" && parts[2] == "outputs":
				return steps[parts[1]][parts[3]]
			}
			t.Fatalf("%s/action.yml: expression %s is not one this test knows", dir, m)
			return ""
		})
	}
	var log strings.Builder
	res := actionResult{outputs: map[string]string{}}
	for i, st := range a.Runs.Steps {
		if st.Shell != "bash" {
			t.Fatalf("%s step %d: shell %q, want bash", dir, i, st.Shell)
		}
		if expr.MatchString(st.Run) {
			t.Errorf("%s step %q: ${{ }} in the script itself (an injection risk): pass it through env", dir, st.Name)
		}
		out := filepath.Join(r.temp, "output-"+strconv.Itoa(i))
		envFile := filepath.Join(r.temp, "env-"+strconv.Itoa(i))
		pathFile := filepath.Join(r.temp, "path-"+strconv.Itoa(i))
		for _, f := range []string{out, envFile, pathFile} {
			os.WriteFile(f, nil, 0o644)
		}
		script := filepath.Join(r.temp, "step.sh")
		os.WriteFile(script, []byte(st.Run), 0o644)
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = r.work
		env := append(os.Environ(), "GITHUB_OUTPUT="+out, "GITHUB_ENV="+envFile, "GITHUB_PATH="+pathFile,
			"GITHUB_STEP_SUMMARY="+r.sumry, "GITHUB_ACTION_PATH="+actionPath, "RUNNER_TEMP="+r.temp,
			"GITHUB_RUN_ID=7", "GITHUB_JOB=test", "PATH="+strings.Join(append(r.path, os.Getenv("PATH")), ":"))
		for k, v := range r.env {
			env = append(env, k+"="+v)
		}
		for k, v := range st.Env {
			env = append(env, k+"="+eval(v))
		}
		cmd.Env = env
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		err := cmd.Run()
		log.WriteString(buf.String())
		steps[st.ID] = readKV(t, out)
		for k, v := range readKV(t, envFile) {
			r.env[k] = v
		}
		if p, _ := os.ReadFile(pathFile); len(p) > 0 {
			for _, line := range strings.Fields(string(p)) {
				r.path = append([]string{line}, r.path...)
			}
		}
		if err != nil {
			res.failed = st.Name
			break
		}
	}
	res.log = log.String()
	for name, o := range a.Outputs {
		res.outputs[name] = eval(o.Value)
	}
	return res
}

// readKV reads a GITHUB_OUTPUT or GITHUB_ENV file: NAME=VALUE lines, or
// NAME<<DELIMITER ... DELIMITER for a value of several lines.
func readKV(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kv := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var lines []string
			for sc.Scan() && sc.Text() != delim {
				lines = append(lines, sc.Text())
			}
			kv[name] = strings.Join(lines, "\n")
			continue
		}
		if name, value, ok := strings.Cut(line, "="); ok {
			kv[name] = value
		}
	}
	return kv
}

// stopServer ends the odmock an action started, by its pid.
func stopServer(t *testing.T, pid string) {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return
	}
	t.Cleanup(func() {
		syscall.Kill(n, syscall.SIGTERM)
		for range 50 {
			if syscall.Kill(n, 0) != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func needGo(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds odmock as the action does")
	}
	needTool(t, "go")
	needTool(t, "bash")
}

// TestActionStartsOdmock runs action.yml with the inputs: odmock
// serves on the port, with the seed, users and token given, and the
// action exports its URL and token and leaves the server's log.
func TestActionStartsOdmock(t *testing.T) {
	needGo(t)
	r := newRunner(t)
	res := r.use(".", map[string]string{"seed": "7", "users": "30", "token": "ci-token", "port": "0",
		"scenario": "", "rate-limit": "600", "args": "--log-format json --journal-size 50", "wait": "60s"})
	stopServer(t, res.outputs["pid"])
	if res.failed != "" {
		t.Fatalf("step %q failed:\n%s", res.failed, res.log)
	}
	url, token := r.env["ODMOCK_URL"], r.env["ODMOCK_TOKEN"]
	if !strings.HasPrefix(url, "http://127.0.0.1:") || token != "ci-token" || res.outputs["url"] != url || res.outputs["token"] != token {
		t.Fatalf("ODMOCK_URL=%q ODMOCK_TOKEN=%q, outputs %v; want odmock's URL and ci-token", url, token, res.outputs)
	}
	if !strings.Contains(res.log, "::add-mask::ci-token") {
		t.Errorf("a token given is not masked in the log:\n%s", res.log)
	}
	resp, err := http.Get(url + "/__odmock/health")
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Seed  uint64
		Users int
	}
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if h.Seed != 7 || h.Users != 30 {
		t.Errorf("health = %+v, want seed 7 and 30 users", h)
	}
	req, _ := http.NewRequest(http.MethodGet, url+apiPath+january, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Limit") != "600" {
		t.Errorf("GET with ODMOCK_TOKEN: %d, X-RateLimit-Limit %q; want 200 and 600", resp.StatusCode, resp.Header.Get("X-RateLimit-Limit"))
	}
	time.Sleep(100 * time.Millisecond)
	logText, _ := os.ReadFile(res.outputs["log-file"])
	if !strings.Contains(string(logText), `"msg":"request"`) {
		t.Errorf("the log file %s lacks the request, in JSON (--log-format json from args):\n%s", res.outputs["log-file"], logText)
	}
	// The binary is on PATH for later steps.
	if len(r.path) == 0 {
		t.Errorf("the action added nothing to GITHUB_PATH")
	}
}

// TestActionFailsClearly checks that the action fails with the server's
// own words, quickly, when odmock cannot start: a port taken, a bad flag.
func TestActionFailsClearly(t *testing.T) {
	needGo(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	tests := []struct {
		name   string
		inputs map[string]string
		want   string
	}{
		{"port taken", map[string]string{"port": port}, "address already in use"},
		{"bad flag", map[string]string{"port": "0", "args": "--no-such-flag"}, "odmock: unknown flag --no-such-flag"},
		{"bad input", map[string]string{"port": "0", "users": "many"}, "--users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t)
			start := time.Now()
			res := r.use(".", tt.inputs)
			stopServer(t, res.outputs["pid"])
			if res.failed != "Start odmock and wait for it" {
				t.Fatalf("failed step = %q, want the start step\n%s", res.failed, res.log)
			}
			if !regexp.MustCompile(`::error title=odmock did not start \(exit \d+\)::.*` + regexp.QuoteMeta(tt.want)).MatchString(res.log) {
				t.Errorf("no ::error with the server's message %q:\n%s", tt.want, res.log)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("took %s to fail: the action waited out its time limit instead of noticing the exit", took)
			}
			if r.env["ODMOCK_URL"] != "" {
				t.Errorf("ODMOCK_URL exported for a server that did not start")
			}
		})
	}
}

// TestCheckAction runs the odmock action, a client's requests, and the
// check action: it writes the summary, the JUnit and the HAR, and its exit
// and outputs follow the gate.
func TestCheckAction(t *testing.T) {
	needGo(t)
	r := newRunner(t)
	res := r.use(".", map[string]string{"port": "0", "users": "20"})
	stopServer(t, res.outputs["pid"])
	if res.failed != "" {
		t.Fatalf("odmock action: step %q failed:\n%s", res.failed, res.log)
	}
	url := r.env["ODMOCK_URL"]
	h := http.Header{"Authorization": {"Bearer " + r.env["ODMOCK_TOKEN"]}, "X-Odmock-Session": {"ci"}, "Accept": {"application/json"}}
	send(t, http.MethodGet, url+apiPath+january, h)
	send(t, http.MethodGet, url+apiPath+"?from=2024-01-01", h)

	pass := r.use("check", map[string]string{"session": "ci", "require": "data,invalid:required", "forbid-risks": "all"})
	if pass.failed != "" || pass.outputs["passed"] != "true" {
		t.Fatalf("check that should pass: failed step %q, outputs %v\n%s", pass.failed, pass.outputs, pass.log)
	}
	for _, f := range []string{"odmock-coverage.xml", "odmock-journal.har"} {
		if _, err := os.Stat(filepath.Join(r.work, f)); err != nil {
			t.Errorf("check left no %s: %v", f, err)
		}
	}
	var har struct{ Log struct{ Entries []any } }
	b, _ := os.ReadFile(filepath.Join(r.work, "odmock-journal.har"))
	if err := json.Unmarshal(b, &har); err != nil || len(har.Log.Entries) != 2 {
		t.Errorf("HAR = %.300s (%v), want the session's 2 requests", b, err)
	}
	summary, _ := os.ReadFile(r.sumry)
	for _, want := range []string{"### odmock coverage (session `ci`, 2 requests)", "| `data` | 1 | ✅ required |",
		"### odmock journal: requests answered with an error of session `ci` (1)", "| 422 | invalid | from: The from does not match the format Y-m-d H:i:s.; to: The to field is required. |",
		"**odmock check passed.**"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary lacks %q:\n%s", want, summary)
		}
	}

	os.WriteFile(r.sumry, nil, 0o644)
	fail := r.use("check", map[string]string{"session": "ci", "require": "data,empty", "junit": "reports/cov.xml", "har": "reports/j.har"})
	if fail.failed == "" || fail.outputs["passed"] != "false" {
		t.Fatalf("check that should fail: failed step %q, outputs %v\n%s", fail.failed, fail.outputs, fail.log)
	}
	if !strings.Contains(fail.log, "::error title=odmock check failed::odmock: required behaviours never exercised: empty") {
		t.Errorf("no ::error naming the gap:\n%s", fail.log)
	}
	x, _ := os.ReadFile(filepath.Join(r.work, "reports/cov.xml"))
	if !strings.Contains(string(x), `<testcase name="empty" classname="odmock.coverage.behaviour">`) ||
		!strings.Contains(string(x), `<failure message="required, never exercised"`) {
		t.Errorf("JUnit lacks the failed case:\n%s", x)
	}
	summary, _ = os.ReadFile(r.sumry)
	if !strings.Contains(string(summary), "| `empty` | 0 | ❌ required, never exercised |") || !strings.Contains(string(summary), "**odmock check failed:**") {
		t.Errorf("summary of a failed check:\n%s", summary)
	}
}
