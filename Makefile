# Hearth — developer commands. `make install` is idempotent and fast when nothing changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export NO_PROXY := 127.0.0.1,localhost
export no_proxy := 127.0.0.1,localhost
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU torch first, pinned: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet "torch==2.13.0" || \
	  $(BIN)/python -m pip install --quiet "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
	$(BIN)/python -m pip install --quiet -e ".[ml,dev]"
	@touch $(STAMP)

demo: install
	$(BIN)/hearth demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Tests run on every core (pytest-xdist); whole files stay on one worker (module fixtures).
PYTEST_WORKERS ?= auto

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

bench: install
	$(BIN)/hearth bench ingest

clean:
	rm -rf $(VENV) hearth-demo.db* .pytest_cache
