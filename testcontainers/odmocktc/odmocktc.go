// Package odmocktc runs odmock, the mock of OpenDialog's User Interactions
// API, in a container for a Go test, with testcontainers-go:
//
//	ctr, err := odmocktc.Run(ctx, "ghcr.io/your-org/odmock:latest", odmocktc.WithSeed(42), odmocktc.WithUsers(50))
//	if err != nil { ... }
//	defer testcontainers.TerminateContainer(ctr)
//	resp, err := client.Get(ctr.URL() + "/public/api/user-interactions?...") // with "Bearer " + ctr.Token()
//
// It is its own Go module, so that odmock's own module does not depend on
// Docker's client libraries.
package odmocktc

import (
	"context"
	"fmt"
	"net"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// Port is the port odmock listens on in its container.
const Port = "8080/tcp"

// DefaultToken is the API token odmock accepts unless WithToken says
// otherwise.
const DefaultToken = "odmock-dev-token"

// binary is where the image keeps odmock.
const binary = "/usr/local/bin/odmock"

// Container is a running odmock container.
type Container struct {
	testcontainers.Container
	url   string
	token string
}

// URL is odmock's base URL as the test reaches it, e.g.
// http://127.0.0.1:32768; the API is at URL() + "/public/api/user-interactions".
func (c *Container) URL() string { return c.url }

// Token is an API token odmock accepts: send it as "Authorization: Bearer
// " + Token().
func (c *Container) Token() string { return c.token }

// Run starts odmock from image and waits until it answers its health check
// (odmock healthcheck, run in the container) and its port is reachable.
// opts are this package's options (WithSeed, WithUsers, ...) or any of
// testcontainers-go's. The caller ends the container, e.g. with
// testcontainers.TerminateContainer or testcontainers.CleanupContainer;
// Run returns the container with its error when it started but never
// became healthy, so that its logs can be read.
func Run(ctx context.Context, image string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:        image,
			ExposedPorts: []string{Port},
			Env:          map[string]string{"ODMOCK_ADDR": "0.0.0.0:8080", "ODMOCK_LOG_FORMAT": "json"},
			WaitingFor: wait.ForAll(
				wait.ForExec([]string{binary, "healthcheck"}).WithPollInterval(200*time.Millisecond),
				wait.ForListeningPort(Port),
			).WithDeadline(60 * time.Second),
		},
		Started: true,
	}
	for _, opt := range opts {
		if err := opt.Customize(&req); err != nil {
			return nil, fmt.Errorf("odmocktc: %w", err)
		}
	}
	ctr, err := testcontainers.GenericContainer(ctx, req)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr, token: DefaultToken}
	}
	if err != nil {
		return c, fmt.Errorf("odmocktc: run %s: %w", image, err)
	}
	if t := strings.TrimSpace(strings.Split(req.Env["ODMOCK_TOKEN"], ",")[0]); t != "" {
		c.token = t
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		return c, fmt.Errorf("odmocktc: host: %w", err)
	}
	port, err := ctr.MappedPort(ctx, Port)
	if err != nil {
		return c, fmt.Errorf("odmocktc: port: %w", err)
	}
	c.url = "http://" + net.JoinHostPort(host, port.Port())
	return c, nil
}

// env sets one of odmock's variables.
func env(name, value string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		if req.Env == nil {
			req.Env = map[string]string{}
		}
		req.Env[name] = value
		return nil
	}
}

// WithSeed sets the dataset's seed: the same seed serves the same bytes.
func WithSeed(seed uint64) testcontainers.CustomizeRequestOption {
	return env("ODMOCK_SEED", strconv.FormatUint(seed, 10))
}

// WithUsers sets the number of generated users (at least 1).
func WithUsers(n int) testcontainers.CustomizeRequestOption {
	return env("ODMOCK_USERS", strconv.Itoa(n))
}

// WithScenario puts a scenario in force from the start: a built-in one
// (unauthorized, slow, ...) or one of the project's.
func WithScenario(name string) testcontainers.CustomizeRequestOption {
	return env("ODMOCK_SCENARIO", name)
}

// WithToken sets the API token odmock accepts, and Token's answer.
func WithToken(token string) testcontainers.CustomizeRequestOption {
	return env("ODMOCK_TOKEN", token)
}

// WithFixtures serves the users of a fixture file (see odmock's
// fixtures/) instead of generated ones: the file is copied into the
// container.
func WithFixtures(hostFile string) testcontainers.CustomizeRequestOption {
	return func(req *testcontainers.GenericContainerRequest) error {
		target := path.Join("/odmock/fixtures", filepath.Base(hostFile))
		req.Files = append(req.Files, testcontainers.ContainerFile{HostFilePath: hostFile, ContainerFilePath: target, FileMode: 0o644})
		return env("ODMOCK_FIXTURES", target)(req)
	}
}
