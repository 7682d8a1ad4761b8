# The two commands that matter: `make run` and `make test`. Both set everything up themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DEBIAN_FRONTEND := noninteractive

.PHONY: run test lint bench clean setup setup-test chromium wrk migrate

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet ".[test]"
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test chromium

# Debian's chromium for the browser tests (never `playwright install`: it downloads).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# Quick start on SQLite with demo users; http://127.0.0.1:8000, with the background worker
# that builds bulk exports beside it (Ctrl-C stops both).
run: setup
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo
	DEBUG=true PY=$(PY) scripts/run-dev.sh 127.0.0.1:8000

lint: setup-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# The whole suite, browser tests included, on a throwaway PostgreSQL it starts and stops.
test: setup-test lint
	DJANGO_ALLOW_ASYNC_UNSAFE=true scripts/with-postgres.sh $(PY) -m pytest

# Ratios measured in one run, never asserted: on a throwaway SQLite file, then on a throwaway
# PostgreSQL. BENCH_RECORDS (default 100000) sets the size of the scale section.
bench: $(VENV)/.installed-test wrk
	$(PY) -m bench
	scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL="$$DATABASE_URL" exec $(PY) -m bench'

# Debian's wrk drives gunicorn in the bench's HTTP section (bench/http.py).
wrk:
	@command -v wrk >/dev/null || { \
	  echo "Installing Debian's wrk for the bench"; \
	  apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
