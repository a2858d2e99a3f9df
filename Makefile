# Two commands on a fresh machine (see README): `make start` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
AXE := tests/a11y/node_modules/axe-core/axe.min.js

REPLICAS ?= 2

.PHONY: start serve test demo check clean idp

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

IDP := tools/idp
$(IDP)/node_modules/.installed: $(IDP)/package.json $(IDP)/package-lock.json
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null)
	cd $(IDP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## idp: a local OpenID Connect provider with the demo accounts on http://127.0.0.1:9090 (see README, « Connexion »)
idp: $(IDP)/node_modules/.installed
	node $(IDP)/server.mjs

## serve: production start on one host: REPLICAS Streamlit processes behind nginx on http://127.0.0.1:$(PORT)
## (nginx installed from Debian with apt-get when missing and root; config, pid and logs in run/serve-$(PORT)/)
serve: $(VENV)/.installed
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)
	$(BIN)/observatoire demo --if-missing
	$(BIN)/python -m observatoire.serve --replicas $(REPLICAS) --port $(PORT)

## test: install (Chromium, nginx and npm too, when root and missing; the test identity provider, axe-core) and run
## every test, browser tests included
test: $(VENV)/.installed $(IDP)/node_modules/.installed $(AXE)
	@command -v chromium >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null)
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
