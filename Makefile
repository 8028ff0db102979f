# The documented entry points: `make demo` and `make test` (both set up everything first).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
BPMNJS := web/bpmnjs
BPMNJS_STAMP := $(BPMNJS)/node_modules/.installed-$(shell cat $(BPMNJS)/package-lock.json | cksum | cut -d' ' -f1)
WEBAPP := web/app
WEBAPP_STAMP := $(WEBAPP)/node_modules/.installed-$(shell cat $(WEBAPP)/package-lock.json | cksum | cut -d' ' -f1)

.PHONY: demo test setup system-deps lint bench screenshots clean

setup: $(STAMP) system-deps

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Graphviz (`dot`) draws the process maps. Installed with apt-get where we can; otherwise we say how.
system-deps:
	@if command -v dot >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Graphviz (apt-get install graphviz)…"; \
		(apt-get install -y -qq graphviz >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq graphviz >/dev/null)) \
		|| echo "WARNING: could not install Graphviz; process maps will be replaced by tables."; \
	else \
		echo "WARNING: Graphviz is missing: install it (Debian/Ubuntu: sudo apt-get install graphviz;" \
		     "macOS: brew install graphviz; Windows: winget install graphviz). Process maps need it."; \
	fi
# Debian's Chromium and bpmn-js (npm, pinned by web/bpmnjs/package-lock.json) for the bpmn-js import tests
# and the docs screenshots. Playwright never downloads a browser of its own: it drives /usr/bin/chromium.
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Chromium (apt-get install chromium)…"; \
		(apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)) \
		|| echo "WARNING: could not install Chromium; the bpmn-js import tests will be skipped."; \
	else \
		echo "WARNING: Chromium is missing: install it (Debian/Ubuntu: sudo apt-get install chromium)" \
		     "to run the bpmn-js import tests; they are skipped without it."; \
	fi
	@if [ -f $(BPMNJS_STAMP) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		echo "Installing bpmn-js and playwright-core (npm ci in $(BPMNJS))…"; \
		(cd $(BPMNJS) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
		&& touch $(BPMNJS_STAMP) \
		|| echo "WARNING: npm ci failed in $(BPMNJS); the bpmn-js import tests will be skipped."; \
	else \
		echo "WARNING: Node.js/npm is missing: install it (Debian/Ubuntu: sudo apt-get install nodejs npm)" \
		     "to run the bpmn-js import tests; they are skipped without it."; \
	fi
# The web app's front-end libraries (cytoscape, cytoscape-dagre, echarts, bpmn-js; npm, pinned by web/app/package-lock.json),
# served by `crmflow serve` from web/app/node_modules: offline, no CDN.
	@if [ -f $(WEBAPP_STAMP) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		echo "Installing the web app's front-end libraries (npm ci in $(WEBAPP))…"; \
		(cd $(WEBAPP) && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
		&& rm -f $(WEBAPP)/node_modules/.installed-* && touch $(WEBAPP_STAMP) \
		|| echo "WARNING: npm ci failed in $(WEBAPP); crmflow serve will show pages without maps and charts."; \
	else \
		echo "WARNING: Node.js/npm is missing: install it (Debian/Ubuntu: sudo apt-get install nodejs npm)" \
		     "for the web app's maps and charts (crmflow serve)."; \
	fi

demo: setup
	$(VENV)/bin/crmflow demo --out out/demo
	@$(VENV)/bin/crmflow import out/demo/data/bitrix_stage_history.csv --into out/demo/bitrix24.duckdb >/dev/null
	@mkdir -p out/demo/bitrix24.web && cp out/demo/data/rules_bitrix.yaml out/demo/bitrix24.web/rules.yaml
	@echo "The web app on the demo project (first admin, then the server; open http://127.0.0.1:8000/):"
	@echo "  $(VENV)/bin/crmflow users add admin --role admin --data out/demo/web"
	@echo "  $(VENV)/bin/crmflow serve out/demo/bitrix24.duckdb --data out/demo/web"

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src/crmflow

bench: setup
	$(PY) bench/run.py

# The bpmn-js screenshots of docs/bpmn.md (docs/img/asis-*-bpmnjs.png).
screenshots: setup
	$(PY) bench/screenshots.py

clean:
	rm -rf $(VENV) out .pytest_cache
