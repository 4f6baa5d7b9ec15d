# Two commands set everything up from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RANKING := $(BIN)/ranking

.PHONY: install demo test check lint format data clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The main job on the shipped sample. Extended as the product grows.
demo: install
	$(RANKING) check data/catalog.csv
	@echo
	$(RANKING) check data/catalog_backoffice.csv --rejects $(VENV)/demo_rejects.csv

lint: install
	$(BIN)/ruff check ranking tests bench
	$(BIN)/ruff format --check ranking tests bench

test: lint
	$(BIN)/python -m pytest

check: test

format: install
	$(BIN)/ruff check --fix ranking tests bench
	$(BIN)/ruff format ranking tests bench

# Regenerate the shipped sample (deterministic: same seed, same files).
data: install
	$(RANKING) sample-data -o data --listings 3000 --seed 7 --backoffice

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
