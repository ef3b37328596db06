# The two quick-start commands (README) and what CI runs. Every target sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: studio test check lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## Set up, fill the default library with the demo collection on first use, open the studio.
studio: $(STAMP)
	$(BIN)/urbanart demo --if-empty
	$(BIN)/urbanart studio

## Set up and run everything CI runs: lint, the architecture contract, the whole test suite.
test: $(STAMP) check
	$(BIN)/python -m pytest -n 2 --dist loadgroup

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Run every benchmark in bench/ (logs in bench/out/), then print all their goal lines together.
bench: $(STAMP)
	$(BIN)/python scripts/run_benches.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
