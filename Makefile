# Two commands set everything up from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RANKING := $(BIN)/ranking

.PHONY: install browser demo model test check lint format data clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

MODEL := ranking/models/default
FRESH := $(VENV)/model-build
SAME := $(BIN)/python -c "import sys; from ranking.model.persist import is_usable, model_differences as d; sys.exit(not is_usable('$(MODEL)') or bool(d('$(MODEL)', '$(FRESH)')))"

# The default model, shipped inside the package and committed: trained from
# data/ into $(FRESH), then compared with the shipped one array for array
# (ranking.model.persist.model_differences leaves out the card's date and library
# versions, the only parts that differ between two trainings). The same model,
# and the shipped one loads: its files stay byte for byte (no new date to
# commit) and its held-out metrics are printed. Another model (the model's
# code, its format or data/ changed, or none shipped): it replaces the shipped
# one, to be committed. The one command to run after changing the model.
model: install
	@rm -rf $(FRESH)
	@$(RANKING) train data/catalog.csv --ranks data/ranks.csv -o $(FRESH) \
		> $(FRESH).log 2>&1 || { cat $(FRESH).log; exit 1; }
	@if test -f $(MODEL)/model.npz && $(SAME); then \
		rm -rf $(FRESH); \
		echo "$(MODEL) is current; held-out metrics from its card:"; \
		sed -n '/held-out metrics/,/^$$/p' $(MODEL)/card.txt; \
	else \
		cat $(FRESH).log; \
		mkdir -p $(dir $(MODEL)) && rm -rf $(MODEL) && mv $(FRESH) $(MODEL) \
			&& echo "moved to $(MODEL): commit it (git add $(MODEL))"; \
	fi

# A listing of the shipped sample (seed 7) that a seller would want audited: a
# face mask placed among dresses, its shop's DSRs below the category average.
DEMO_LISTING := 678162712529

# The main job on the shipped sample: check the back-office export, check the
# shipped model against data/, evaluate it, audit one weak listing, score the
# catalog, and write the report of the next week's export (its drops against
# this week's).
demo: install
	$(RANKING) check data/catalog_backoffice.csv --rejects $(VENV)/demo_rejects.csv
	@echo
	@$(MAKE) --no-print-directory model
	@echo
	$(RANKING) evaluate data/catalog.csv --ranks data/ranks.csv
	@echo
	$(RANKING) audit data/catalog_backoffice.csv $(DEMO_LISTING) --ranks data/ranks.csv
	@echo
	$(RANKING) audit data/catalog_backoffice.csv $(DEMO_LISTING) --ranks data/ranks.csv \
		--target-rank 10
	@echo
	$(RANKING) score data/catalog_backoffice.csv -o $(VENV)/demo_scored.xlsx
	@echo
	$(RANKING) report data/catalog_next_week.csv -o $(VENV)/demo_report.html \
		--ranks data/ranks.csv --old data/catalog.csv --listing $(DEMO_LISTING)
	@echo "open $(abspath $(VENV))/demo_report.html in a browser"

lint: install
	$(BIN)/ruff check ranking tests bench
	$(BIN)/ruff format --check ranking tests bench

# Headless Chromium for the browser tests (tests/browser.py): Debian's package,
# with a Chinese font (WenQuanYi Micro Hei, 1.6 MB) so a zh report is not
# drawn in empty boxes; installed when missing and apt-get is there,
# otherwise those tests skip.
browser:
	@{ command -v chromium >/dev/null 2>&1 \
		&& fc-list 2>/dev/null | grep -qi wqy; } \
		|| { command -v apt-get >/dev/null 2>&1 \
			&& DEBIAN_FRONTEND=noninteractive apt-get update -qq \
			&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				--no-install-recommends chromium fonts-wqy-microhei >/dev/null; } \
		|| echo 'chromium not installed: browser tests will be skipped'

test: lint browser
	$(BIN)/python -m pytest

check: test

format: install
	$(BIN)/ruff check --fix ranking tests bench
	$(BIN)/ruff format ranking tests bench

# Regenerate the shipped sample (deterministic: same seed, same files).
data: install
	$(RANKING) sample-data -o data --listings 3000 --seed 7 --backoffice --next-week

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
