# Tessera — `make run` builds and opens the app, `make test` runs every test.
# Both install what is missing first (Debian/Ubuntu packages, npm, Go modules).

SHELL       := /bin/bash
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X github.com/tessera-lab/tessera/backend.Version=$(VERSION)
DESKTOP_TAGS := desktop,production,webkit2_41
BIN         := build/bin
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/svelte.config.js -type f 2>/dev/null)
GO_SRC      := $(shell find . -name '*.go' -not -path './frontend/node_modules/*' 2>/dev/null) go.mod go.sum
ARTIFACTS   := test-artifacts

.PHONY: all run build deps system-deps frontend test test-go test-frontend test-e2e test-desktop vet bench clean

all: build

## run: build everything and open Tessera (the browser UI when there is no display)
run: build
	$(BIN)/tessera

## build: the desktop binary build/bin/tessera and the agent build/bin/gpuagent
build: deps $(BIN)/tessera $(BIN)/gpuagent

deps: system-deps frontend/node_modules/.installed go-modules

system-deps:
	@bash build/install-deps.sh

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

.PHONY: go-modules
go-modules:
	@go mod download

frontend: frontend/dist/app/index.html

frontend/dist/app/index.html: frontend/node_modules/.installed $(FRONTEND_SRC)
	cd frontend && npm run build

$(BIN)/tessera: frontend/dist/app/index.html $(GO_SRC)
	@mkdir -p $(BIN)
	go build -tags $(DESKTOP_TAGS) -ldflags "$(LDFLAGS)" -o $@ .

$(BIN)/gpuagent: $(GO_SRC)
	@mkdir -p $(BIN)
	CGO_ENABLED=0 go build -ldflags "$(LDFLAGS)" -o $@ ./gpuagent

## test: every test — Go (race detector, SQLite and a real PostgreSQL), frontend
## unit tests, the browser test and the desktop smoke test
test: build
	@mkdir -p $(ARTIFACTS)
	@set -e; pg=$$(mktemp -d -u /tmp/tessera-pg.XXXXXX); \
	trap 'bash build/pg-test-server.sh stop '"$$pg" EXIT; \
	dsn=$$(bash build/pg-test-server.sh start "$$pg"); \
	echo "PostgreSQL for the store tests: $$dsn"; \
	TESSERA_TEST_POSTGRES="$$dsn" $(MAKE) --no-print-directory test-go
	$(MAKE) --no-print-directory test-frontend test-e2e

## test-go: Go tests with the race detector (the desktop smoke test included)
test-go: vet
	TESSERA_DESKTOP_BIN=$(CURDIR)/$(BIN)/tessera TESSERA_ARTIFACTS=$(CURDIR)/$(ARTIFACTS) \
		go test -race -count=1 -timeout 20m ./...
	@# The race detector slows the CPU trainer 14x, so its learning tests skip
	@# under it: run them once more without it.
	go test -count=1 -timeout 10m ./gpuagent/trainers/cpu/...

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

test-frontend: frontend/node_modules/.installed
	cd frontend && npm test

## test-e2e: Playwright drives Debian's chromium against `tessera serve`
test-e2e: $(BIN)/tessera
	cd frontend && TESSERA_BIN=$(CURDIR)/$(BIN)/tessera npm run e2e

bench:
	go test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN) frontend/dist/app $(ARTIFACTS) frontend/test-artifacts
