# odmock: a mock of OpenDialog's User Interactions API, as a small container.
#
#   docker build -t odmock .
#   docker run --rm -p 8080:8080 odmock
#   docker run --rm -p 8080:8080 -e ODMOCK_SCENARIO=unauthorized odmock
#
# Build arguments:
#   GO_IMAGE  the Go toolchain image of the build stage (default: the official one)
#   VERSION   stamped into the binary, printed by `odmock version` (default: dev)
#   GOPROXY   optional; empty means Go's own default
#   GOFLAGS   optional; with -mod=vendor the build uses the context's vendor/
#             directory and downloads nothing (scripts/container-test.sh does that)

ARG GO_IMAGE=golang:1.26

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

# The run-time tree: the binary, and the shipped scenarios/ and fixtures/ under
# /odmock, the working directory, so that `--scenario NAME` finds
# scenarios/NAME.yaml. Either directory may be absent from the source; it is
# then shipped empty. Everything is owned by root and read-only to the server.
RUN mkdir -p /out/odmock/scenarios /out/odmock/fixtures \
 && for d in scenarios fixtures; do \
      if [ -d "$d" ]; then cp -R "$d/." "/out/odmock/$d/"; fi; \
    done \
 && chmod -R a+rX,go-w /out \
 && mkdir -p /out/tmp && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/ /
WORKDIR /odmock
USER 65532:65532
ENV ODMOCK_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/odmock", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/odmock"]
