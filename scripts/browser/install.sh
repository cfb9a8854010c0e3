#!/usr/bin/env bash
# Installs what the browser test (cmd/odmock/browser_test.go) needs from npm:
# playwright-core, into a cache folder, without its browser download (the
# test drives Debian's chromium: apt-get install chromium).
set -euo pipefail
version=1.65.1
cache=${ODMOCK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/odmock-tools}/playwright
pkg=$cache/node_modules/playwright-core/package.json
if [ -f "$pkg" ] && grep -q "\"version\": \"$version\"" "$pkg"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  [ -n "${CI:-}" ] && { echo "browser/install: FAIL: npm is not installed" >&2; exit 1; }
  echo "browser/install: npm is not installed: the browser test will be skipped"; exit 0
fi
mkdir -p "$cache"
(cd "$cache" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --no-audit --no-fund "playwright-core@$version" >/dev/null)
echo "browser/install: playwright-core $version in $cache"
