# Two commands do everything on a fresh clone:
#   make book   - set up .venv and build the book into _build/html
#   make test   - set up .venv and run the whole test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install book test bench clean

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

book: install
	$(BIN)/jupyter-book build . -W -n --keep-going
	test -f _build/html/index.html
	@echo "The book is at file://$(CURDIR)/_build/html/index.html"

test: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench_lstm.py

clean:
	rm -rf _build $(VENV)
