# The two quick-start commands (README) and what CI runs. Every target sets up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STUDIO_STAMP := $(VENV)/.studio-installed

.PHONY: studio system-deps test check lint format bench clean messages language

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The studio alone: what `make studio` needs, with pip's progress shown (a first install is big).
$(STUDIO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $(STUDIO_STAMP)

# The studio plus the test tools (pytest, ruff, import-linter, Playwright…): what the rest need.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $(STUDIO_STAMP)

## Install the system libraries the studio's window needs (Linux; apt-get, or says what to run).
system-deps:
	$(PYTHON) scripts/system_deps.py

## Set up, fill the default library with the demo collection on first use, open the studio.
studio: system-deps $(STUDIO_STAMP)
	$(BIN)/urbanart demo --if-empty
	$(BIN)/urbanart studio

## Set up and run everything CI runs: lint, the architecture contract, the whole test suite.
test: $(STAMP) check
	$(BIN)/python -m pytest -n 2 --dist loadgroup

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy urbanart ui

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Run every benchmark in bench/ (logs in bench/out/), then print all their goal lines together.
bench: $(STAMP)
	$(BIN)/python scripts/run_benches.py

## Gather every translatable message into build/messages.pot and merge it into each language's
## catalogue (urbanart/i18n/locale/<lang>/LC_MESSAGES/messages.po); docs/translating.md.
POT := build/messages.pot
messages: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel extract -w 100 -F urbanart/i18n/babel.cfg -k N_ -k SourceType:3 \
		--sort-by-file --omit-header -o $(POT) .
	$(BIN)/pybabel update -w 100 --no-fuzzy-matching --ignore-obsolete -i $(POT) \
		-d urbanart/i18n/locale

## Start a new language's catalogue: make language NEW=it (then translate its messages.po).
language: messages
	$(BIN)/pybabel init -w 100 -i $(POT) -d urbanart/i18n/locale -l $(NEW)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
