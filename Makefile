# The two commands a new user runs: `make serve` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: install serve test lint format bench-quality bench-kinds bench-statements bench-throughput bench-language bench-api bench-dedupe bench-scale clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## Install, create the database, train the default model if none, serve API + review page.
serve: install
	$(BIN)/feedback-ai serve

## Install test dependencies and run the whole suite on SQLite, then again on PostgreSQL when
## FEEDBACK_AI_TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
test: install
	FEEDBACK_AI_TEST_DATABASE_URL= $(BIN)/python -m pytest
	@if [ -n "$$FEEDBACK_AI_TEST_DATABASE_URL" ]; then \
		echo "== the whole suite again, on PostgreSQL"; $(BIN)/python -m pytest; fi

lint: install
	$(BIN)/ruff check feedback_ai tests bench
	$(BIN)/ruff format --check feedback_ai tests bench
	$(BIN)/mypy feedback_ai

format: install
	$(BIN)/ruff format feedback_ai tests bench
	$(BIN)/ruff check --fix feedback_ai tests bench

bench-quality: install
	cd bench && ../$(BIN)/python quality.py

bench-kinds: install
	$(BIN)/python bench/real_kinds.py

bench-statements: install
	$(BIN)/python bench/statements.py

bench-throughput: install
	$(BIN)/python bench/throughput.py

bench-language: install
	$(BIN)/python bench/language.py

bench-api: install
	$(BIN)/python bench/api_load.py

bench-dedupe: install
	$(BIN)/python bench/dedupe_quality.py

bench-scale: install
	$(BIN)/python bench/grouping_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
