# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv from python3.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CACHE := $(CURDIR)/.cache
# Keep every cache and config inside the repo's ignored folders, never in $HOME.
export MPLCONFIGDIR := $(CACHE)/matplotlib
export NUMBA_CACHE_DIR := $(CACHE)/numba
export PIP_CACHE_DIR := $(CACHE)/pip
export XDG_CACHE_HOME := $(CACHE)/xdg
export XDG_CONFIG_HOME := $(CACHE)/xdg-config
export HYPOTHESIS_STORAGE_DIRECTORY := $(CACHE)/hypothesis
export DASK_TEMPORARY_DIRECTORY := $(CACHE)/dask
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint bench docs clean

$(VENV)/.runtime: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

demo: $(VENV)/.runtime
	$(BIN)/iadsim demo --out demo-out

lint: $(VENV)/.dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports

# a crashed worker is not replaced: the run stops naming the test (xdist's loadfile can hang replacing one)
test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile --max-worker-restart 0 -q

# the validation tests write docs/_generated/validation.json; the site is built from it, warnings as errors
docs: $(VENV)/.dev
	IADSIM_VALIDATION_OUT=$(CURDIR)/docs/_generated/validation.json $(BIN)/python -m pytest -q -m validation -p no:xdist -p no:cacheprovider
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

bench: $(VENV)/.dev
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(CACHE) demo-out
