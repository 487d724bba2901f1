# phasenmonitor: the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
DATA ?= data
# Demo key: only for the generated demo inbox. Real installations set
# PHASENMONITOR_PSEUDONYM_KEY or PHASENMONITOR_PSEUDONYM_KEY_FILE themselves (docs/betrieb.md).
DEMO_KEY := DEMO-KEY-nur-fuer-synthetische-Testdaten

.PHONY: install run test test-fast check bench lock clean demo-data

install: $(BIN)/.installed

$(BIN)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q pipelines assets sources checks
	touch $@

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo-data: install
	@if [ -z "$$(ls -A $(DATA)/inbox 2>/dev/null)" ]; then \
		$(BIN)/phasenmonitor demo-data --out $(DATA)/inbox; \
	else echo "$(DATA)/inbox is not empty: keeping it"; fi

run: install demo-data
	PHASENMONITOR_PSEUDONYM_KEY=$(DEMO_KEY) DAGSTER_HOME= \
		$(BIN)/phasenmonitor run --inbox $(DATA)/inbox --out $(DATA)/out

# Every test, on every core: a test file runs on one worker, so its module fixtures (one
# pipeline run shared by its tests) are built once (tests/conftest.py, docs/architektur.md).
test: install
	$(BIN)/python -m pytest -n auto --dist loadfile

# The pure rule tests alone (no Dagster, no files): seconds, for the edit-test loop.
test-fast: install
	$(BIN)/python -m pytest -m "not integration"

# The rules of the tree: layers import one way, no cycle, modules <= 400 and functions <= 80 lines.
check: install
	$(BIN)/python -m pytest -q tests/test_architecture.py

bench: install
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(DATA)/out
