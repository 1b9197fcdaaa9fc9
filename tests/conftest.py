"""Shared fixtures: the real app served on a free loopback port, and Debian's Chromium for Playwright.

Helpers the tests share are in tests/support/ (`from support.app import start_app`, ...)."""

import pytest

from support.app import start_app, stop_app
from support.browser import CHROMIUM, CHROMIUM_ARGS


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
