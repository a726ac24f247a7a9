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

.PHONY: help run test lint format migrate bench clean check fuzz soak

help:
	@echo "make run    set up .venv, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   set up .venv with dev tools, lint, run the whole suite"
	@echo "make bench  run the benchmarks in bench/ (figures, never assertions)"
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

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

migrate: $(VENV)/.runtime
	$(PY) manage.py migrate --noinput

bench: $(VENV)/.dev
	$(PY) -m bench

# Security gates (issue 9). The log-secrets and isolation tests run in `make test`.
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
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache
