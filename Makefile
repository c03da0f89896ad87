# ShopHub developer commands. Everything a fresh machine needs is created here:
# `make test` and `make run` build the virtual environment first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION ?= 3.13
# The interpreter for .venv: python3.13 from pyenv when present, else from PATH.
PYTHON ?= $(shell for p in "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 "$$(command -v python3.13)"; do [ -x "$$p" ] && { echo "$$p"; break; }; done)
VENV := .venv
TOOLS := .tools
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
SAM := $(TOOLS)/bin/sam
CFN_LINT := $(TOOLS)/bin/cfn-lint
SAM_VERSION := 1.170.0
CFN_LINT_VERSION := 1.58.0
export SAM_CLI_TELEMETRY := 0
export PYTHONPATH := $(CURDIR):$(CURDIR)/shared

.PHONY: help venv tools web web-check chromium test test-ui test-fast lint format run token tokens token-revoke bench bench-scale demo validate build deploy deploy-panel openapi clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.ready: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python $(PYTHON_VERSION) not found (install it with pyenv or set PYTHON=/path/to/python3.13)"; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(UV) pip install --quiet --python $(PY) -r pyproject.toml --extra dev
	@touch $@

venv: $(VENV)/.ready ## Create the virtual environment (Python 3.13, runtime + dev dependencies)

$(TOOLS)/.ready:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(TOOLS)/bin/uv pip install --quiet --python $(TOOLS)/bin/python aws-sam-cli==$(SAM_VERSION) cfn-lint==$(CFN_LINT_VERSION)
	@touch $@

tools: $(TOOLS)/.ready ## Create the separate tooling venv (aws-sam-cli, cfn-lint pin their own boto3/pydantic)

test: venv ## Run every test but the browser's (unit, integration, contract, reliability)
	$(PY) -m pytest -n auto --ignore=tests/ui

test-ui: venv web chromium ## The merchant panel in a real Chromium (Playwright) against the local stack
	$(PY) -m pytest tests/ui

test-fast: venv ## Unit and contract tests only
	$(PY) -m pytest tests/unit tests/contract

lint: venv web-check ## ruff (lint + format check), mypy, and the panel's type and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared/shophub functions local
	$(VENV)/bin/mypy --strict --follow-imports=silent shared/shophub/wiring.py

format: venv web/node_modules/.ready ## Apply ruff fixes and formatting (and prettier on web/src)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
	cd web && npm run --silent format

# The merchant panel (web/): npm ci when the lock file changed, then the type check against
# docs/openapi.json and the Vite build into web/dist (served at /panel/ by make run).
web/node_modules/.ready: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web: web/node_modules/.ready ## Build the merchant panel (type-checked against docs/openapi.json) into web/dist
	cd web && npm run --silent build

web-check: web/node_modules/.ready ## Type-check the panel against the API contract (docs/openapi.json), prettier --check
	cd web && npm run --silent check

# Debian's Chromium for the browser tests (Playwright drives it; its own downloads are not used).
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: venv web ## Start the local stack: moto, API :3000, simulator :8081 (SHOPHUB_ALLOW_LOCAL_SHOPS=false: URL guard on)
	$(PY) -m local.stack

# Where token commands act: the running local stack, or STAGE=... [PROFILE=... REGION=...] deployed.
TOKEN_TARGET = $(if $(STAGE),--stage "$(STAGE)") $(if $(PROFILE),--profile "$(PROFILE)") $(if $(REGION),--region "$(REGION)")

token: venv ## Print a new API token: make token TENANT=acme [NAME=ci] [DAYS=90] | OPERATOR=1 NAME=alice [STAGE=prod PROFILE=me REGION=...]
	@test -n "$(TENANT)$(OPERATOR)" || { echo "usage: make token TENANT=acme [NAME=<tenant>-<date>] [DAYS=never] [STAGE=... PROFILE=... REGION=...]"; echo "       make token OPERATOR=1 NAME=<operator> [DAYS=never] [STAGE=...] (read-only, any tenant)"; exit 2; }
	@$(PY) -m local.stack.token $(if $(TENANT),--tenant "$(TENANT)") $(if $(OPERATOR),--operator) $(if $(NAME),--name "$(NAME)") $(if $(DAYS),--days "$(DAYS)") $(TOKEN_TARGET)

tokens: venv ## List API tokens: name, tenant, created, expiry, state (never the token) [STAGE=...]
	@$(PY) -m local.stack.token --list $(TOKEN_TARGET)

token-revoke: venv ## Revoke an API token by name: make token-revoke NAME=acme-2026-11-27 [STAGE=...]
	@test -n "$(NAME)" || { echo "usage: make token-revoke NAME=<token name> [STAGE=... PROFILE=... REGION=...] (make tokens lists the names)"; exit 2; }
	@$(PY) -m local.stack.token --revoke "$(NAME)" $(TOKEN_TARGET)

bench: venv ## Benchmarks against the simulator, the scale benchmark last (prints tables, writes bench/results/*.json)
	$(PY) -m bench
	$(PY) -m bench --only scale

bench-scale: venv ## The scale benchmark alone: 500 shops, 50,000 changes at 0/7/20 % bad shops (about 40 minutes)
	$(PY) -m bench --only scale

demo: venv ## Walk the merchant flow against a running `make run`
	$(PY) -m local.demo

openapi: venv ## Regenerate docs/openapi.json from the route definitions
	$(PY) -m local.openapi --write

validate: tools ## sam validate --lint and cfn-lint on template.yaml
	$(SAM) validate --lint
	$(CFN_LINT) template.yaml

build: tools ## sam build (needs python3.13 on PATH; taken from pyenv when present)
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build
	@# the layer must ship bytecode for every module (shared/Makefile): Lambda cannot cache it
	@missing=$$(cd .aws-sam/build/SharedLayer/python && find . -name '*.py' | while read -r f; do \
		d=$$(dirname "$$f"); b=$$(basename "$$f" .py); \
		[ -f "$$d/__pycache__/$$b.cpython-313.pyc" ] || echo "$$f"; done | wc -l); \
	[ "$$missing" -eq 0 ] || { echo "layer: $$missing modules without bytecode"; exit 1; }; \
	echo "layer: bytecode for every module"

deploy: build venv web ## sam deploy --guided, then the panel's files (as make deploy-panel)
	$(SAM) deploy --guided
	$(PY) -m local.deploy_panel $(PANEL_TARGET)

# The deployed stack: STAGE=... (the stack holding shophub-<stage>-hub), STACK=..., else samconfig.toml.
PANEL_TARGET = $(TOKEN_TARGET) $(if $(STACK),--stack "$(STACK)")

deploy-panel: venv web ## Upload web/dist to the panel's bucket, config.json, invalidate [STAGE=prod PROFILE=... REGION=...]
	$(PY) -m local.deploy_panel $(PANEL_TARGET)

clean: ## Remove build output and caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
