#!/usr/bin/env bash
# container-test.sh: build the odmock image from the repository's own
# Dockerfile and check it for real, with Debian's daemonless tools (buildah to
# build, podman with runc to run) instead of a Docker engine.
#
# Checks: the image builds; it is small (<= 28 MB), runs as 65532:65532, has a
# HEALTHCHECK and the version stamped in; a container configured by environment
# (ODMOCK_ADDR) starts at once, reports its health (over HTTP and through the
# image's own HEALTHCHECK), answers a valid request with 200 and "data" and a
# request without a token with 401 {"message":"Unauthenticated."}; its process
# is not root; SIGTERM ends it with exit code 0 within 2 seconds; a container
# given its address as --addr on the command line (not ODMOCK_ADDR) is healthy
# by the image's HEALTHCHECK too; the Dockerfile's base image is fully
# qualified (podman resolves no short names) and the README says to build with
# --format docker (podman's default OCI format drops the HEALTHCHECK); and a
# project's own .odmock/ mounted at /odmock/.odmock adds its scenario to the
# shipped ones, which keep working by name (ODMOCK_SCENARIO=unauthorized).
#
# Run as root: it installs podman, buildah, runc, busybox-static and curl with
# apt-get when they are missing. Without root (or without apt) it skips with
# exit 0, unless CI is set, when that is a failure. Everything it starts
# (containers, the image under test, temporary files) is removed on exit; the
# Go build image made by scripts/container-base.sh is kept in local storage
# and reused by later runs.
#
# Network: containers use the host's network and are reached on 127.0.0.1 only.
# The Go modules are vendored into a temporary copy of the build context, so
# the image build itself downloads nothing.
set -Eeuo pipefail

say() { echo "container-test: $*"; }
fail() {
  trap - ERR
  echo "container-test: FAIL: $*"
  exit 1
}
skip_all() { say "SKIP: $*"; say "0 passed, 0 failed, 1 skipped"; exit 0; }
trap 'fail "unexpected error (exit $?) at line $LINENO: $BASH_COMMAND"' ERR

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
t_start=$(date +%s)
passed=0
skipped=0
ok() { passed=$((passed + 1)); say "ok: $*"; }

# bytes: 28 MB. It was 25 MB until the Redis client (--state, for
# replicas) came in: about 3 MB of it, all linked, since go-redis's client
# type carries every Redis command as a method.
SIZE_LIMIT=$((28 * 1000 * 1000))
STOP_LIMIT_MS=2000
START_LIMIT_MS=30000
TOKEN=odmock-dev-token
QUERY='from=2024-01-01%2000:00:00&to=2024-01-31%2023:59:59'
API=/public/api/user-interactions

# ---------------------------------------------------------------- tools
need_pkgs=()
for tool in podman buildah runc curl; do
  command -v "$tool" >/dev/null 2>&1 || need_pkgs+=("$tool")
done
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=(busybox-static)
[ -r /etc/ssl/certs/ca-certificates.crt ] || need_pkgs+=(ca-certificates)

cannot() {
  if [ -n "${CI:-}" ]; then fail "$*"; fi
  skip_all "$* (CI is unset, so this is not a failure)"
}
if [ "$(id -u)" != 0 ]; then
  cannot "not root: podman/buildah are run as root here (containers storage, buildah mount)"
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || cannot "missing ${need_pkgs[*]} and no apt-get to install them"
  say "installing ${need_pkgs[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp /tmp/container-test-apt.XXXXXX)
  if ! { apt-get update -qq && apt-get install -y -qq podman buildah runc busybox-static curl ca-certificates; } \
         >"$apt_log" 2>&1; then
    tail -n 20 "$apt_log"
    rm -f "$apt_log"
    cannot "apt-get could not install podman buildah runc busybox-static curl"
  fi
  rm -f "$apt_log"
fi
for tool in podman buildah runc curl; do
  command -v "$tool" >/dev/null 2>&1 || cannot "$tool is still missing after apt-get"
done

GO=$(command -v go || echo /usr/local/go/bin/go)
[ -x "$GO" ] || fail "no Go toolchain (go on PATH or /usr/local/go)"

# ---------------------------------------------------------------- workspace
WORK=$(mktemp -d /tmp/odmock-container-test.XXXXXX)
ID="odmock-ct-$$"
IMAGE="localhost/odmock:ci-$$"
containers=()

# podman's defaults ask the runtime for raised rlimits (nofile, nproc), which
# this kind of sandbox refuses ("error setting rlimit ... operation not
# permitted"): run with none. CONTAINERS_CONF points podman and buildah at this
# file for this script only; nothing under /etc is changed.
cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = []
EOF
export CONTAINERS_CONF="$WORK/containers.conf"

PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)

cleanup() {
  local rc=$?
  trap - ERR
  set +e
  for c in "${containers[@]}"; do
    "${PODMAN[@]}" rm -f -t 0 "$c" >/dev/null 2>&1
  done
  if [ "${image_mounted:-0}" = 1 ]; then "${PODMAN[@]}" image unmount "$IMAGE" >/dev/null 2>&1; fi
  # ODMOCK_KEEP_IMAGE=NAME keeps the image that passed, under NAME, for
  # later checks (scripts/testcontainers-test.sh).
  if [ "$rc" = 0 ] && [ -n "${ODMOCK_KEEP_IMAGE:-}" ]; then
    "${PODMAN[@]}" tag "$IMAGE" "$ODMOCK_KEEP_IMAGE" && say "kept the image as $ODMOCK_KEEP_IMAGE"
  fi
  "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'fail "interrupted"' INT TERM

show_logs() {
  local c=$1
  echo "----- logs of $c (last 30 lines) -----"
  "${PODMAN[@]}" logs --tail 30 "$c" 2>&1 || true
  echo "-----"
}
fail_with_logs() {
  local c=$1
  shift
  show_logs "$c"
  fail "$*"
}

now_ms() { date +%s%3N; }

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# http URL [curl args...]: prints the status code on the first line, then the body.
http() {
  local url=$1
  shift
  local body="$WORK/body"
  local code
  code=$(curl -sS --max-time 10 -o "$body" -w '%{http_code}' "$@" "$url" 2>"$WORK/curl.err") || code=000
  echo "$code"
  cat "$body" 2>/dev/null || true
}

# ---------------------------------------------------------------- base image
say "Go build image (made locally from $("$GO" env GOROOT); no registry)"
t0=$(date +%s)
if ! GO_IMAGE=$(GO="$GO" bash "$ROOT/scripts/container-base.sh" 2>"$WORK/base.log" | tail -n1); then
  cat "$WORK/base.log"
  fail "could not make the Go build image (scripts/container-base.sh)"
fi
sed 's/^/  /' "$WORK/base.log"
[ -n "$GO_IMAGE" ] || fail "scripts/container-base.sh printed no image"
say "build image: $GO_IMAGE ($(( $(date +%s) - t0 ))s)"

# ---------------------------------------------------------------- context
CTX="$WORK/context"
mkdir -p "$CTX"
# The work tree as `docker build .` would see it here: in a git checkout, the
# tracked files and the untracked ones git does not ignore (in CI's fresh clone,
# just the tracked ones); else everything but .git. tar's exit code 1 (a file
# changed or vanished while it was read, as when someone else is editing) is
# not an error.
tar_rc=0
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
     | tar --null -T - --ignore-failed-read --warning=no-file-changed -cf "$WORK/context.tar") \
    2>"$WORK/tar.err" || tar_rc=$?
else
  tar -C "$ROOT" --exclude=./.git --ignore-failed-read --warning=no-file-changed -cf "$WORK/context.tar" . \
    2>"$WORK/tar.err" || tar_rc=$?
fi
if [ "$tar_rc" -gt 1 ]; then
  cat "$WORK/tar.err"
  fail "could not copy the work tree into the build context (tar exit $tar_rc)"
fi
tar -C "$CTX" -xf "$WORK/context.tar"
rm -f "$WORK/context.tar"
[ -f "$CTX/Dockerfile" ] || fail "no Dockerfile in $ROOT"
if [ -f "$CTX/vendor/modules.txt" ]; then
  say "modules: the repository's own vendor/"
else
  rm -rf "$CTX/vendor"
  if ! (cd "$CTX" && GOFLAGS='' "$GO" mod vendor) >"$WORK/vendor.log" 2>&1; then
    cat "$WORK/vendor.log"
    fail "go mod vendor failed in the temporary build context"
  fi
  say "modules: vendored into the temporary build context"
fi

VERSION="ci-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo nogit)-$$"

# ---------------------------------------------------------------- build
say "building $IMAGE from $ROOT/Dockerfile (VERSION=$VERSION)"
t0=$(date +%s)
if ! timeout 900 buildah bud \
       --isolation chroot \
       --format docker \
       --build-arg "GO_IMAGE=$GO_IMAGE" \
       --build-arg "GOFLAGS=-mod=vendor" \
       --build-arg "VERSION=$VERSION" \
       -f "$CTX/Dockerfile" \
       -t "$IMAGE" \
       "$CTX" >"$WORK/build.log" 2>&1; then
  echo "----- buildah bud output (last 40 lines) -----"
  tail -n 40 "$WORK/build.log"
  echo "-----"
  fail "the image did not build from the Dockerfile"
fi
build_s=$(( $(date +%s) - t0 ))
ok "image built (${build_s}s)"

# ---------------------------------------------------------------- image config
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
size_mb=$(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1000000 }')
say "image size: $size bytes ($size_mb MB; limit 28 MB)"
[ "$size" -le "$SIZE_LIMIT" ] || fail "image is $size_mb MB, over the 28 MB limit"
ok "image size $size_mb MB <= 28 MB"

user=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
[ "$user" = "65532:65532" ] || fail "image USER is '$user', want 65532:65532"
workdir=$("${PODMAN[@]}" image inspect --format '{{.Config.WorkingDir}}' "$IMAGE")
env_addr=$("${PODMAN[@]}" image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$IMAGE" | grep '^ODMOCK_ADDR=' || true)
[ "$env_addr" = "ODMOCK_ADDR=0.0.0.0:8080" ] || fail "image env has '$env_addr', want ODMOCK_ADDR=0.0.0.0:8080"
hc=$("${PODMAN[@]}" image inspect --format '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}' "$IMAGE")
case "$hc" in
  *'"CMD"'*'odmock'*'"healthcheck"'*) ;;
  *) fail "image HEALTHCHECK is '$hc', want exec form [\"CMD\", \".../odmock\", \"healthcheck\"]" ;;
esac
ok "image config: USER $user, WORKDIR $workdir, $env_addr, HEALTHCHECK $hc"

# The image's files: the binary (scenarios and fixtures are built into it),
# owned by root (read-only to the server); no shell.
mnt=$("${PODMAN[@]}" image mount "$IMAGE" 2>"$WORK/mount.err") || { cat "$WORK/mount.err"; fail "podman image mount $IMAGE failed"; }
image_mounted=1
[ -d "$mnt$workdir" ] || fail "the image has no $workdir directory"
writable=$(find "$mnt$workdir" "$mnt/usr/local/bin" \( -uid 65532 -o -perm -o+w \) -print | head -n 5)
[ -z "$writable" ] || fail "files the server could change: ${writable//$mnt/}"
[ ! -e "$mnt/bin/sh" ] || fail "the image has a shell (/bin/sh); the final stage should be scratch"
"${PODMAN[@]}" image unmount "$IMAGE" >/dev/null 2>&1 || true
image_mounted=0
ok "image: $workdir and the binary read-only to the server, no shell"

# podman resolves no short image names, and its default (OCI) format has no
# HEALTHCHECK: the Dockerfile must name its base fully, the README must say so.
grep -Eq '^ARG GO_IMAGE=[a-z0-9.-]+\.[a-z]+/' "$ROOT/Dockerfile" \
  || fail "the Dockerfile's GO_IMAGE default is not fully qualified (docker.io/library/golang:...)"
grep -q 'podman build --format docker' "$ROOT/README.md" \
  || fail "README.md does not tell podman users to build with --format docker (else no HEALTHCHECK)"
ok "Dockerfile base image fully qualified; README says podman build --format docker"

got_version=$(timeout 60 "${PODMAN[@]}" run --rm --network none "$IMAGE" version 2>"$WORK/version.err") \
  || { cat "$WORK/version.err"; fail "'odmock version' failed in the image"; }
case "$got_version" in
  *"$VERSION"*) ok "odmock version: $got_version" ;;
  *) fail "'odmock version' printed '$got_version', want it to contain $VERSION" ;;
esac

# ---------------------------------------------------------------- run
# start_container NAME PORT [podman run args...]: run detached on host
# networking, listening on 0.0.0.0:PORT (reached on 127.0.0.1:PORT), and wait
# until GET /__odmock/health answers 200. Sets START_MS.
start_container() {
  local name=$1 port=$2
  shift 2
  containers+=("$name")
  local t0 t
  t0=$(now_ms)
  # The periodic health timer needs systemd, absent here: disable it and run
  # the image's HEALTHCHECK by hand with `podman healthcheck run` instead.
  if ! timeout 60 "${PODMAN[@]}" run -d --name "$name" --network host \
         --health-interval=disable \
         -e "ODMOCK_ADDR=0.0.0.0:$port" "$@" "$IMAGE" >"$WORK/run.out" 2>"$WORK/run.err"; then
    cat "$WORK/run.err"
    fail "podman run of $name failed"
  fi
  while :; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/__odmock/health" 2>/dev/null)" = 200 ]; then
      break
    fi
    if [ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      fail_with_logs "$name" "container $name exited before it was healthy (exit code $("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$name" 2>/dev/null))"
    fi
    t=$(now_ms)
    if [ $((t - t0)) -gt "$START_LIMIT_MS" ]; then
      fail_with_logs "$name" "container $name not healthy on 127.0.0.1:$port within $((START_LIMIT_MS / 1000))s"
    fi
    sleep 0.05
  done
  START_MS=$(($(now_ms) - t0))
}

# stop_container NAME: SIGTERM, then it must exit 0 within STOP_LIMIT_MS.
stop_container() {
  local name=$1 pid t0 t code status
  pid=$("${PODMAN[@]}" inspect --format '{{.State.Pid}}' "$name")
  t0=$(now_ms)
  "${PODMAN[@]}" kill --signal TERM "$name" >/dev/null 2>&1 \
    || fail_with_logs "$name" "podman kill --signal TERM $name failed"
  while :; do
    status=$("${PODMAN[@]}" inspect --format '{{.State.Status}}' "$name" 2>/dev/null || echo gone)
    case "$status" in exited | stopped | gone) break ;; esac
    t=$(now_ms)
    if [ $((t - t0)) -gt "$STOP_LIMIT_MS" ]; then
      "${PODMAN[@]}" kill --signal KILL "$name" >/dev/null 2>&1 || true
      fail_with_logs "$name" "$name (pid $pid) still running $((STOP_LIMIT_MS / 1000))s after SIGTERM"
    fi
    sleep 0.05
  done
  STOP_MS=$(($(now_ms) - t0))
  code=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || fail_with_logs "$name" "$name exited with code $code after SIGTERM, want 0"
}

MAIN="$ID-main"
PORT=$(free_port) || fail "found no free port"
say "running $MAIN with ODMOCK_ADDR=0.0.0.0:$PORT (host network)"
start_container "$MAIN" "$PORT"
ok "healthy on 127.0.0.1:$PORT in ${START_MS}ms (GET /__odmock/health)"

if ! timeout 30 "${PODMAN[@]}" healthcheck run "$MAIN" >"$WORK/hc.out" 2>&1; then
  cat "$WORK/hc.out"
  fail_with_logs "$MAIN" "the image's HEALTHCHECK (odmock healthcheck) reported unhealthy"
fi
hstatus=$("${PODMAN[@]}" inspect --format '{{.State.Health.Status}}' "$MAIN" 2>/dev/null || echo '?')
[ "$hstatus" = healthy ] || fail_with_logs "$MAIN" "health status after the HEALTHCHECK is '$hstatus', want healthy"
ok "HEALTHCHECK (odmock healthcheck inside the container): $hstatus"

base="http://127.0.0.1:$PORT"
{ read -r code; body=$(cat); } < <(http "$base/__odmock/health")
[ "$code" = 200 ] || fail_with_logs "$MAIN" "GET /__odmock/health: status $code, want 200"
case "$body" in *'"status"'*'"ok"'*) ;; *) fail_with_logs "$MAIN" "GET /__odmock/health: body '$body', want {\"status\":\"ok\"}" ;; esac

{ read -r code; body=$(cat); } < <(http "$base$API?$QUERY" -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json')
[ "$code" = 200 ] || fail_with_logs "$MAIN" "GET $API with a valid token: status $code, want 200; body: ${body:0:300}"
case "$body" in *'"data"'*) ;; *) fail_with_logs "$MAIN" "GET $API with a valid token: no \"data\" in the body: ${body:0:300}" ;; esac
ok "GET $API?$QUERY with a valid token: 200, ${#body} bytes with \"data\""

{ read -r code; body=$(cat); } < <(http "$base$API?$QUERY" -H 'Accept: application/json')
[ "$code" = 401 ] || fail_with_logs "$MAIN" "GET $API without a token: status $code, want 401; body: ${body:0:300}"
[ "$(printf '%s' "$body" | tr -d '\n')" = '{"message":"Unauthenticated."}' ] \
  || fail_with_logs "$MAIN" "GET $API without a token: body '${body:0:300}', want {\"message\":\"Unauthenticated.\"}"
ok "GET $API without a token: 401 {\"message\":\"Unauthenticated.\"}"

pid=$("${PODMAN[@]}" inspect --format '{{.State.Pid}}' "$MAIN")
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
[ "$uids" = "65532 65532 65532 65532" ] || fail_with_logs "$MAIN" "server process $pid has Uid '$uids', want 65532 throughout"
[ "$gids" = "65532 65532 65532 65532" ] || fail_with_logs "$MAIN" "server process $pid has Gid '$gids', want 65532 throughout"
cuser=$("${PODMAN[@]}" inspect --format '{{.Config.User}}' "$MAIN")
ok "server process (host pid $pid) runs as uid/gid 65532 (container user $cuser), not root"

stop_container "$MAIN"
ok "SIGTERM: exited with code 0 in ${STOP_MS}ms (limit ${STOP_LIMIT_MS}ms)"
if "${PODMAN[@]}" logs "$MAIN" 2>&1 | grep -qE '^(panic|fatal error):'; then
  fail_with_logs "$MAIN" "the server log has a panic"
fi

# ---------------------------------------------------------------- --addr
# The address given as a flag, not ODMOCK_ADDR: the image's HEALTHCHECK must
# still find the server (through ODMOCK_ADDR_FILE).
ARGC="$ID-args"
PORT3=$(free_port) || fail "found no free port"
containers+=("$ARGC")
timeout 60 "${PODMAN[@]}" run -d --name "$ARGC" --network host --health-interval=disable \
  "$IMAGE" --addr "0.0.0.0:$PORT3" >/dev/null 2>"$WORK/run.err" || { cat "$WORK/run.err"; fail "podman run of $ARGC failed"; }
t0=$(now_ms)
until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$PORT3/__odmock/health" 2>/dev/null)" = 200 ]; do
  [ $(($(now_ms) - t0)) -le "$START_LIMIT_MS" ] || fail_with_logs "$ARGC" "container $ARGC (--addr 0.0.0.0:$PORT3) not serving"
  sleep 0.05
done
timeout 30 "${PODMAN[@]}" healthcheck run "$ARGC" >"$WORK/hc.out" 2>&1 \
  || { cat "$WORK/hc.out"; fail_with_logs "$ARGC" "with --addr 0.0.0.0:$PORT3, the image's HEALTHCHECK reported unhealthy"; }
stop_container "$ARGC"
ok "--addr 0.0.0.0:$PORT3 on the command line: the image's HEALTHCHECK finds the server"

# ---------------------------------------------------------------- scenarios
# A project's .odmock/ mounted in: its scenario is added, the shipped ones stay.
SCEN="$ID-scenario"
PORT2=$(free_port) || fail "found no free port"
mkdir -p "$WORK/project/.odmock/scenarios"
printf 'description: mine\nrules:\n  - status: 429\n' >"$WORK/project/.odmock/scenarios/mine.yaml"
chmod -R a+rX "$WORK/project"
say "running $SCEN with .odmock/ mounted and ODMOCK_SCENARIO=unauthorized on 127.0.0.1:$PORT2"
start_container "$SCEN" "$PORT2" -e ODMOCK_SCENARIO=unauthorized -v "$WORK/project/.odmock:/odmock/.odmock:ro"
{ read -r code; body=$(cat); } < <(http "http://127.0.0.1:$PORT2$API?$QUERY" -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json')
[ "$code" = 401 ] || fail_with_logs "$SCEN" "scenario unauthorized: a valid token got status $code, want 401; body: ${body:0:300}"
{ read -r code; body=$(cat); } < <(http "http://127.0.0.1:$PORT2$API?$QUERY" -H "Authorization: Bearer $TOKEN" -H 'Prefer: scenario=mine')
[ "$code" = 429 ] || fail_with_logs "$SCEN" "the mounted scenario mine: status $code, want 429; body: ${body:0:300}"
stop_container "$SCEN"
ok "shipped scenario by name (ODMOCK_SCENARIO=unauthorized -> 401) and the mounted .odmock/scenarios/mine.yaml (-> 429) together"

say "PASS in $(( $(date +%s) - t_start ))s (image build ${build_s}s, image $size_mb MB)"
if [ "$skipped" -gt 0 ]; then
  say "$passed passed, 0 failed, $skipped skipped"
else
  say "$passed passed, 0 failed"
fi
