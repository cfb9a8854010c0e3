#!/usr/bin/env bash
# The package guards: arrows between odmock's packages point one way.
#
#   contract  <-  dataset  <-  mock  <-  cmd/odmock
#   contract  <-  verify (judges any provider through HTTP and contract only)
#   contract, dataset, mock, verify  <-  record  <-  cmd/odmock
#   internal/junit (the standard library only)  <-  verify, record, cmd/odmock
#
# Test files are left out (go list's Imports and Deps are the package's
# own): verify's tests start odmock to judge it. Exits 1 naming every
# arrow that points the wrong way.
set -euo pipefail
cd "$(dirname "$0")/.."
module=$(go list -m)
bad=0
complain() { printf 'arrows: %s\n' "$*" >&2; bad=1; }

# imports PKG: its direct imports, one a line.
imports() { go list -f '{{join .Imports "\n"}}' "./$1"; }
# deps PKG: everything it is built from, one a line.
deps() { go list -deps -f '{{.ImportPath}}' "./$1"; }
# std PATH: a standard library package (no dot in its first element).
std() { [[ "${1%%/*}" != *.* ]]; }

# contract is the bottom: the standard library, kin-openapi and the
# embedded files only. No Echo, no YAML library, no faker.
while read -r p; do
  std "$p" && continue
  case "$p" in
    github.com/getkin/kin-openapi/*|"$module") ;;
    *) complain "contract imports $p: it may import kin-openapi and $module (the embedded files) only" ;;
  esac
done < <(imports contract)

# dataset: contract, the faker and the standard library; no HTTP, no Echo,
# no YAML, nothing of the server.
while read -r p; do
  case "$p" in
    net/http|net/http/*) complain "dataset imports $p: the engine knows nothing of HTTP" ;;
    github.com/labstack/*) complain "dataset imports $p: no Echo in the engine" ;;
    gopkg.in/yaml*|go.yaml.in/*|*/yaml|*/yaml/*) complain "dataset imports $p: no YAML in the engine (user files are mock's)" ;;
    "$module"/mock|"$module"/mock/*|"$module"/verify|"$module"/record|"$module"/cmd/*) complain "dataset imports $p: arrows point down, to contract" ;;
  esac
done < <(imports dataset)

# verify judges from the outside: never the server, never its engine.
while read -r p; do
  case "$p" in
    "$module"/mock|"$module"/mock/*|"$module"/dataset|"$module"/record|"$module"/cmd/*)
      complain "verify is built from $p: the judge must not share the defendant's engine" ;;
  esac
done < <(deps verify)

# mock serves; it does not judge.
while read -r p; do
  case "$p" in
    "$module"/verify|"$module"/record|"$module"/cmd/*) complain "mock is built from $p: the server must not depend on verify, record or the CLI" ;;
  esac
done < <(deps mock)

# record sits on top of the others (it replays through the engine); only
# the CLI imports it.
while read -r p; do
  case "$p" in
    "$module"/cmd/*) complain "record is built from $p: the CLI imports record, not the reverse" ;;
  esac
done < <(deps record)
while read -r pkg; do
  [ "$pkg" = "$module/cmd/odmock" ] && continue
  [ "$pkg" = "$module/record" ] && continue
  if go list -f '{{join .Imports "\n"}}' "$pkg" | grep -qx "$module/record"; then
    complain "$pkg imports record: only cmd/odmock may"
  fi
done < <(go list ./...)

# internal/liketest is a reference for tests: no product code is built
# from it.
while read -r pkg; do
  case "$pkg" in "$module"/internal/liketest) continue ;; esac
  if go list -deps -f '{{.ImportPath}}' "$pkg" | grep -qx "$module/internal/liketest"; then
    complain "$pkg is built from internal/liketest: it is for tests only"
  fi
done < <(go list ./...)

# internal/junit writes JUnit XML for the reports: a leaf, so that verify
# may use it and still be built from nothing of the server's.
while read -r p; do
  std "$p" || complain "internal/junit imports $p: it may import the standard library only"
done < <(imports internal/junit)

if [ "$bad" -ne 0 ]; then
  echo "arrows: FAIL (see docs/architecture.md)" >&2
  exit 1
fi
echo "arrows: contract <- dataset <- mock <- cmd/odmock; contract <- verify; record <- cmd/odmock only: ok"
