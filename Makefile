# Loket: the front door. `make help` lists the targets.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAM_VENV ?= .sam-venv
PYTHON ?= python3

.DEFAULT_GOAL := help
.PHONY: help install browser run test test-fast lint format openapi bench build deploy deploy-console token reset clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt shared/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the pinned packages

browser: ## install Debian's Chromium (browser tests) and curl (the banner's first mail) when missing (root or sudo)
	@command -v chromium >/dev/null && command -v curl >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium curl >/dev/null; }

run: install ## start the whole system locally (AWS emulator, gateway :8000, SMTP :2525, schedules, console)
	$(PY) -m loket_local

token: install ## print development tokens for the local gateway
	$(PY) -m loket_local.token

reset: ## wipe the local stack's saved state
	rm -rf "$${LOKET_STATE_DIR:-.local-state}"

# Tests run on every core (pytest-xdist). moto's in-process mock and the local stack's embedded moto share
# process-wide backends, so the end-to-end tests run as a second pass; there each process keeps one shared
# stack, and whole files go to one process (--dist loadfile) so a module that starts its own stacks stops it once.
PYTEST_WORKERS ?= auto

test: install browser ## run every test (unit, integration on moto, end-to-end, template)
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --ignore=tests/e2e
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile tests/e2e

test-fast: install ## unit and integration tests only
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --ignore=tests/e2e

lint: install ## ruff, mypy on shared/, the import contracts (lint-imports), cfn-lint on the template
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared functions
	PYTHONPATH=shared $(VENV)/bin/lint-imports
	$(VENV)/bin/cfn-lint template.yaml

format: install ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

openapi: install ## regenerate the committed OpenAPI document from the code
	PYTHONPATH=shared:. $(PY) -c "from functions.agent_api.app import openapi_json; print(openapi_json())" > docs/openapi.json

bench: install ## cold-start and throughput figures as ratios in one run; mail-to-acknowledgement latency by stage
	PYTHONPATH=shared:. $(PY) tests/bench.py

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet aws-sam-cli==1.170.0

build: $(SAM_VENV)/bin/sam ## sam build (no container)
	$(SAM_VENV)/bin/sam build

deploy: build ## sam deploy --guided on first use
	$(SAM_VENV)/bin/sam deploy $(if $(wildcard samconfig.toml),,--guided)

# The stack `make deploy` created (sam deploy --guided records its name in samconfig.toml).
STACK ?= $(or $(shell sed -n 's/^stack_name *= *"\(.*\)"/\1/p' samconfig.toml 2>/dev/null | head -n 1),loket)

deploy-console: ## upload frontend/ to the console bucket with a config.json for STACK (needs the AWS CLI)
	@set -euo pipefail; \
	out() { aws cloudformation describe-stacks --stack-name "$(STACK)" \
	  --query "Stacks[0].Outputs[?OutputKey=='$$1'].OutputValue" --output text; }; \
	bucket=$$(out ConsoleBucketName); url=$$(out ConsoleUrl); config=$$(mktemp); \
	printf '{"apiBaseUrl": "%s", "cognitoDomain": "%s", "clientId": "%s", "redirectUri": "%s"}\n' \
	  "$$(out ApiUrl)" "$$(out CognitoDomain)" "$$(out UserPoolClientId)" "$$url" > "$$config"; \
	aws s3 sync frontend/ "s3://$$bucket/" --delete --exclude config.json --cache-control no-cache; \
	aws s3 cp "$$config" "s3://$$bucket/config.json" --content-type application/json --cache-control no-cache; \
	rm -f "$$config"; \
	aws cloudfront create-invalidation --distribution-id "$$(out ConsoleDistributionId)" --paths '/*' >/dev/null; \
	echo "console: $$url"

clean: ## remove build output and caches
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
