#!/usr/bin/env bash
# with-redis.sh COMMAND...: runs COMMAND with ODMOCK_TEST_STATE set to a
# redis-server of its own (Debian's), started on a free loopback port in a
# temporary directory with no persistence, and stopped by its pid after.
set -euo pipefail
command -v redis-server >/dev/null || { echo "with-redis: redis-server not installed (apt-get install redis-server)" >&2; exit 1; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no --loglevel warning >"$dir/redis.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null || { echo "with-redis: redis-server did not answer on port $port" >&2; exit 1; }
ODMOCK_TEST_STATE="redis://127.0.0.1:$port/0" "$@"
