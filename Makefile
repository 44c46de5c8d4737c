# Wijkbank — the two commands of the README, and their parts.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs on every core (pytest-xdist), one file per worker at a time so that a file's
# module fixtures (the crawl's demo bank, the browser) are built once. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
# Links in e-mail are built from this one address (never from the request's Host header).
EXTERNAL_URL ?= http://$(HOST):$(PORT)
export EXTERNAL_URL

.PHONY: run test install install-test translations messages lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(MAKE) --no-print-directory translations

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory translations

translations:
	@if ls bank/translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel -q compile -d bank/translations; fi

# Refresh the catalogues from the source (English msgids; fill the Dutch msgstrs afterwards).
messages:
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 --no-location --sort-output -o bank/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i bank/translations/messages.pot -d bank/translations

# Install, upgrade the database, load the demo when empty, then serve with gunicorn
# beside the scheduler process (which closes each business day).
run: install
	$(BIN)/bank db upgrade
	$(BIN)/bank demo --if-empty
	@echo "Back office: http://$(HOST):$(PORT)/staff   Portal: http://$(HOST):$(PORT)/portal"
	$(BIN)/python -m bank.serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# mypy reads its settings (files = bank/) from pyproject.toml.
lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench:
	$(BIN)/python -m bench.ledger

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
