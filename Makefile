# Two commands: `make run` starts the whole platform on 127.0.0.1, `make test` runs every test.
# Both install what they need into .venv (and frontend/node_modules) first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench venv clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(STAMP)

run: venv
	$(BIN)/python -m infra.local

lint: venv
	$(BIN)/ruff check .

typecheck: venv
	$(BIN)/mypy chalicelib app.py

pytest: venv
	$(BIN)/python -m pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .local .mypy_cache .ruff_cache
