# salescope: `make demo` and `make test` work from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast lint bench bench-small bench-engines schema clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	touch $(STAMP)

demo: $(STAMP) ## Generate demo data and write a full report into ./salescope-demo
	$(BIN)/salescope demo --out salescope-demo

lint: $(STAMP) ## Ruff and mypy
	$(BIN)/ruff check --no-cache src tests benchmarks
	$(BIN)/ruff format --no-cache --check src tests benchmarks
	$(BIN)/mypy

# Small statsmodels fits run fastest single-threaded, and no test then fights another
# process for the BLAS thread pool.
SINGLE_THREAD := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

test: $(STAMP) lint ## Lint, type-check and run the whole test suite (both engines)
	$(SINGLE_THREAD) $(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Tests without the PySpark engine
	$(SINGLE_THREAD) $(BIN)/python -m pytest -q -m "not spark"

bench: $(STAMP) ## Benchmarks at 1M and 10M rows against the one-scan limit, pandas and Polars (slow; prints; add --record to append to benchmarks/RESULTS.md)
	$(BIN)/python benchmarks/scale.py --rows 1000000
	$(BIN)/python benchmarks/scale.py --rows 10000000

bench-small: $(STAMP) ## Start-up and a 10,000-line export, median of fresh processes (prints)
	$(BIN)/python benchmarks/small.py

bench-engines: $(STAMP) ## The 200,000-line demo on local PySpark against DuckDB, reports checked equal (prints)
	$(BIN)/python benchmarks/engines.py

schema: $(STAMP) ## Rewrite report.json's JSON Schema from the model (salescope.model)
	$(BIN)/python -m salescope.report_schema

clean: ## Remove the venv and generated output
	rm -rf $(VENV) salescope-demo salescope-report .pytest_cache .mypy_cache .ruff_cache
