#!/usr/bin/env bash
# odmock's benchmark: odmock against a stdlib-only baseline server (and, with
# --peers, Prism) under wrk, on 127.0.0.1 only. See bench/README.md.
#
#   bash bench/run.sh [--quick] [--duration S] [--rounds N] [--users N]
#                     [--peers] [--scale] [--json FILE] [more: --help]
#
# Environment: ODMOCK_BIN=path uses that binary instead of building
# ./cmd/odmock; PRISM_BIN=path uses that prism instead of installing
# @stoplight/prism-cli; ODMOCK_BENCH_CACHE=dir is where Prism is installed
# (default ~/.cache/odmock-bench).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

usage() {
	cat <<'EOF'
usage: bash bench/run.sh [options]

  --quick            smoke run: 1 round of 1 s per workload and target, 2 starts
  --duration S       seconds per wrk run (default 5)
  --rounds N         rounds, targets alternating; the median is reported (default 3)
  --threads N        wrk threads (default 2)
  --connections N    wrk connections (default 32)
  --starts N         starts of odmock (and Prism) for the startup time (default 5)
  --users N          passed to odmock as --users (default: odmock's own default)
  --odmock-arg ARG   one more argument for odmock (repeatable), e.g. --odmock-arg=--log-level=warn
  --peers            also benchmark Prism (@stoplight/prism-cli, installed from npm)
  --scale            also measure odmock with about 1,000,000 user messages
  --scale-messages N messages to aim at with --scale (default 1000000)
  --scale-users N    odmock --users for --scale, instead of computing it
  --json FILE        write the results as JSON to FILE
  --no-check         exit 0 even if odmock answered a workload with a wrong status
EOF
}

peers=0
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	-h | --help) usage; exit 0 ;;
	--peers) peers=1 ;;
	--quick | --scale | --no-check) args+=("$1") ;;
	--odmock-arg=*) args+=("$1") ;;
	--duration | --rounds | --threads | --connections | --starts | --users | --scale-messages | --scale-users | --json | --wrk-timeout | --odmock-arg)
		[ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }
		args+=("$1" "$2"); shift ;;
	*) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	esac
	shift
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/odmock-bench.XXXXXX")
child=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true # bench.py stops its servers by pid
		wait "$child" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

need() { command -v "$1" >/dev/null 2>&1; }

apt_install() { # package
	if [ "$(id -u)" = 0 ] && need apt-get; then
		echo "run.sh: installing $1 with apt-get" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 || true
		apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$1" >/dev/null 2>&1 || return 1
	else
		return 1
	fi
}

if ! need wrk; then
	apt_install wrk || {
		echo "run.sh: wrk is missing; install it (Debian: sudo apt-get install wrk) and run again" >&2
		exit 1
	}
fi
need python3 || apt_install python3 || { echo "run.sh: python3 is missing (apt-get install python3)" >&2; exit 1; }
need curl || apt_install curl || { echo "run.sh: curl is missing (apt-get install curl)" >&2; exit 1; }

if [ -n "${ODMOCK_BIN:-}" ]; then
	odmock=$ODMOCK_BIN
else
	echo "run.sh: building odmock" >&2
	(cd "$root" && go build -o "$tmp/odmock" ./cmd/odmock)
	odmock=$tmp/odmock
fi
(cd "$root" && go build -o "$tmp/baseline" ./bench/baseline)

prism_args=()
if [ "$peers" = 1 ]; then
	if [ -n "${PRISM_BIN:-}" ]; then
		prism=$PRISM_BIN
	else
		cache=${ODMOCK_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/odmock-bench}
		prism=$cache/prism/node_modules/.bin/prism
		if [ ! -x "$prism" ]; then
			need npm || apt_install npm || { echo "run.sh: --peers needs npm (apt-get install npm)" >&2; exit 1; }
			echo "run.sh: installing @stoplight/prism-cli@5 into $cache/prism" >&2
			mkdir -p "$cache/prism"
			npm install --prefix "$cache/prism" --no-audit --no-fund --loglevel=error \
				@stoplight/prism-cli@5 >&2
		fi
	fi
	prism_args=(--prism "$prism")
fi

python3 -B "$here/bench.py" --odmock "$odmock" --baseline "$tmp/baseline" \
	--openapi "$root/openapi.yaml" --tmp "$tmp" ${prism_args[@]+"${prism_args[@]}"} \
	${args[@]+"${args[@]}"} &
child=$!
status=0
wait "$child" || status=$?
child=
exit "$status"
