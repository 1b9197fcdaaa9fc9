# The two commands of the README: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := chromium dataset-fashion-mnist

.PHONY: run test data system-packages clean

run: $(VENV)/.runtime
	$(PY) app.py

test: $(VENV)/.dev system-packages data
	$(PY) -m pytest

data: $(VENV)/.runtime
	$(PY) -m mnistdemo.data fetch

# Debian's Chromium for the browser tests and Fashion-MNIST for offline machines.
system-packages:
	@[ -x /usr/bin/chromium ] && [ -d /usr/share/datasets/fashion-mnist ] || \
	  ( $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(APT_PACKAGES) )

$(VENV)/.runtime: requirements.txt
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
