"""Training runs through the real server's Train tab events, as its Start and Stop buttons make them."""

import threading
import uuid
from dataclasses import dataclass, field

import httpx

from support.api import call, english, events, train_inputs

# A tiny run (seconds): the Train tab's controls by label prefix; controls not named keep their defaults.
# Runs with the same settings are trained once for everybody: give each test its own "Seed".
TINY_RUN = {"Data set": "mnist", "Architecture": "custom", "Conv + pool blocks": 1, "Kernel size": 3,
            "Filters in the first block": 8, "Dense hidden layer": 0, "Batch normalisation": False,
            "Optimiser": "adam", "Learning-rate schedule": "constant", "Learning rate": 1e-3, "Batch size": 128,
            "Epochs": 1, "Training images": 1000, "Validation split": 0.0, "ReduceLROnPlateau": False,
            "EarlyStopping": False, "Augmentation": False, "Seed": 0}


def request_stop(url: str, session_hash: str) -> None:
    """Press Stop for a session: the Train tab's unqueued stop event, POST /gradio_api/run/request_stop."""
    httpx.post(f"{url}/gradio_api/run/request_stop", json={"data": [None], "session_hash": session_hash},
               timeout=30).raise_for_status()


@dataclass
class TrainingRun:
    """One training run in a background thread, as the Train tab's Start button makes it."""

    url: str
    settings: dict
    session: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:12]}")
    statuses: list[str] = field(default_factory=list)  # the status HTML of every streamed update, in English
    outcome: str = ""  # "complete" or "error" once finished
    error: object = None
    started: threading.Event = field(default_factory=threading.Event)  # first batch reported
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> "TrainingRun":
        """Press Start (prepare, then the queued training event) and stream it in a thread."""
        inputs = train_inputs(self.url, "train_one", self.settings)
        event, status = call(self.url, "prepare", inputs, self.session)
        if event != "complete":
            raise RuntimeError(f"training refused: {status}")
        self.statuses.append(english(status[0]))
        self._thread = threading.Thread(target=self._stream, args=(inputs,), daemon=True)
        self._thread.start()
        return self

    def _stream(self, inputs: list) -> None:
        try:
            for event, data in events(self.url, "train_one", inputs, self.session):
                if event == "error":
                    self.outcome, self.error = event, data
                elif isinstance(data, list) and isinstance(data[0], str):
                    self.statuses.append(english(data[0]))
                    if "batch " in self.statuses[-1]:
                        self.started.set()
                if event == "complete":
                    self.outcome = event
        except Exception as error:  # reported by the caller
            self.outcome, self.error = "error", repr(error)
        finally:
            self.started.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float = 600) -> str:
        """Block until the run ends (or `timeout`); its outcome, "" if still running."""
        if self._thread is not None:
            self._thread.join(timeout)
        return "" if self.running else self.outcome

    def stop(self, timeout: float = 120) -> None:
        """Press Stop and wait for the run to end (it keeps the model trained so far)."""
        request_stop(self.url, self.session)
        self._thread.join(timeout)
