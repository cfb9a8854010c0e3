#!/usr/bin/env bash
# container-base.sh: make, in local container storage, a Go build image to
# stand in for the official golang image when no registry can be reached.
#
# It holds this machine's Go toolchain (GOROOT), its CA certificates and a
# static busybox as /bin/sh (with its applets), laid out as the official image
# is (GOPATH=/go, HOME=/root, GOTOOLCHAIN=local). The image is kept and reused:
# its tag carries the Go version and a hash of this script and of the busybox
# binary, so a new toolchain or recipe makes a new one and the stale tags of
# the same name are removed.
#
# Usage (as root, with buildah and busybox-static installed):
#   scripts/container-base.sh [--rebuild]
# Prints the image reference as the last line of standard output, to pass as
#   buildah bud --build-arg GO_IMAGE=<that> ...
#
# Environment: GO (the go command; default: go on PATH, else /usr/local/go/bin/go),
# BUSYBOX (a static busybox; default: busybox-static's), ODMOCK_BASE_NAME
# (default localhost/odmock-go-base).
set -euo pipefail

name=${ODMOCK_BASE_NAME:-localhost/odmock-go-base}
rebuild=0
[ "${1:-}" = "--rebuild" ] && rebuild=1

log() { echo "container-base: $*" >&2; }
die() { echo "container-base: FAIL: $*" >&2; exit 1; }

GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || die "no Go toolchain (set GO=/path/to/go)"
goroot=$(GOFLAGS='' "$GO" env GOROOT)
gover=$(GOFLAGS='' "$GO" env GOVERSION)
[ -x "$goroot/bin/go" ] || die "GOROOT $goroot has no bin/go"

if [ -z "${BUSYBOX:-}" ]; then
  BUSYBOX=$(dpkg-query -L busybox-static 2>/dev/null | grep -E '/s?bin/busybox$' | head -n1 || true)
fi
{ [ -n "${BUSYBOX:-}" ] && [ -x "$BUSYBOX" ]; } || die "no static busybox (apt-get install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is dynamically linked; a static one is needed"; fi

certs=/etc/ssl/certs/ca-certificates.crt
[ -r "$certs" ] || die "no $certs (apt-get install ca-certificates)"

self_hash=$(cat "$0" "$BUSYBOX" | sha256sum | cut -c1-12)
tag="${gover#go}-${self_hash}"
ref="$name:$tag"

exists() { buildah images --noheading --format '{{.Name}}:{{.Tag}}' 2>/dev/null | grep -qxF "$ref"; }

if [ "$rebuild" = 1 ] && exists; then
  buildah rmi "$ref" >/dev/null
fi

if exists; then
  log "reusing $ref"
else
  log "making $ref from $goroot ($gover), $BUSYBOX and $certs"
  ctr=
  cleanup() { if [ -n "$ctr" ]; then buildah rm "$ctr" >/dev/null 2>&1 || true; fi; }
  trap cleanup EXIT
  ctr=$(buildah from --name "odmock-go-base-work-$$" scratch)
  mnt=$(buildah mount "$ctr")
  mkdir -p "$mnt/usr/local" "$mnt/bin" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/root" \
           "$mnt/go/bin" "$mnt/go/src" "$mnt/go/pkg"
  chmod 1777 "$mnt/tmp"
  chmod 0777 "$mnt/go" "$mnt/go/bin" "$mnt/go/src" "$mnt/go/pkg"
  cp -a "$goroot/." "$mnt/usr/local/go/"
  cp "$BUSYBOX" "$mnt/bin/busybox"
  for applet in $("$BUSYBOX" --list); do
    [ -e "$mnt/bin/$applet" ] || ln -s busybox "$mnt/bin/$applet"
  done
  cp -L "$certs" "$mnt/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$mnt/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$mnt/etc/group"
  buildah umount "$ctr" >/dev/null
  buildah config \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env GOROOT=/usr/local/go \
    --env GOPATH=/go \
    --env GOTOOLCHAIN=local \
    --env HOME=/root \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --workingdir /go \
    --cmd /bin/sh \
    --label org.opencontainers.image.description="Go $gover build image for odmock, made from the local toolchain" \
    "$ctr"
  buildah commit --quiet --rm "$ctr" "$ref" >/dev/null
  ctr=
  log "made $ref"
fi

# Drop the older tags of this name (another Go version or recipe).
stale=$(buildah images --noheading --format '{{.Name}}:{{.Tag}}' 2>/dev/null \
          | grep -F "$name:" | grep -vxF "$ref" || true)
for old in $stale; do
  log "removing stale $old"
  buildah rmi "$old" >/dev/null 2>&1 || true
done

echo "$ref"
