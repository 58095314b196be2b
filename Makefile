# The two commands: `make run` (embedded default, serves on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The embedded default: SQLite file, tasks eager in-process, DEBUG on, a per-checkout dev key.
DEV_ENV = DEBUG=1 SECRET_KEY="$$(cat .dev-secret-key)"
# Browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run install install-dev test lint format bench-load bench-scale bench-api mutation

run: install .dev-secret-key
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_articles seeds/
	$(DEV_ENV) $(BIN)/python manage.py create_demo_accounts
	@echo "Open http://127.0.0.1:8000/ and log in with one of the accounts above (admin: /admin/)."
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install-dev: $(VENV)/.installed-dev node_modules/.package-lock.json
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt requirements-embeddings.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# axe-core, which the browser tests inject into pages (the app itself has no JavaScript build).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

.dev-secret-key:
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# The schema tests in one process: schemathesis gives each API operation's test the same node
# id, and pytest-xdist would run only one of them.
SCHEMA_TESTS := tests/api/test_schemathesis.py
test: install-dev $(CHROMIUM)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest --ignore=$(SCHEMA_TESTS)
	$(BIN)/python -m pytest -n 0 $(SCHEMA_TESTS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole load of generated articles against the database's own COPY rate, by hand (PostgreSQL
# and Redis on 127.0.0.1): bench/load_articles.py, results in bench/RESULTS.md.
bench-load: install-dev
	$(BIN)/python bench/load_articles.py

# Pages and API lists at 10,000 and 100,000 articles through gunicorn, by hand (PostgreSQL and
# Redis on 127.0.0.1): bench/scale.py.
bench-scale: install-dev
	$(BIN)/python bench/scale.py

# 50 reviewers labelling through the API against gunicorn, next to the same server's ceiling,
# then a check that every accepted write is stored once (PostgreSQL and Redis on 127.0.0.1).
bench-api: install-dev
	$(BIN)/python bench/load_api.py

# Mutation testing of the pure core and the annotation services, by hand (about 10 minutes):
# docs/mutation-testing.md. One thread for scikit-learn (its pool does not survive mutmut's
# forks), SQLite in memory (workers must not share a PostgreSQL test database), a fresh start.
mutation: install-dev
	rm -rf mutants
	env -u DATABASE_URL OMP_NUM_THREADS=1 $(BIN)/mutmut run
	$(BIN)/mutmut results
