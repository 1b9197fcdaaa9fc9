"""Shared fixtures: the real app served on a free loopback port, and Debian's Chromium for Playwright."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from http_api import start_app, stop_app  # noqa: E402,F401 (tests import them from here too)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def app_server():
    """(process, base URL) of the real Gradio server running app.py on the shipped weights (one per test session)."""
    proc, url = start_app()
    yield proc, url
    stop_app(proc)


@pytest.fixture(scope="session")
def app_url(app_server):
    """Base URL of the real Gradio server."""
    return app_server[1]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium, never a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def static_site(tmp_path_factory):
    """A folder written by `export-web` with its default models (once per test session)."""
    from mnistdemo.static_site import export_site

    out = tmp_path_factory.mktemp("site")
    export_site(out)
    return out
