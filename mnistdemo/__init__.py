"""mnistdemo: draw a digit and watch convolutional networks read it."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def configure_threads() -> None:
    """Size TensorFlow's thread pools to the cores this process may use (containers lie)."""
    import tensorflow as tf

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(cores)
        tf.config.threading.set_inter_op_parallelism_threads(min(2, cores))
    except RuntimeError:
        pass  # TensorFlow already initialised: keep what it has
