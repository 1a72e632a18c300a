# Aftermath: `make run` starts everything locally; `make test` runs every test
# against real servers. Both install what is missing on Debian/Ubuntu.

GO        ?= go
BIN       ?= bin/aftermath
APT_PKGS  := clickhouse-server prometheus prometheus-alertmanager chromium zookeeper
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
TEST_TIMEOUT ?= 14m
# libchdb (ClickHouse 26.x in process) for store/chdbtest, from npm.
CHDB_VERSION := 26.7.3-stable.1
CHDB_LIB     := $(CURDIR)/.aftermath/chdb/node_modules/@chdb/lib-linux-x64-gnu/libchdb.so

.PHONY: all build run test vet deps deps-run clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/aftermath

# deps installs the servers the tests start (ClickHouse, Prometheus, promtool,
# Alertmanager's amtool, Chromium, ZooKeeper for the cluster tests, npm for libchdb). On other systems it says what is missing.
deps:
	@missing=""; \
	command -v clickhouse-server >/dev/null || missing="$$missing clickhouse-server"; \
	command -v promtool >/dev/null || missing="$$missing prometheus"; \
	command -v amtool >/dev/null || missing="$$missing prometheus-alertmanager"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	test -f /usr/share/java/zookeeper.jar || missing="$$missing zookeeper"; \
	test -f $(CHDB_LIB) || command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	  else \
	    echo "missing:$$missing -- install them with your package manager (see README.md)"; exit 1; \
	  fi; \
	fi
	@test -f $(CHDB_LIB) || npm install --no-save --no-audit --no-fund --prefix .aftermath/chdb @chdb/lib-linux-x64-gnu@$(CHDB_VERSION)

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
	$(GO) mod tidy -diff
	$(GO) vet ./...
	$(GO) vet -tags chdb ./store/chdbtest

test: deps vet
	CHDB_LIB_PATH=$(CHDB_LIB) AFTERMATH_REQUIRE_CLICKHOUSE=1 AFTERMATH_REQUIRE_TOOLS=1 $(GO) test -tags chdb -timeout $(TEST_TIMEOUT) ./...

run: deps-run build
	./$(BIN) demo

clean:
	rm -rf bin .aftermath
