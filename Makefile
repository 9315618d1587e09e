# casebot: `make run` and `make test` are the two set-up commands (README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test lint eval bench clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "casebot needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# torch first and pinned: the local CPU wheel satisfies the pin; an unpinned torch would
# pull gigabytes of CUDA packages.
$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/casebot ingest
	$(VENV)/bin/casebot serve --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest -q

# ruff (with the complexity cap) over everything we ship or run; mypy strict on src/.
lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

eval: install
	$(VENV)/bin/casebot eval

bench: install
	$(PY) benchmarks/chat_latency.py
	$(PY) benchmarks/safety_assess.py
	$(PY) benchmarks/load.py

clean:
	rm -rf .casebot .pytest_cache .mypy_cache .ruff_cache
