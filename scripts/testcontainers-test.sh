#!/usr/bin/env bash
# Runs the testcontainers-go module's tests (testcontainers/odmocktc), and
# the README's testcontainers-node example (clients/node-testcontainers,
# node --test), against a real container engine: podman's Docker-compatible API
# (podman system service), with the odmock image that
# scripts/container-test.sh built and kept:
#
#   ODMOCK_KEEP_IMAGE=localhost/odmock:testcontainers bash scripts/container-test.sh
#   bash scripts/testcontainers-test.sh
#
# Also checks that the module is tidy and builds. Without root or podman,
# or without the image (or, for the Node example, without node and npm), it
# skips, unless CI is set, when that is a failure.
# The service it starts and its socket are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'testcontainers-test: %s\n' "$*"; }
cannot() {
  if [ -n "${CI:-}" ]; then say "FAIL: $*" >&2; exit 1; fi
  say "SKIP: $* (CI is unset, so this is not a failure)"; exit 0
}
image=${ODMOCK_TC_IMAGE:-localhost/odmock:testcontainers}
mod=testcontainers/odmocktc

(cd "$mod" && go mod tidy -diff) || { say "FAIL: $mod: go.mod or go.sum is not tidy" >&2; exit 1; }
(cd "$mod" && go vet ./...)

[ "$(id -u)" = 0 ] || cannot "not root: podman is run as root here"
command -v podman >/dev/null || cannot "podman is not installed (scripts/container-test.sh installs it)"

work=$(mktemp -d /tmp/odmock-tc.XXXXXX)
service=
cleanup() {
  [ -z "$service" ] || { kill "$service" 2>/dev/null; wait "$service" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT

# As in container-test.sh: no raised rlimits (this sandbox refuses them),
# runc, cgroupfs; for this script only.
cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
CONF
export CONTAINERS_CONF="$work/containers.conf"
podman=(podman --runtime runc --cgroup-manager=cgroupfs)
"${podman[@]}" image exists "$image" || cannot "no image $image: run ODMOCK_KEEP_IMAGE=$image bash scripts/container-test.sh first"

sock="$work/podman.sock"
"${podman[@]}" system service --time=0 "unix://$sock" > "$work/service.log" 2>&1 &
service=$!
for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/service.log"; say "FAIL: podman system service did not start" >&2; exit 1; }
say "podman system service on $sock"
engine() { echo "----- podman system service (last 30 lines) -----"; tail -n 30 "$work/service.log"; }

# Ryuk (the reaper container) is off: the tests end their containers
# themselves, and it would need an image from a registry.
if ! (cd "$mod" && DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true ODMOCK_TC_IMAGE="$image" \
      go test -count=1 -v ./...); then
  engine; exit 1
fi

# The README's example for Node, with the npm package testcontainers pinned
# by clients/node-testcontainers' lockfile.
node_dir=clients/node-testcontainers
say "the README's testcontainers-node example ($node_dir)"
{ command -v node >/dev/null && command -v npm >/dev/null; } || cannot "node and npm are not installed: the README's testcontainers-node example did not run"
(cd "$node_dir" && npm ci --silent --no-audit --no-fund)
if ! (cd "$node_dir" && DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true ODMOCK_TC_IMAGE="$image" \
      node --test --test-reporter=spec test/); then
  engine; exit 1
fi
