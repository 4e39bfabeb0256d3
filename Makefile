# The two commands of the README: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test test-fast lint types format translations extract-messages install install-dev lock audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files: every package, direct or not, pinned with its hashes. requirements.txt and
# requirements-dev.txt are the lists people edit; `make lock` writes the lock files from them.
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --editable .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

## Write the lock files again from requirements.txt and requirements-dev.txt (after editing either).
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes
lock: $(VENV)/.installed-dev
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt -c requirements.lock -o requirements-dev.lock

## Check every locked package against the known vulnerabilities (says so, and passes, when the database is out of reach).
audit: $(VENV)/.installed-dev
	$(BIN)/python .ci/audit.py $(BIN)/pip-audit

# axe-core, the accessibility engine of the browser tests, from the npm registry (pinned and checksummed).
# Without network the accessibility tests skip and say so (CI requires them).
AXE := $(VENV)/axe-core/axe.min.js
$(AXE): tests/e2e/fetch_axe.py | $(BIN)/python
	-$(BIN)/python tests/e2e/fetch_axe.py $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev $(AXE) translations

# Compile the Korean catalogue (the .mo files are build products, not kept in git), when its .po has changed:
# two test runs started side by side never write it while the other reads it.
MO := awards_app/translations/ko/LC_MESSAGES/messages.mo
$(MO): awards_app/translations/ko/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel -q compile --use-fuzzy -d awards_app/translations
translations: $(MO)

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o awards_app/translations/messages.pot .
	$(BIN)/pybabel -q update -i awards_app/translations/messages.pot -d awards_app/translations --no-fuzzy-matching --ignore-obsolete

## Set up, migrate the SQLite database in instance/, load the demo edition when it is empty, and serve.
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask awards seed-demo --if-empty
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C stops)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Set up and run the linter and the whole test suite (browser tests included when Chromium is installed).
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The quick loop while working: the suite without the browser tests, the benchmarks' smoke runs and the model's
## fits, stopping at the first failure (`make test` runs everything, and is what CI runs).
test-fast: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -x -q -m "not e2e and not benchmark and not slow" $(PYTEST_ARGS)

## Lint, formatting and types (CI runs it).
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

types: install-dev
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
