#!/usr/bin/env bash
# Lints openapi.yaml with Redocly's recommended rules. Installs @redocly/cli
# from npm into a cache folder the first time.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${ODMOCK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/odmock-tools}/redocly
if [ ! -x "$cache/node_modules/.bin/redocly" ]; then
  if ! command -v npm >/dev/null; then
    [ -n "${CI:-}" ] && { echo "lint-openapi: FAIL: npm is not installed" >&2; exit 1; }
    echo "lint-openapi: npm is not installed: skipping the Redocly lint"; exit 0
  fi
  mkdir -p "$cache"
  (cd "$cache" && npm install --silent --no-audit --no-fund @redocly/cli@2.77.0 >/dev/null)
fi
"$cache/node_modules/.bin/redocly" lint --extends=recommended openapi.yaml
