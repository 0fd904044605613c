# rahat's front door. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION := v0.8.2
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
TEST_FLAGS ?= -timeout 30m

.DEFAULT_GOAL := help
.PHONY: help prereq build dev test test-race bench lint generate contracts contracts-check clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

prereq: ## check that Go and the PostgreSQL server binaries are installed (and Chromium, which make test needs)
	@bash scripts/prereq.sh
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || \
	  echo "rahat: Chromium not found: make test needs it for the status page's browser test (cmd/rahat TestStatusPage); install it (Debian/Ubuntu: apt-get install chromium; macOS: brew install --cask chromium)" >&2

build: ## build bin/rahat
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/rahat ./cmd/rahat

dev: prereq build ## run everything on this machine: dev chain, contracts, workload, Postgres, indexer, APIs
	./bin/rahat dev

test: prereq ## run every test (real Postgres, real chain)
	$(GO) test $(TEST_FLAGS) ./...

# The race detector slows code 5 to 10 times: the api and indexer packages (and cmd/rahat, which runs
# them whole) drive a chain and an indexer against deadlines that do not hold at that speed on 2 cores, so
# they run without it; every other package with tests runs with it.
RACE_PKGS := ./api/auth/... ./bench/... ./config/... ./contracts/... ./deploy/... ./devchain/... ./graphql/... \
	./indexer/entity/... ./indexer/schema/... ./internal/... ./keyring/... ./pgcluster/... ./phone/... \
	./sms/... ./status/... ./store/... ./txmgr/... ./workload/...

test-race: prereq ## run the concurrent packages' tests under the race detector
	$(GO) test -race $(TEST_FLAGS) $(RACE_PKGS)

bench: prereq build ## run the benchmarks; writes docs/benchmarks.md and bench/results.json
	$(GO) run ./bench

lint: ## gofmt, go vet and staticcheck (pinned)
	@unformatted=$$("$$($(GO) env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	  if [ -n "$$unformatted" ]; then echo "lint: not gofmt-formatted (run gofmt -w):" $$unformatted >&2; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

generate: ## regenerate the GraphQL schema and code from the contracts' ABIs
	$(GO) generate ./...

contracts: ## rebuild the contracts' artifacts and Go bindings (solc-js from npm, pinned)
	bash contracts/build.sh

contracts-check: ## fail if the committed contract artifacts differ from a fresh build
	bash contracts/build.sh --check

clean: ## remove build output and local state (the private Postgres of `make dev`)
	rm -rf bin .rahat
