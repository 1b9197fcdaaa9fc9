# The two commands of the README: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test data system-packages clean

run: $(VENV)/.runtime
	$(PY) app.py

test: $(VENV)/.dev system-packages data node_modules/.package-lock.json
	$(PY) -m pytest

data: $(VENV)/.runtime
	$(PY) -m mnistdemo.data fetch

# Debian's Chromium for the browser tests, Fashion-MNIST for offline machines, Node.js and npm for the static
# page. Only what is missing is installed: a Node.js build that brings its own npm conflicts with Debian's npm.
system-packages:
	@missing=""; \
	  [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	  [ -d /usr/share/datasets/fashion-mnist ] || missing="$$missing dataset-fashion-mnist"; \
	  command -v node >/dev/null || missing="$$missing nodejs"; \
	  command -v npm >/dev/null || missing="$$missing npm"; \
	  [ -z "$$missing" ] || ( $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $$missing )

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
