# The two commands a newcomer types: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
# pytest workers: the machine has 2 cores; each worker isolates itself on the servers.
WORKERS ?= 2

.PHONY: demo test lint typecheck generate check-generated unit soak bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[drivers,dev]'
	touch $(STAMP)

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

unit: $(STAMP)
	$(BIN)/pytest -n $(WORKERS) --dist loadgroup -m "not soak"

test: lint typecheck check-generated unit

soak: $(STAMP)
	ASSURDB_SOAK=1 $(BIN)/pytest -n $(WORKERS) --dist loadgroup -m soak

bench: $(BENCH_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
