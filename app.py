"""mnistdemo: draw a digit and watch convolutional networks read it."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # start-up makes no outside calls

from mnistdemo.ui import build_demo, launch_options  # noqa: E402

demo = build_demo()

if __name__ == "__main__":
    demo.launch(**launch_options())
