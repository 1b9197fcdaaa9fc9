"""mnistdemo: draw a digit and watch convolutional networks read it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def configure_threads(serving: bool = False, threads: int | None = None) -> None:
    """Size TensorFlow's thread pools to the cores this process may use (containers lie).

    A serving process (the app: training runs in worker processes) runs each op on one thread:
    a one-image prediction is ~0.5 ms faster without the hand-off, and concurrent visitors'
    predictions still spread over the cores. A training worker gets `threads`, its share of the cores.
    """
    import tensorflow as tf

    cores = threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1 if serving else cores)
        tf.config.threading.set_inter_op_parallelism_threads(1 if serving else min(2, cores))
    except RuntimeError:
        pass  # TensorFlow already initialised: keep what it has
