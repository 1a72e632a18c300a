# Aftermath: `make run` starts everything locally; `make test` runs every test
# against real servers. Both install what is missing on Debian/Ubuntu.

GO        ?= go
BIN       ?= bin/aftermath
APT_PKGS  := clickhouse-server prometheus prometheus-alertmanager chromium
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_TIMEOUT ?= 14m

.PHONY: all build run test vet deps deps-run clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/aftermath

# deps installs the servers the tests start (ClickHouse, Prometheus, promtool,
# Alertmanager's amtool, Chromium). On other systems it says what is missing.
deps:
	@missing=""; \
	command -v clickhouse-server >/dev/null || missing="$$missing clickhouse-server"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v amtool >/dev/null || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	  else \
	    echo "missing:$$missing -- install them with your package manager (see README.md)"; exit 1; \
	  fi; \
	fi

# deps-run installs what `make run` needs: ClickHouse (Prometheus is optional).
deps-run:
	@if ! command -v clickhouse-server >/dev/null; then \
	  if command -v apt-get >/dev/null; then \
	    $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q clickhouse-server; \
	  else \
	    echo "clickhouse-server is missing: install ClickHouse (https://clickhouse.com/docs/en/install) or set clickhouse.addresses"; exit 1; \
	  fi; \
	fi

vet:
	$(GO) vet ./...

test: deps vet
	AFTERMATH_REQUIRE_CLICKHOUSE=1 AFTERMATH_REQUIRE_TOOLS=1 $(GO) test -timeout $(TEST_TIMEOUT) ./...

run: deps-run build
	./$(BIN) demo

clean:
	rm -rf bin .aftermath
