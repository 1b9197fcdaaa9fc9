"""Batch and epoch events a training run streams (a Keras callback puts them into a queue or a pipe); no UI."""

from dataclasses import dataclass
from typing import Protocol

import keras

from mnistdemo.data import Dataset
from mnistdemo.train import TrainConfig


@dataclass(frozen=True)
class BatchEvent:
    epoch: float  # fractional epochs done, e.g. 1.5 = half-way through the second epoch
    step: int  # batches done in the whole run
    total_steps: int  # batches the run will take if nothing stops it
    loss: float  # this batch's loss (recovered from Keras's running mean)
    accuracy: float  # this batch's accuracy


@dataclass(frozen=True)
class EpochEvent:
    epoch: int  # 1-based
    logs: dict[str, float]  # loss, accuracy, val_loss, val_accuracy (as Keras logs them)


def train_size(config: TrainConfig, data: Dataset) -> int:
    """How many images one epoch of `config` trains on (its subset less its validation split)."""
    n = min(config.train_subset or len(data.x_train), len(data.x_train))
    return n - int(round(n * config.recipe.validation_split))


class EventSink(Protocol):
    """Where events go: a queue.Queue, or the pipe from a run's process to the server."""

    def put(self, item: object) -> None: ...


class EventReporter(keras.callbacks.Callback):
    """Puts a BatchEvent after every batch and an EpochEvent after every epoch into `events`.

    Give `samples` (images per epoch) and `batch_size` to make the last, smaller batch's values exact.
    """

    def __init__(self, events: EventSink, samples: int = 0, batch_size: int = 0):
        super().__init__()
        self.events, self.samples, self.batch_size = events, samples, batch_size
        self._epoch, self._steps, self._means = 0, 1, (0.0, 0.0)

    def on_train_begin(self, logs=None):
        self._steps = self.params.get("steps") or 1
        self._total = self._steps * self.params.get("epochs", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._means = epoch, (0.0, 0.0)

    def on_train_batch_end(self, batch, logs=None):
        # Keras logs the mean over the epoch's images so far; undo the running mean to get this batch's value.
        k = batch + 1
        size = before = 1.0
        if self.batch_size:
            before = batch * self.batch_size
            size = self.batch_size if not self.samples or k < self._steps else self.samples - before
        else:  # equal batches assumed
            before = batch
        means = (float(logs["loss"]), float(logs.get("accuracy", 0.0)))
        loss, accuracy = (((before + size) * m - before * p) / size for m, p in zip(means, self._means))
        self._means = means
        self.events.put(BatchEvent(epoch=self._epoch + k / self._steps, step=self._epoch * self._steps + k,
                                   total_steps=self._total, loss=loss, accuracy=accuracy))

    def on_epoch_end(self, epoch, logs=None):
        self.events.put(EpochEvent(epoch + 1, {key: float(value) for key, value in (logs or {}).items()}))


def time_left(event: BatchEvent, elapsed: float, first_batch_at: float) -> float:
    """Seconds still to go at `event`, from the pace since the first batch (which includes tracing)."""
    done = max(event.step - 1, 1)
    pace = max(elapsed - first_batch_at, 0.0) / done
    return pace * (event.total_steps - event.step)
