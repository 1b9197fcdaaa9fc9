"""The real app (`python app.py`) on a free loopback port, for tests and benchmarks."""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_loopback(url: str) -> bool:
    """True for http://127.0.0.1, ::1 or localhost: a server on this machine."""
    return urllib.parse.urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def loopback_url(url: str) -> str:
    """A benchmark's `--url` (an argparse type): `url` when its server is on this machine."""
    if not is_loopback(url):
        raise argparse.ArgumentTypeError("must be on loopback (127.0.0.1 or localhost)")
    return url


def start_app(env_extra: dict | None = None, timeout: float = 300.0, log_dir: Path = REPO):
    """Start `python app.py` on a free loopback port; (process, base URL) once it answers."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", **(env_extra or {})}
    log = open(log_dir / f".app-test-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}; see {log.name}")
        try:
            httpx.get(url + "/gradio_api/info", timeout=2).raise_for_status()
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"app did not answer within {timeout} s; see {log.name}")


def app_at(url: str | None, env_extra: dict | None = None) -> tuple[subprocess.Popen | None, str]:
    """A benchmark's server: (None, `url`) for one already running there, else `python app.py` started now
    with its log in the temporary folder (process, base URL)."""
    if url:
        return None, url.rstrip("/")
    return start_app(env_extra, log_dir=Path(tempfile.gettempdir()))


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
