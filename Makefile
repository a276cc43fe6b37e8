# Everything a newcomer needs: `make run` and `make test`. Both install on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CANDOR_DATA_DIR ?= $(CURDIR)/data

.PHONY: install run test lint typecheck pytest screenshots bench-public bench-fanout bench-publish bench-alerts clean

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null || { echo "Candor needs Python 3.11 ($(PY) not found)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/candor serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy candor

# The suite runs on SQLite, then again on PostgreSQL when one is reachable (tests/dbs.sh decides).
pytest: $(STAMP)
	bash tests/run_suites.sh $(PYTEST_ARGS)

test: lint typecheck pytest

screenshots: $(STAMP)
	CANDOR_SCREENSHOTS=1 $(BIN)/pytest -m browser -p no:xdist tests

# The public read path against nginx serving the same bytes (docs/performance.md).
bench-public: $(STAMP)
	$(BIN)/python benchmarks/public/bench.py

# One update to 10,000 email and 1,000 webhook subscribers, local sinks (docs/performance.md).
bench-fanout: $(STAMP)
	$(BIN)/python benchmarks/fanout/run.py

# From a write to the changed objects readable from a local S3 server (docs/performance.md).
bench-publish: $(STAMP)
	$(BIN)/python benchmarks/publish/bench.py

# From an Alertmanager post to the component's status public, on a real server (docs/performance.md).
bench-alerts: $(STAMP)
	$(BIN)/python benchmarks/alerts/bench.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
