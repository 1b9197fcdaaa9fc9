# The two commands of the README: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := chromium dataset-fashion-mnist nodejs npm

.PHONY: run test data system-packages clean

run: $(VENV)/.runtime
	$(PY) app.py

test: $(VENV)/.dev system-packages data node_modules/.package-lock.json
	$(PY) -m pytest

data: $(VENV)/.runtime
	$(PY) -m mnistdemo.data fetch

# Debian's Chromium for the browser tests, Fashion-MNIST for offline machines, Node.js for the static page.
system-packages:
	@[ -x /usr/bin/chromium ] && [ -d /usr/share/datasets/fashion-mnist ] && command -v node >/dev/null && \
	  command -v npm >/dev/null || \
	  ( $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(APT_PACKAGES) )

$(VENV)/.runtime: requirements.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# ONNX Runtime Web at the version package-lock.json pins, for `python -m mnistdemo export-web`.
node_modules/.package-lock.json: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund

clean:
	rm -rf $(VENV) .pytest_cache node_modules
