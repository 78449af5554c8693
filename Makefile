# Packline's commands. `make run` and `make test` are all a newcomer needs (see README.md).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
export PORT

.PHONY: run test lint format bench setup deps demo clean-var

$(BIN)/activate:
	@PYTHON_BIN=$$(scripts/find_python.sh) && echo "Creating $(VENV) with $$PYTHON_BIN" && "$$PYTHON_BIN" -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/activate
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

staticfiles/staticfiles.json: node_modules/.installed $(shell find static -type f) $(VENV)/.installed-runtime
	DEBUG=1 $(PY) manage.py collectstatic --noinput --verbosity 0
	@touch $@

deps: $(VENV)/.installed-runtime node_modules/.installed staticfiles/staticfiles.json

# Migrate, create roles and demo data in one process (the embedded database starts once).
setup: deps
	DEBUG=$${DEBUG:-1} $(PY) manage.py setup_demo

run: setup
	@echo ""
	@echo "Packline is starting on http://127.0.0.1:$(PORT)  (Ctrl-C stops web, worker and beat)"
	DEBUG=$${DEBUG:-1} $(BIN)/honcho start -f Procfile

# The suite runs in TEST_PROCESSES pytest-xdist workers, a test module per worker at a time (each has
# its own test database, broker queue and media folder: tests/settings.py). TEST_PROCESSES=0 runs it
# in one process.
TEST_PROCESSES ?= 2
test: $(VENV)/.installed-dev node_modules/.installed staticfiles/staticfiles.json
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-dev node_modules/.installed staticfiles/staticfiles.json
	$(PY) -m bench $(BENCH_ARGS)

clean-var:
	rm -rf var/
