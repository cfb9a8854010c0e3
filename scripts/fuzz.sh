#!/usr/bin/env bash
# Fuzz each target for a while; fail on what fuzzing finds, not on Go's own
# shutdown race.
#
#   bash scripts/fuzz.sh [-t 15s] PKG:Target ...
#   bash scripts/fuzz.sh --self-test
#
# Go 1.26's fuzzing coordinator can end a -fuzztime run that found nothing
# with "--- FAIL ... context deadline exceeded" and exit 1: when the deadline
# fires, the parent context is done before the fuzzing context it watches is
# cancelled, so a worker's ordinary stop is reported as a failure
# (go.dev/issue/75804, fixed in Go 1.27). A finding is never reported that
# way: it writes "Failing input written to testdata/fuzz/..." or prints the
# test's own error or panic. So a failed run is judged from its output:
#   - anything besides that bare deadline line is a finding: fail at once;
#   - a bare deadline is replayed: the target's seeds and testdata corpus are
#     run as a plain test, then it is fuzzed once more. A second bare
#     deadline fails too (strict: a target that keeps hitting it is stuck).
set -euo pipefail
cd "$(dirname "$0")/.."

# classify LOG: prints pass, deadline or finding for a failed run's output.
classify() {
  local log=$1
  if grep -qE 'Failing input written to|^panic:' "$log"; then
    echo finding; return
  fi
  # The lines under "--- FAIL:" are the test's words; the race leaves exactly
  # one, "context deadline exceeded", and nothing else.
  local said
  said=$(awk '/^--- FAIL: /{f=1; next} f && /^(FAIL|exit status|ok |PASS)/{f=0} f' "$log" | sed 's/^[[:space:]]*//' | grep -v '^$' || true)
  if [ "$said" = "context deadline exceeded" ]; then echo deadline; else echo finding; fi
}

self_test() {
  local dir; dir=$(mktemp -d); trap 'rm -rf "$dir"' RETURN
  local bad=0
  check() { # check WANT TEXT
    printf '%b' "$2" >"$dir/log"
    local got; got=$(classify "$dir/log")
    if [ "$got" != "$1" ]; then printf 'fuzz.sh self-test: want %s, got %s for:\n%b\n' "$1" "$got" "$2" >&2; bad=1; fi
  }
  check deadline 'fuzz: elapsed: 15s, execs: 41323 (2688/sec), new interesting: 14 (total: 280)\n--- FAIL: FuzzScenarioFile (16.09s)\n    context deadline exceeded\nFAIL\nexit status 1\nFAIL\tgithub.com/odmock/odmock/mock\t16.129s\n'
  check finding 'fuzz: elapsed: 2s, minimizing\n--- FAIL: FuzzQuery (2.10s)\n    --- FAIL: FuzzQuery (0.00s)\n        query_test.go:40: status 500\n\n    Failing input written to testdata/fuzz/FuzzQuery/0a1b\n    To re-run:\n    go test -run=FuzzQuery/0a1b\nFAIL\nexit status 1\n'
  check finding '--- FAIL: FuzzLike (3.00s)\n    like_test.go:12: pattern "a" matched "b"\nFAIL\n'
  check finding '--- FAIL: FuzzLike (3.00s)\n    context deadline exceeded\n    like_test.go:12: slow\nFAIL\n'
  check finding 'panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nFAIL\n'
  check finding 'FAIL\tgithub.com/odmock/odmock/mock [build failed]\n'
  [ $bad = 0 ] && echo "fuzz.sh self-test: ok"
  return $bad
}

fuzztime=15s
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --self-test) self_test; exit;;
    -t) fuzztime=$2; shift 2;;
    *) targets+=("$1"); shift;;
  esac
done
[ ${#targets[@]} -gt 0 ] || { echo "usage: bash scripts/fuzz.sh [-t 15s] PKG:Target ..." >&2; exit 2; }

log=$(mktemp); trap 'rm -f "$log"' EXIT
fuzz() { # fuzz PKG TARGET: runs it, its output shown and kept in $log
  set +e
  go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$fuzztime" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
for target in "${targets[@]}"; do
  pkg=${target%%:*} name=${target#*:}
  fuzz "$pkg" "$name" && continue
  if [ "$(classify "$log")" != deadline ]; then
    echo "fuzz.sh: $name failed (above)" >&2; exit 1
  fi
  echo "fuzz.sh: $name ended on Go's -fuzztime deadline race (go.dev/issue/75804), nothing found; replaying its corpus and fuzzing it once more"
  go test "$pkg" -run "^$name\$" -count=1
  fuzz "$pkg" "$name" && continue
  echo "fuzz.sh: $name failed twice (above)" >&2; exit 1
done
