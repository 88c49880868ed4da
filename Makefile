# BookMySeat: `make run` serves the app with demo data on http://localhost:3000; `make test` runs
# every test. Both install what they need first and are safe to run again.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .tools
BUN_VERSION := 1.4.5
BUN := $(TOOLS)/node_modules/.bin/bun
AXE_VERSION := 4.14.1
# bun for Reflex's frontend build; axe-core for the browser tests' accessibility checks.
TOOLS_STAMP := $(TOOLS)/.installed-bun-$(BUN_VERSION)-axe-$(AXE_VERSION)
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(CURDIR)/$(TOOLS)/node_modules/.bin:$(PATH)
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test install chromium nginx prod-local prod-local-stop migrate demo-data bench lint format clean

$(VENV)/.installed: requirements.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Reflex's own bun download cannot reach its servers here; the npm package ships the binary.
# One npm install for both: a later `--no-save` install would remove what an earlier one put.
$(TOOLS_STAMP):
	npm install --prefix $(TOOLS) --no-save --no-audit --no-fund bun@$(BUN_VERSION) axe-core@$(AXE_VERSION)
	$(BUN) --version
	touch $@

install: $(VENV)/.installed $(TOOLS_STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq chromium

chromium: $(CHROMIUM)

$(NGINX):
	$(SUDO) apt-get update -qq
	$(SUDO) apt-get install -y -qq nginx-light

nginx: $(NGINX)

# The production topology here: nginx on :8080 in front of two app servers (deploy/README.md).
prod-local: install nginx
	$(PY) deploy/prod_local.py start

prod-local-stop:
	$(PY) deploy/prod_local.py stop

migrate: install
	$(PY) -m bookmyseat.manage migrate

demo-data: migrate
	$(PY) -m bookmyseat.manage demo-data

# On this machine only (Reflex listens on every interface by default, with the demo accounts'
# published passwords), on the port the app's accepted origins name (bookmyseat/server/page_origins.py).
run: demo-data
	$(VENV)/bin/reflex run --env prod --backend-host 127.0.0.1 --frontend-port 3000 --backend-port 3000

# Service and integration tests first, then the browser tests in a pytest process of their own.
test: install chromium nginx
	$(PY) -m pytest -m "not e2e" -n 2 tests
	$(PY) -m pytest -m e2e tests/e2e

bench: install chromium
	$(PY) bench/contention.py
	$(PY) bench/seatmap.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf .web .states test-artifacts .pytest_cache .hypothesis
