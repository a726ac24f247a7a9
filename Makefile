# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

# Django 6.1 needs Python 3.12 or newer: prefer the pinned version from pyenv, then any
# python3.13 / python3.12 on PATH, then python3 if it is new enough.
define find_python
for candidate in \
    "$$(command -v pyenv >/dev/null && pyenv root)/versions/$$(cat .python-version)/bin/python" \
    python3.13 python3.12 python3; do \
  if command -v "$$candidate" >/dev/null 2>&1 && \
     "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
    command -v "$$candidate"; exit 0; \
  fi; \
done; \
echo "Cadence needs Python 3.12 or newer (3.13 preferred). Install it, e.g. 'pyenv install 3.13.0'," >&2; \
echo "or your system's python3.13 package, then run make again." >&2; \
exit 1
endef

.PHONY: help run test lint format migrate bench clean e2e e2e-browser check fuzz soak

AW_VENV := bench/.aw-venv

# aw-server 0.12.0 predates Python 3.12: its venv uses 3.11, 3.10 or 3.9 (pyenv first).
define find_aw_python
for candidate in \
    $$(command -v pyenv >/dev/null && for v in 3.11 3.10 3.9; do \
         ls -d "$$(pyenv root)"/versions/$$v.*/bin/python 2>/dev/null | sort -V | tail -1; done) \
    python3.11 python3.10 python3.9; do \
  if command -v "$$candidate" >/dev/null 2>&1; then command -v "$$candidate"; exit 0; fi; \
done; \
echo "make bench needs Python 3.9-3.11 for aw-server 0.12.0 (e.g. 'pyenv install 3.11')." >&2; \
exit 1
endef

help:
	@echo "make run    set up .venv, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   set up .venv with dev tools, lint, run the whole suite"
	@echo "make bench  Cadence side by side with aw-server, COPY and plain Django (PostgreSQL)"
	@echo "make e2e    browser tests: Debian's Chromium against live servers (screenshots in e2e-artifacts/)"
	@echo "make check  security gates: deploy check, schema validation, bandit, pip-audit"
	@echo "make fuzz   schemathesis against a live server (needs DATABASE_URL=postgres://...)"
	@echo "make soak   load and fault runs against gunicorn + PostgreSQL (minutes, not in CI)"

$(VENV)/.python:
	@python="$$($(find_python))" || exit 1; \
	if [ -x "$(PY)" ] && ! "$(PY)" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
	  echo "Replacing $(VENV): it was made with a Python older than 3.12"; rm -rf "$(VENV)"; \
	fi; \
	echo "Creating $(VENV) with $$python ($$("$$python" --version))"; \
	"$$python" -m venv "$(VENV)" && "$(PY)" -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime: $(VENV)/.python requirements.txt
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

run: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --site-domain $(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

# Style, types (the files pyproject.toml's [tool.mypy] lists) and the layout's rules.
lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q tests/test_architecture.py

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

$(VENV)/.bench: $(VENV)/.dev requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	@touch $@

$(AW_VENV)/.installed: bench/requirements-aw.txt
	@python="$$($(find_aw_python))" || exit 1; rm -rf "$(AW_VENV)"; \
	echo "Creating $(AW_VENV) for aw-server with $$python ($$("$$python" --version))"; \
	"$$python" -m venv "$(AW_VENV)" && \
	"$(AW_VENV)/bin/python" -m pip install --quiet -r bench/requirements-aw.txt
	@touch $@

# Needs PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/cadence_bench)
# is created and dropped by the run. Row counts: see bench/side_by_side.py.
bench: $(VENV)/.bench $(AW_VENV)/.installed
	$(PY) -m bench

# Security gates: Django's deploy check with production settings, OpenAPI schema validation,
# bandit, and pip-audit. The log-secrets and isolation tests run in `make test`.
check: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  ALLOWED_HOSTS=cadence.example.com $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py spectacular --validate \
	  --fail-on-warn --file /dev/null
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium --quiet
	$(PY) tests/pip_audit_gate.py

# Schemathesis against gunicorn on a free port, with a fresh database and API key.
fuzz: $(VENV)/.dev
	$(PY) -m soak.fuzz

soak: $(VENV)/.dev
	$(PY) -m pip install --quiet -r requirements-soak.txt
	$(PY) -m soak.run

clean:
	rm -rf $(VENV) $(AW_VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache e2e-artifacts

# --- Browser suite -------------------------------------------------------------
# Playwright drives Debian's Chromium, never a browser downloaded by Playwright itself.
CHROMIUM ?= /usr/bin/chromium
E2E_ARGS ?=
E2E_APT_PACKAGES := chromium fonts-liberation fonts-dejavu-core

$(VENV)/.e2e: $(VENV)/.dev requirements-e2e.txt
	$(PY) -m pip install --quiet -r requirements-e2e.txt
	@touch $@

e2e-browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's Chromium: apt-get install $(E2E_APT_PACKAGES)"; \
	  apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(E2E_APT_PACKAGES); \
	else \
	  echo "make e2e needs Chromium at $(CHROMIUM). Install it, e.g.:" >&2; \
	  echo "  sudo apt-get install $(E2E_APT_PACKAGES)" >&2; \
	  exit 1; \
	fi

e2e: $(VENV)/.e2e e2e-browser
	rm -rf e2e-artifacts/screenshots e2e-artifacts/failures
	CADENCE_E2E=1 E2E_CHROMIUM="$(CHROMIUM)" $(VENV)/bin/pytest -c tests/e2e/pytest.ini \
	  --rootdir=. --confcutdir=tests/e2e $(E2E_ARGS)
