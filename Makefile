# Ask ISO — common tasks. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run setup install install-dev migrate demo test test-pg lint format clean bench bench-data

run: setup ## Set up, load the demo data (into a database without accounts) and serve at http://127.0.0.1:5000
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

setup: install migrate demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	scripts/install-browser.sh

migrate:
	$(BIN)/flask --app wsgi db upgrade

demo:
	$(BIN)/flask --app wsgi demo load --if-empty

test: install-dev ## Install what the tests need and run the whole suite
	scripts/test.sh

test-pg: install-dev ## The whole suite against PostgreSQL
	TEST_DATABASE_URL=$(PG_TEST_URL) scripts/test.sh

lint:
	$(BIN)/ruff check askiso tests config.py wsgi.py
	$(BIN)/lint-imports --no-cache

format:
	$(BIN)/ruff format askiso tests config.py wsgi.py

clean:
	rm -rf instance .pytest_cache

BENCH_CASES ?= 1000000

bench-data: install ## Generate the benchmark data set into an empty database (BENCH_CASES=20000 for a quick one)
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/python -m bench.generate --cases $(BENCH_CASES)
	$(BIN)/flask --app wsgi search reindex

bench: install ## Serve with gunicorn and measure every main page (needs bench-data first)
	$(BIN)/python -m bench.run
