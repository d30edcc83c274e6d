# The two commands a newcomer types: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
DOCS_STAMP := $(VENV)/.docs-stamp
# pytest workers: the machine has 2 cores; each worker isolates itself on the servers.
WORKERS ?= 2

.PHONY: demo test lint typecheck generate check-generated docs unit soak bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[drivers,dev]'
	touch $(STAMP)

$(DOCS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[drivers,dev,docs]'
	touch $(DOCS_STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[drivers,dev,bench]'
	touch $(BENCH_STAMP)

demo: $(STAMP)
	$(BIN)/assurdb demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy --strict examples

generate: $(STAMP)
	$(BIN)/assurdb generate

check-generated: $(STAMP)
	$(BIN)/assurdb generate --check

# The documentation site into site/: --strict turns every warning (a broken link, a contract
# member without its description) into a failure. MkDocs' and Material's notices about their own
# future are silenced; they say nothing about this site. No --quiet: it hides warnings from --strict.
docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 DISABLE_MKDOCS_2_WARNING=true $(BIN)/python -m mkdocs build --strict

unit: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup -m "not soak"

test: lint typecheck check-generated docs unit

soak: $(BENCH_STAMP)
	ASSURDB_SOAK=1 $(BIN)/pytest -n $(WORKERS) --dist loadgroup -m soak

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis site
