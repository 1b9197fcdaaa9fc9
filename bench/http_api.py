"""Raw HTTP to the app's Gradio API (no gradio_client: it adds ~150 ms a call), and a local server."""

import json
from collections.abc import Iterator
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def upload(url: str, filename: str, data: bytes, timeout: float = 60) -> str:
    """POST /gradio_api/upload as multipart; the server-side path of the file."""
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(url + "/gradio_api/upload", body,
                                     {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())[0]


def file_data(path: str, filename: str) -> dict:
    """The FileData an API client sends for an uploaded file."""
    return {"path": path, "orig_name": filename, "meta": {"_type": "gradio.FileData"}}


def events(url: str, api_name: str, data: list, session_hash: str | None = None,
           timeout: float = 600) -> Iterator[tuple[str, object]]:
    """POST /gradio_api/call/<api_name>; yield its (event, data) pairs: generating..., complete | error."""
    body = {"data": data} | ({"session_hash": session_hash} if session_hash else {})
    request = urllib.request.Request(f"{url}/gradio_api/call/{api_name}", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id = json.loads(response.read())["event_id"]
    event = None
    with urllib.request.urlopen(f"{url}/gradio_api/call/{api_name}/{event_id}", timeout=timeout) as stream:
        for raw in stream:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event: "):
                event = line[len("event: "):]
            elif line.startswith("data: ") and event in ("generating", "complete", "error"):
                yield event, json.loads(line[len("data: "):])
                if event != "generating":
                    return


def call(url: str, api_name: str, data: list, session_hash: str | None = None,
         timeout: float = 60) -> tuple[str, object]:
    """POST /gradio_api/call/<api_name> and wait for its result: ("complete" | "error", data)."""
    for event, payload in events(url, api_name, data, session_hash, timeout):
        if event != "generating":
            return event, payload
    raise RuntimeError(f"{api_name}: the stream ended without a result")


def english(text: str) -> str:
    """A label as the page config holds it (`__i18n__{json}`, a message id, when translated) -> its English text."""
    marker = "__i18n__"
    if marker not in text:
        return text
    before, after = text.split(marker, 1)
    meta, end = json.JSONDecoder().raw_decode(after)
    messages = json.loads((REPO / "mnistdemo" / "ui" / "lang" / "en.json").read_text(encoding="utf-8"))["messages"]
    return before + messages.get(meta["key"], meta["key"]) + after[end:]


def train_inputs(url: str, api_name: str, settings: dict[str, object]) -> list:
    """The non-state inputs of a Train tab event: each control's default, overridden by label prefix."""
    with urllib.request.urlopen(url + "/config", timeout=30) as response:
        config = json.loads(response.read())
    components = {c["id"]: c for c in config["components"]}
    event = next(d for d in config["dependencies"] if d.get("api_name") == api_name)
    values = []
    for component in (components[i] for i in event["inputs"]):
        if component["type"] == "state":
            continue
        label = english(component["props"].get("label") or "")
        values.append(next((v for prefix, v in settings.items() if label.startswith(prefix)),
                           component["props"].get("value")))
    return values


def predict_http(url: str, filename: str, data: bytes, model: str = "",
                 session_hash: str | None = None) -> tuple[str, object]:
    """Upload + call + result, as any API client does."""
    return call(url, "predict", [file_data(upload(url, filename, data), filename), model], session_hash)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env_extra: dict | None = None, timeout: float = 300.0, log_dir: Path = REPO):
    """Start `python app.py` on a free loopback port; (process, base URL) once it answers."""
    import os

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
            urllib.request.urlopen(url + "/gradio_api/info", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"app did not answer within {timeout} s; see {log.name}")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
