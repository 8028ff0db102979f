# The documented entry points: `make demo` and `make test` (both set up everything first).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test setup system-deps lint bench clean

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

demo: setup
	$(VENV)/bin/crmflow demo --out out/demo

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src/crmflow

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache
