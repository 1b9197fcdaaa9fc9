"""The app's Gradio API over raw HTTP with httpx (gradio_client adds ~150 ms a call)."""

import functools
import json
from collections.abc import Iterable, Iterator

import httpx

from support.app import REPO


def upload(url: str, filename: str, data: bytes, timeout: float = 60, client: httpx.Client | None = None) -> str:
    """POST /gradio_api/upload as multipart; the server-side path of the file. `client`: see `events`."""
    response = (client or httpx).post(url + "/gradio_api/upload",
                                      files={"files": (filename, data, "application/octet-stream")}, timeout=timeout)
    return response.raise_for_status().json()[0]


def file_data(path: str, filename: str) -> dict:
    """The FileData an API client sends for an uploaded file."""
    return {"path": path, "orig_name": filename, "meta": {"_type": "gradio.FileData"}}


def server_sent_events(lines: Iterable[str]) -> Iterator[tuple[str | None, object]]:
    """A stream's lines -> (the latest `event:` name or None, the JSON of a `data:` line), one per data line."""
    event = None
    for line in lines:
        if line.startswith("event:"):
            event = line[len("event:"):].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[len("data:"):])


def events(url: str, api_name: str, data: list, session_hash: str | None = None,
           timeout: float = 600, client: httpx.Client | None = None) -> Iterator[tuple[str, object]]:
    """POST /gradio_api/call/<api_name>; yield its (event, data) pairs: generating..., complete | error.

    Closing the generator closes the stream, as a visitor closing the tab does. Without a `client` each
    request opens a connection of its own (and httpx spends ~20 ms setting a client up); a client keeps
    its connections, as a browser does."""
    http = client or httpx
    body = {"data": data} | ({"session_hash": session_hash} if session_hash else {})
    response = http.post(f"{url}/gradio_api/call/{api_name}", json=body, timeout=60)
    event_id = response.raise_for_status().json()["event_id"]
    with http.stream("GET", f"{url}/gradio_api/call/{api_name}/{event_id}", timeout=timeout) as stream:
        for event, payload in server_sent_events(stream.raise_for_status().iter_lines()):
            if event in ("generating", "complete", "error"):
                yield event, payload
                if event != "generating":
                    return


def call(url: str, api_name: str, data: list, session_hash: str | None = None,
         timeout: float = 60, client: httpx.Client | None = None) -> tuple[str, object]:
    """POST /gradio_api/call/<api_name> and wait for its result: ("complete" | "error", data)."""
    for event, payload in events(url, api_name, data, session_hash, timeout, client):
        if event != "generating":
            return event, payload
    raise RuntimeError(f"{api_name}: the stream ended without a result")


def predict_http(url: str, filename: str, data: bytes, model: str = "", session_hash: str | None = None,
                 client: httpx.Client | None = None) -> tuple[str, object]:
    """Upload + call + result, as any API client does."""
    path = upload(url, filename, data, client=client)
    return call(url, "predict", [file_data(path, filename), model], session_hash, client=client)


def top_label(result: object) -> str:
    """The gr.Label payload's top class."""
    return result[0]["label"]


def page_config(url: str, timeout: float = 30) -> dict:
    """GET /config: the page's components and dependencies (events)."""
    return httpx.get(url + "/config", timeout=timeout).raise_for_status().json()


@functools.cache
def _english_messages() -> dict[str, str]:
    """The English table, id -> text, read once (every streamed training status passes through `english`)."""
    return json.loads((REPO / "mnistdemo" / "ui" / "lang" / "en.json").read_text(encoding="utf-8"))["messages"]


def english(text: str) -> str:
    """A label as the page config holds it (`__i18n__{json}`, a message id, when translated) -> its English text."""
    marker = "__i18n__"
    if marker not in text:
        return text
    before, after = text.split(marker, 1)
    meta, end = json.JSONDecoder().raw_decode(after)
    return before + _english_messages().get(meta["key"], meta["key"]) + after[end:]


def train_inputs(url: str, api_name: str, settings: dict[str, object]) -> list:
    """The non-state inputs of a Train tab event: each control's default, overridden by label prefix."""
    config = page_config(url)
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
