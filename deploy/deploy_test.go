package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// helmBin finds helm: skipped without it, failed in CI (.ci/run installs
// it into its tools directory).
func helmBin(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("helm")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("helm not found; CI must have it (.ci/run installs helm into its tools directory)")
		}
		t.Skip("helm not found: go install helm.sh/helm/v3/cmd/helm@v3.22.0 to check the chart")
	}
	return path
}

// manifest is one rendered Kubernetes object, as plain YAML values.
type manifest = map[string]any

func kindOf(m manifest) string { return str(m, "kind") }

func nameOf(m manifest) string { return str(m, "metadata", "name") }

// at walks keys (string for maps, int for lists) from m.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := v.(map[string]any)
			v = mm[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := at(v, path...).(string)
	return s
}

// render runs helm template with args and parses every object.
func render(t *testing.T, args ...string) []manifest {
	t.Helper()
	cmd := exec.Command(helmBin(t), append([]string{"template", "rel", "helm/odmock"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template %v: %v\n%s", args, err, stderr.String())
	}
	var docs []manifest
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("rendered YAML: %v", err)
		}
		if m != nil {
			docs = append(docs, m)
		}
	}
	return docs
}

func find(docs []manifest, kind, name string) manifest {
	for _, d := range docs {
		if kindOf(d) == kind && nameOf(d) == name {
			return d
		}
	}
	return nil
}

// container is the odmock container of the chart's Deployment.
func container(t *testing.T, docs []manifest) manifest {
	t.Helper()
	d := find(docs, "Deployment", "rel-odmock")
	if d == nil {
		t.Fatal("no Deployment rel-odmock")
	}
	c, _ := at(d, "spec", "template", "spec", "containers", 0).(map[string]any)
	return c
}

// env is the container's environment: name -> value, or "secret:NAME/KEY",
// or "field:PATH".
func env(c manifest) map[string]string {
	out := map[string]string{}
	list, _ := c["env"].([]any)
	for _, e := range list {
		name := str(e, "name")
		switch {
		case at(e, "valueFrom", "secretKeyRef") != nil:
			out[name] = "secret:" + str(e, "valueFrom", "secretKeyRef", "name") + "/" + str(e, "valueFrom", "secretKeyRef", "key")
		case at(e, "valueFrom", "fieldRef") != nil:
			out[name] = "field:" + str(e, "valueFrom", "fieldRef", "fieldPath")
		default:
			out[name] = str(e, "value")
		}
	}
	return out
}

func TestHelmLint(t *testing.T) {
	out, err := exec.Command(helmBin(t), "lint", "--strict", "helm/odmock").CombinedOutput()
	if err != nil {
		t.Fatalf("helm lint --strict: %v\n%s", err, out)
	}
}

func TestHelmDefaults(t *testing.T) {
	docs := render(t)
	c := container(t, docs)
	d := find(docs, "Deployment", "rel-odmock")
	if n, _ := at(d, "spec", "replicas").(int); n != 3 {
		t.Errorf("replicas = %v, want 3", at(d, "spec", "replicas"))
	}
	e := env(c)
	for k, want := range map[string]string{
		"ODMOCK_ADDR":         "0.0.0.0:8080",
		"ODMOCK_STATE":        "redis://rel-odmock-redis:6379/0",
		"ODMOCK_STATE_PREFIX": "rel:",
		"ODMOCK_INSTANCE":     "field:metadata.name",
		"ODMOCK_LOG_FORMAT":   "json",
	} {
		if e[k] != want {
			t.Errorf("env %s = %q, want %q", k, e[k], want)
		}
	}
	for _, probe := range []string{"startupProbe", "readinessProbe", "livenessProbe"} {
		cmd, _ := at(c, probe, "exec", "command").([]any)
		if len(cmd) < 2 || cmd[0] != "/usr/local/bin/odmock" || cmd[1] != "healthcheck" {
			t.Errorf("%s = %v, want odmock healthcheck", probe, at(c, probe))
		}
	}
	if at(c, "resources", "requests", "memory") == nil || at(c, "resources", "limits", "memory") == nil {
		t.Errorf("resources = %v, want memory requests and limits", c["resources"])
	}
	if p := str(c, "ports", 0, "name"); p != "http" || at(c, "ports", 0, "containerPort") != 8080 {
		t.Errorf("ports = %v, want http 8080", c["ports"])
	}
	svc := find(docs, "Service", "rel-odmock")
	if svc == nil || str(svc, "spec", "ports", 0, "targetPort") != "http" {
		t.Errorf("Service rel-odmock = %v, want one targeting http", svc)
	}
	if find(docs, "Deployment", "rel-odmock-redis") == nil || find(docs, "Service", "rel-odmock-redis") == nil {
		t.Error("no Redis of the chart's own by default")
	}
	for _, d := range docs {
		if k := kindOf(d); k == "Ingress" || k == "Secret" || k == "ConfigMap" {
			t.Errorf("%s %s rendered by default", k, nameOf(d))
		}
	}
}

// TestHelmValues: every value a user sets reaches odmock.
func TestHelmValues(t *testing.T) {
	docs := render(t,
		"--set", "flags.seed=7", "--set", "flags.rate-limit=60", "--set", "flags.rate-limit-by=token",
		"--set", "state.url=redis://:pw@cache:6379/2", "--set", "state.prefix=team-a:",
		"--set", "adminToken.value=s3cret", "--set", "apiTokens={tok-1,tok-2}",
		"--set-string", "scenarios.mine\\.yaml=description: x",
		"--set", "ingress.enabled=true", "--set", "ingress.host=mock.example.com")
	c := container(t, docs)
	e := env(c)
	for k, want := range map[string]string{
		"ODMOCK_SEED":          "7",
		"ODMOCK_RATE_LIMIT":    "60",
		"ODMOCK_RATE_LIMIT_BY": "token",
		"ODMOCK_STATE":         "secret:rel-odmock/state-url",
		"ODMOCK_STATE_PREFIX":  "team-a:",
		"ODMOCK_ADMIN_TOKEN":   "secret:rel-odmock/admin-token",
		"ODMOCK_TOKEN":         "secret:rel-odmock/api-tokens",
	} {
		if e[k] != want {
			t.Errorf("env %s = %q, want %q", k, e[k], want)
		}
	}
	name := regexp.MustCompile(`^ODMOCK_[A-Z][A-Z_]*$`)
	for k := range e {
		if !name.MatchString(k) {
			t.Errorf("env %s: not an odmock variable", k)
		}
	}
	secret := find(docs, "Secret", "rel-odmock")
	for k, want := range map[string]string{"state-url": "redis://:pw@cache:6379/2", "admin-token": "s3cret", "api-tokens": "tok-1,tok-2"} {
		if got := str(secret, "stringData", k); got != want {
			t.Errorf("Secret %s = %q, want %q", k, got, want)
		}
	}
	if find(docs, "Deployment", "rel-odmock-redis") != nil {
		t.Error("a Redis of the chart's own beside state.url")
	}
	if cm := find(docs, "ConfigMap", "rel-odmock-scenarios"); str(cm, "data", "mine.yaml") != "description: x" {
		t.Errorf("scenarios ConfigMap = %v", cm)
	}
	mounts, _ := c["volumeMounts"].([]any)
	if !slices.ContainsFunc(mounts, func(m any) bool { return str(m, "mountPath") == "/odmock/.odmock/scenarios" }) {
		t.Errorf("volumeMounts = %v, want the scenarios at /odmock/.odmock/scenarios", mounts)
	}
	ing := find(docs, "Ingress", "rel-odmock")
	if str(ing, "spec", "rules", 0, "host") != "mock.example.com" || str(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name") != "rel-odmock" {
		t.Errorf("Ingress = %v, want mock.example.com to rel-odmock", ing)
	}
}

func TestHelmNoSharedState(t *testing.T) {
	docs := render(t, "--set", "redis.enabled=false", "--set", "replicaCount=1")
	if e := env(container(t, docs)); e["ODMOCK_STATE"] != "" || e["ODMOCK_STATE_PREFIX"] != "" {
		t.Errorf("without Redis: ODMOCK_STATE %q, prefix %q; want neither", e["ODMOCK_STATE"], e["ODMOCK_STATE_PREFIX"])
	}
}

// TestComposeExample checks the Compose example's structure: it cannot
// run here (no container engine with compose), so its YAML is read.
func TestComposeExample(t *testing.T) {
	data, err := os.ReadFile("compose/docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       string            `yaml:"build"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
			DependsOn   any               `yaml:"depends_on"`
			Healthcheck map[string]any    `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if r := doc.Services["redis"]; !strings.Contains(r.Image, "redis") || r.Healthcheck == nil {
		t.Errorf("redis service = %+v, want a redis image with a health check", r)
	}
	conf, err := os.ReadFile("compose/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"odmock-1", "odmock-2", "odmock-3"} {
		s, ok := doc.Services[name]
		switch {
		case !ok:
			t.Errorf("no service %s", name)
		case s.Build == "" || s.Environment["ODMOCK_STATE"] != "redis://redis:6379/0" || s.Environment["ODMOCK_INSTANCE"] != name:
			t.Errorf("%s = %+v, want the image built here, ODMOCK_STATE at the redis service, its own instance name", name, s)
		}
		if !strings.Contains(string(conf), "server "+name+":8080") {
			t.Errorf("nginx.conf has no upstream server %s:8080", name)
		}
	}
	p := doc.Services["proxy"]
	if !slices.Contains(p.Ports, "8080:8080") || !slices.Contains(p.Volumes, "./nginx.conf:/etc/nginx/nginx.conf:ro") {
		t.Errorf("proxy = %+v, want port 8080 and nginx.conf mounted", p)
	}
}
