# odmock: a mock of OpenDialog's User Interactions API, as a small container.
#
#   docker build -t odmock .
#   docker run --rm -p 8080:8080 odmock
#   docker run --rm -p 8080:8080 -e ODMOCK_SCENARIO=unauthorized odmock
#   docker run --rm -p 8080:8080 -v "$PWD/.odmock:/odmock/.odmock:ro" odmock   # your own scenarios too
#
# With podman or buildah, build with --format docker: the default OCI format
# has no HEALTHCHECK, and podman drops it with only a warning.
#
# Build arguments:
#   GO_IMAGE  the Go toolchain image of the build stage (default: the official one)
#   VERSION   stamped into the binary, printed by `odmock version` (default: dev)
#   GOPROXY   optional; empty means Go's own default
#   GOFLAGS   optional; with -mod=vendor the build uses the context's vendor/
#             directory and downloads nothing (scripts/container-test.sh does that)

# Fully qualified: podman does not resolve short names without a registries.conf.
ARG GO_IMAGE=docker.io/library/golang:1.26

FROM ${GO_IMAGE} AS build
ARG GOPROXY
ARG GOFLAGS
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
WORKDIR /src

# Modules first, in their own layer, so that a code change does not fetch them again.
COPY go.mod go.sum ./
RUN case " ${GOFLAGS} " in \
      *" -mod=vendor "*) echo "modules: using vendor/" ;; \
      *) go mod download ;; \
    esac

COPY . .
ARG VERSION=dev
# The compile cache is a cache mount: kept by the builder across builds, never in the image.
RUN --mount=type=cache,target=/cache/go-build \
    GOCACHE=/cache/go-build go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/usr/local/bin/odmock ./cmd/odmock \
 && /out/usr/local/bin/odmock version

# The run-time tree: the binary (the shipped scenarios and fixtures are built
# into it), the working directory /odmock, where a project's own files are
# mounted as /odmock/.odmock, and /tmp for the address file. Everything is
# owned by root and read-only to the server.
RUN mkdir -p /out/odmock \
 && chmod -R a+rX,go-w /out \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
WORKDIR /odmock
USER 65532:65532
ENV ODMOCK_ADDR=0.0.0.0:8080
# The server writes where it listens here, and the health check reads it:
# the check finds the server whether its address came from ODMOCK_ADDR or
# from --addr on the command line.
ENV ODMOCK_ADDR_FILE=/tmp/odmock.addr
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/odmock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/odmock"]
