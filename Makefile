# casebot: `make run` and `make test` are the two set-up commands (README.md).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: install browser run test lint eval bench clean servers

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

install: $(STAMP) servers

# The servers the tests start for real (redis-server, PostgreSQL), from Debian's packages;
# a no-op when they are there. Not root and missing: say what to install, and stop.
SERVER_PACKAGES := redis-server:redis-server postgresql:/usr/lib/postgresql/*/bin/initdb
servers:
	@missing=""; for pair in $(SERVER_PACKAGES); do pkg=$${pair%%:*}; probe=$${pair#*:}; \
	  if ! command -v $$probe >/dev/null 2>&1 && ! ls $$probe >/dev/null 2>&1; then missing="$$missing $$pkg"; fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "casebot's tests need:$$missing (apt-get install them as root)"; exit 1; fi; \
	  echo "installing$$missing"; \
	  for try in 1 2 3 4 5 6; do \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing && break; \
	    echo "apt-get busy or failed; retrying"; sleep 20; \
	  done; \
	  for pair in $(SERVER_PACKAGES); do probe=$${pair#*:}; \
	    command -v $$probe >/dev/null 2>&1 || ls $$probe >/dev/null 2>&1 || { echo "$$probe still missing"; exit 1; }; \
	  done; \
	fi

# The widget's tests drive Debian's chromium through Playwright, which never downloads a
# browser. Installed with apt (as root) only when missing; apt may be busy, so it retries.
$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then \
		echo "the widget tests need Debian's chromium: run 'apt-get install chromium' as root"; exit 1; fi
	@for attempt in 1 2 3 4 5 6; do \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends chromium fonts-liberation && exit 0; \
		echo "apt-get is busy; retrying in 20 s"; sleep 20; \
	done; exit 1

browser: $(CHROMIUM)

run: install
	$(VENV)/bin/casebot ingest
	$(VENV)/bin/casebot serve --host $(HOST) --port $(PORT)

test: install browser
	$(PY) -m pytest -q

# ruff (with the complexity cap) over everything we ship or run; mypy strict on src/.
lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

eval: install
	$(VENV)/bin/casebot eval

# Needs a quiet machine (docs/performance.md says how quiet each published run was).
bench: install
	$(PY) benchmarks/stages.py
	$(PY) benchmarks/chat_latency.py
	$(PY) benchmarks/latency_floor.py
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/index_scale.py
	$(PY) benchmarks/embedders.py
	$(PY) benchmarks/safety_assess.py
	$(PY) benchmarks/load.py
	$(PY) benchmarks/workers.py
	$(PY) benchmarks/stream_first_event.py
	$(PY) benchmarks/plots.py

clean:
	rm -rf .casebot .pytest_cache .mypy_cache .ruff_cache
