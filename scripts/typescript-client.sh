#!/usr/bin/env bash
# Checks clients/typescript: installs its pinned tools (npm ci), regenerates
# the types from openapi.yaml and fails if they differ from the committed
# ones, type-checks with tsc --strict, and runs the example client's tests
# (node --test) against a running odmock. Without npm it skips, unless CI
# is set.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'typescript-client: %s\n' "$*"; }
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  [ -n "${CI:-}" ] && { say "FAIL: node and npm are not installed" >&2; exit 1; }
  say "node or npm is not installed: skipping"; exit 0
fi
dir=clients/typescript
(cd "$dir" && npm ci --silent --no-audit --no-fund)

tmp=$(mktemp -d)
server=
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$dir" && npx --no-install openapi-typescript ../../openapi.yaml -o "$tmp/schema.d.ts" >/dev/null)
if ! diff -u "$dir/src/schema.d.ts" "$tmp/schema.d.ts"; then
  say "FAIL: $dir/src/schema.d.ts is not what openapi.yaml generates: run (cd $dir && npm run generate) and commit it" >&2
  exit 1
fi
say "types match openapi.yaml"
(cd "$dir" && npx --no-install tsc --strict --noEmit -p .)
say "tsc --strict: no errors"

go build -o "$tmp/odmock" ./cmd/odmock
"$tmp/odmock" --addr 127.0.0.1:0 --addr-file "$tmp/addr" --instance ts-client --users 50 > "$tmp/odmock.log" 2>&1 &
server=$!
"$tmp/odmock" healthcheck --addr-file "$tmp/addr" --instance ts-client --wait 30s || { cat "$tmp/odmock.log"; exit 1; }
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$tmp/addr")
(cd "$dir" && rm -rf dist && npx --no-install tsc -p . && ODMOCK_URL=$url ODMOCK_TOKEN=odmock-dev-token node --test dist/test/)
