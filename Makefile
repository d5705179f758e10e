# Two commands: `make run` starts the whole platform on 127.0.0.1, `make test` runs every test.
# Both install what they need first: Python packages into .venv, npm packages into frontend/node_modules.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WEB := frontend
WEB_STAMP := $(WEB)/node_modules/.installed
WEB_SOURCES := $(shell find $(WEB)/src $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/public -type f 2>/dev/null)
STAGE ?= dev

.PHONY: run test lint typecheck pytest web-lint web-test web-build chromium bench soak deploy destroy venv clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(STAMP)

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Rebuilt only when a source changed; `make run` serves it on http://127.0.0.1:8000/.
$(WEB)/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd $(WEB) && npm run build --silent

web-build: $(WEB)/dist/index.html

run: venv web-build
	$(BIN)/python -m infra.local

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy chalicelib app.py

CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian's chromium for the browser tests (downloaded browser builds do not work here); installed once.
$(CHROMIUM):
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

chromium: $(CHROMIUM)

# On every core: a worker per core, whole files per worker, the browser tests and the deploy checks each as one
# unit, the longest first (tests/conftest.py). A worker's files share its embedded AWS, so each file retires the
# bots earlier files left running. PYTEST_WORKERS=0 runs pytest in one process.
PYTEST_WORKERS ?= auto
pytest: venv $(WEB_STAMP) web-build chromium
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

# ESLint on the web app: TypeScript and React hooks rules, and the import boundaries between features.
web-lint: $(WEB_STAMP)
	cd $(WEB) && npm run lint --silent

web-test: $(WEB_STAMP)
	cd $(WEB) && npm test --silent

test: lint typecheck pytest web-lint web-test web-build

bench: venv
	$(BIN)/python -m pip install -q -r requirements-bench.txt
	$(BIN)/python bench/backtest.py
	$(BIN)/python bench/backtest_resting.py
	$(BIN)/python -m bench.dispatch --bots 10000
	$(BIN)/python -m bench.tick
	$(BIN)/python -m bench.cost
	$(BIN)/python -m bench.cold_start
	$(BIN)/python -m bench.signals
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/optimize.py

# 1,000 paper bots for 10 market minutes plus API load on 127.0.0.1; prints one table (not part of make test).
soak: venv
	$(BIN)/python -m tests.soak.soak

# Deploy to the AWS account of the current credentials (see docs/deploy.md). STAGE=dev|prod.
# EGRESS=fixed [EGRESS_AZS=1]: api_handler and run_ticks call Binance from Elastic IPs (infra/network.yaml, ~US$32/month
# per NAT gateway); once a stage has them, every deploy of it must say EGRESS=fixed or EGRESS=default.
deploy: venv web-build
	$(BIN)/python -m infra.deploy deploy --stage $(STAGE) $(if $(EGRESS),--egress $(EGRESS)) $(if $(EGRESS_AZS),--egress-azs $(EGRESS_AZS))

destroy: venv
	$(BIN)/python -m infra.deploy destroy --stage $(STAGE) --confirm $(CONFIRM)

clean:
	rm -rf $(VENV) .local .mypy_cache .ruff_cache $(WEB)/node_modules $(WEB)/dist
