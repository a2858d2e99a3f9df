# Two commands on a fresh machine (see README): `make start` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
AXE := tests/a11y/node_modules/axe-core/axe.min.js

.PHONY: start test demo check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade uv

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[test]"
	touch $@

## start: install, build the demo data if there is none, and serve the dashboard on http://localhost:$(PORT)
start: $(VENV)/.installed
	$(BIN)/observatoire demo --if-missing
	$(BIN)/streamlit run app.py --server.port $(PORT)

## test: install (Chromium and npm too, when root and missing; axe-core from npm) and run every test, browser tests included
test: $(VENV)/.installed $(AXE)
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	$(BIN)/python -m pytest

# axe-core, the accessibility audit injected by tests/browser/test_accessibility.py, pinned by package-lock.json.
$(AXE): tests/a11y/package.json tests/a11y/package-lock.json
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null)
	npm ci --prefix tests/a11y --no-audit --no-fund --silent
	touch $@

demo: $(VENV)/.installed
	$(BIN)/observatoire demo --force

check: $(VENV)/.installed
	$(BIN)/observatoire check

clean:
	rm -rf $(VENV) tests/a11y/node_modules data/snapshots data/reference data/manifest.json
