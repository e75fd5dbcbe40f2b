# Two commands do all the set-up on a fresh machine (Python 3.11+, Java 17):
#   make up     install what running needs into .venv and start Telltale in local mode with demo traffic
#   make test   install into .venv with the test tools too, and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
SOURCES := pyproject.toml setup.py sdk/python/pyproject.toml constraints.txt

.PHONY: up test test-fast install runtime

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What running needs: the server and the SDK, no test tools.
$(VENV)/.installed-runtime: $(BIN)/python $(SOURCES)
	$(PIP) -e . -e sdk/python
	touch $@

# The test tools on top (pytest, ruff, Playwright, Kafka and Kubernetes tooling, ...).
$(VENV)/.installed: $(VENV)/.installed-runtime $(SOURCES)
	$(PIP) -e '.[dev]' -e sdk/python
	touch $@

runtime: $(VENV)/.installed-runtime

install: $(VENV)/.installed

up: runtime
	$(BIN)/telltale up --demo

test: install
	bash scripts/test

# The tier that starts nothing (no server, broker, browser, store or model): seconds, for the edit loop.
test-fast: install
	$(BIN)/python -m pytest -q -p tests.support.fast_tier tests
