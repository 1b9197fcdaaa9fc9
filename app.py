"""mnistdemo: draw a digit and watch convolutional networks read it."""

import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # start-up makes no outside calls

# Each training run's spawned process re-runs this file as "__mp_main__": it needs no app, nor gradio.
if __name__ != "__mp_main__":
    from mnistdemo.ui import build_demo, launch_options

    demo = build_demo()

if __name__ == "__main__":
    demo.launch(**launch_options())
