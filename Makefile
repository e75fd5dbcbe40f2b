# Two commands do all the set-up on a fresh machine (Python 3.11+, Java 17):
#   make up     install into .venv and start Telltale in local mode with demo traffic
#   make test   install into .venv (with test tools) and run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: up test install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py sdk/python/pyproject.toml constraints.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' -e sdk/python
	touch $@

install: $(VENV)/.installed

up: install
	$(BIN)/telltale up --demo

test: install
	bash scripts/test
