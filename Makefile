# LMI4VET Assistant. `make run` to chat locally, `make serve` for channels, `make test` for the test suite.
# Everything runs in .venv with CPython 3.10 (found automatically; see scripts/find_python.sh).
.DEFAULT_GOAL := help
SHELL := /bin/bash
PY := .venv/bin/python
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: help setup train run serve admin test lint lock bench clean

help:
	@echo "make run    - set up, train if needed, start the servers and open a terminal chat"
	@echo "make serve  - the same without the chat: REST channel + HTTP API on 127.0.0.1:\$${RASA_PORT:-5005}"
	@echo "make test   - set up if needed and run the whole test suite"
	@echo "make admin  - the admin console on 127.0.0.1:5010 (create an account first: .venv/bin/python -m admin create-user NAME)"
	@echo "make train  - train the model if the training data or config changed"
	@echo "make lint   - ruff"
	@echo "make bench  - run the benchmarks in bench/"
	@echo "make lock   - re-resolve dependencies from pyproject.toml into requirements.lock"

setup:
	@scripts/setup.sh

train: setup
	@$(PY) -m lmi4vet.launcher train

run: setup
	@$(PY) -m lmi4vet.launcher run

serve: setup
	@$(PY) -m lmi4vet.launcher serve

test: setup
	@scripts/ensure_browser.sh
	@$(PY) -m ruff check .
	@$(PY) -m pytest

admin: setup
	@$(PY) -m admin serve

lint: setup
	@$(PY) -m ruff check .

bench: setup
	@for script in bench/bench_*.py; do echo "### $$script"; $(PY) $$script || exit 1; done

lock:
	@scripts/lock.sh

clean:
	rm -rf .venv models var .rasa .pytest_cache .ruff_cache
