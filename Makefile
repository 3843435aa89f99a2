# The two commands: `make demo` runs the product, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_URL ?= postgres://postgres@127.0.0.1:5432/alumni
HOST ?= 127.0.0.1
PORT ?= 8000
# Each database's suite runs in this many pytest-xdist workers (whole files per worker: a file's
# tests keep their order and module fixtures); the browser journeys wait on Chromium and the live
# server much of the time, so two workers per database keep the two cores busy. Files are handed
# out in pytest-django's order (--no-loadscope-reorder): database tests before the browser
# journeys, whose session Playwright leaves the worker's thread looking like an async context.
TEST_WORKERS ?= 2
# PostgreSQL's run is the longer (its server shares the cores): one worker more, so that it ends
# about when SQLite's does instead of running on alone.
TEST_WORKERS_POSTGRES ?= 3
PYTEST_PARALLEL = -n $(1) --dist loadfile --no-loadscope-reorder

.PHONY: demo test install lint typecheck test-sqlite test-postgres bench clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(scripts/find-python)" -m venv $(VENV)
	@echo "Installing Python dependencies into $(VENV) ..."
	@set -o pipefail; { $(PY) -m pip install --quiet --upgrade pip && \
	  $(PY) -m pip install --quiet -e ".[dev]"; } 2>&1 | { grep -v -e '^WARNING: Location' -e 'Editable installation' -e 'editable_wheel' -e '^  *\*\*\*' -e '^  *!!' -e 'Please be careful' -e 'name as your package' -e 'WheelFile' -e '^ *$$' || true; }
	@touch $@

install: $(VENV)/.installed

# The PWA is built for the address the demo serves on (`make demo PORT=8765` builds for 8765).
demo: export PWA_BASE_URL ?= http://$(HOST):$(PORT)
demo: install
	@mkdir -p var
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) load_demo
	$(MANAGE) load_demo_alumni
	$(MANAGE) load_demo_push
	$(MANAGE) load_demo_chat
	$(MANAGE) load_demo_survey
	$(MANAGE) load_demo_comeback
	$(MANAGE) monthly_report --out var/reports -v 0
	$(MANAGE) demo_totp --enrol
	$(MANAGE) collectstatic --noinput -v 0
	$(MANAGE) build_pwa
	@scripts/demo-serve "$(HOST)" "$(PORT)"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy cms pwa_build

# The suites write Python's bytecode cache (__pycache__/, ignored by git) even where the environment
# says not to (PYTHONDONTWRITEBYTECODE): every xdist worker imports the whole suite and the project,
# and every process a test starts (task workers, builds, manage.py) the project again; compiled
# afresh each time, that was about 2 s of CPU more for each worker's collection.
PYTEST = env -u PYTHONDONTWRITEBYTECODE $(VENV)/bin/pytest

# Each database's run keeps its scratch files apart (TEST_VAR_DIR), so `make test` runs both side by
# side; --output-sync prints each run's output whole when it ends.
test-sqlite: install
	@mkdir -p var/sqlite
	set -o pipefail; TEST_VAR_DIR=$(CURDIR)/var/sqlite $(PYTEST) -p no:cacheprovider $(call PYTEST_PARALLEL,$(TEST_WORKERS)) -q | tee var/pytest-sqlite.log

test-postgres: install
	@scripts/ensure-postgres
	@mkdir -p var/postgres
	set -o pipefail; TEST_VAR_DIR=$(CURDIR)/var/postgres DATABASE_URL=$(PG_URL) $(PYTEST) -p no:cacheprovider $(call PYTEST_PARALLEL,$(TEST_WORKERS_POSTGRES)) -q | tee var/pytest-postgres.log

# ruff first (a second, and a style error stops the run); mypy (half a minute from a fresh clone)
# runs beside the two suites.
test: install
	@scripts/system-deps
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory --output-sync=target -j3 typecheck test-sqlite test-postgres
	@echo "== SQLite:     $$(tail -n 1 var/pytest-sqlite.log)"
	@echo "== PostgreSQL: $$(tail -n 1 var/pytest-postgres.log)"

bench: install
	$(PY) -m bench

clean:
	rm -rf $(VENV) var dist
