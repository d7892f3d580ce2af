# Tether's build. Everything a fresh machine needs is installed from here:
# the control plane's binaries are built once with the Go toolchain and cached
# (see internal/devcluster); Debian packages come from hack/deps.sh.

GO      ?= go
BIN     := bin/tether
PKG     := github.com/tether-gitops/tether
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)
# Go tests get a generous timeout: the first run of an e2e package starts a
# control plane.
TEST_TIMEOUT ?= 30m
TEST_FLAGS   ?=

.PHONY: all build binaries deps test unit fmt fmt-check vet demo bench clean
# Benchmark sizes; see bench/main.go for every flag.
BENCH_FLAGS ?= -apps 1000 -helm-apps 1000 -tries 20 -idle 2m

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/tether

# The control plane's binaries, built once into the cache.
binaries: build
	./$(BIN) dev binaries

deps:
	./hack/deps.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# The whole suite: formatting, vet, unit and end-to-end tests.
test: deps fmt-check vet binaries
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TEST_FLAGS) ./...

# Unit tests only: no control plane.
unit:
	$(GO) test -short -count=1 ./...

demo: deps binaries
	./hack/demo.sh $(DEMO_FLAGS)

# Measures Tether on its own local control plane and Git server; the
# Markdown report goes to docs/benchmarks-latest.md.
bench: binaries
	$(GO) run ./bench $(BENCH_FLAGS) -tether $(BIN) -o docs/benchmarks-latest.md
	@cat docs/benchmarks-latest.md

clean:
	rm -rf bin
