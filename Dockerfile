# syntax=docker/dockerfile:1
#
# The rahat image: one static binary (every subcommand: index, serve, chain, deploy, migrate) on a
# small Alpine base, run as an unprivileged user.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) -t rahat .
#   docker run --rm -e RAHAT_DATABASE_URL=postgres://... -p 8080:8080 rahat serve
#
# Why Alpine and not distroless: the image carries a shell and busybox wget, which the HEALTHCHECK,
# the compose health checks and the one-shot deploy script (deploy/compose/deploy.sh) use, and which
# Kubernetes' preStop hook (sleep) needs. That is about 8 MB more than distroless/static; in
# Kubernetes the probes are httpGet and need nothing from the image.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
WORKDIR /src
# Modules first: this layer is reused while go.mod and go.sum do not change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# CGO_ENABLED=0: a fully static binary. go-ethereum then uses its pure-Go secp256k1 (decred) instead of
# libsecp256k1, and the Go DNS resolver; nothing rahat does needs cgo.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=${VERSION}" -o /out/rahat ./cmd/rahat

FROM alpine:3.22
# ca-certificates: https/wss RPC providers and managed databases with TLS. tzdata: log times are UTC
# anyway, but Go's time.LoadLocation then works.
RUN apk add --no-cache ca-certificates tzdata \
 && addgroup -S -g 10001 rahat \
 && adduser -S -D -H -u 10001 -G rahat -h /var/lib/rahat -s /sbin/nologin rahat \
 && mkdir -p /var/lib/rahat /etc/rahat \
 && chown rahat:rahat /var/lib/rahat
COPY --from=build /out/rahat /usr/local/bin/rahat
COPY deploy/docker/rahat.yaml /etc/rahat/rahat.yaml
# /etc/rahat is the working directory so that every subcommand reads /etc/rahat/rahat.yaml by default.
# /var/lib/rahat is the only directory the user can write (the manifest `rahat deploy` writes in
# compose, the state of `rahat chain`); a named volume mounted there inherits its owner.
WORKDIR /etc/rahat
USER 10001:10001
# 8080: rahat serve (GraphQL, REST, SMS webhook, /metrics, /healthz, /readyz).
# 9091: rahat index (/metrics, /healthz, /readyz). 8545: rahat chain (JSON-RPC, dev only).
EXPOSE 8080 9091 8545
# The default command is serve; for another command set HEALTHCHECK_URL (compose sets its own checks,
# Kubernetes ignores this one).
ENV HEALTHCHECK_URL=http://127.0.0.1:8080/healthz
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD wget -q -O /dev/null "$HEALTHCHECK_URL" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rahat"]
CMD ["serve"]
