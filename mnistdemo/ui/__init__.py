"""The Gradio app: one module per tab; `build_demo()` composes them. Only this package imports gradio."""

import os

import gradio as gr

from mnistdemo import configure_threads
from mnistdemo.ui.texts import I18N, t

MAX_FILE_SIZE = "10mb"  # uploads above this get HTTP 413 before any work is done
TRAIN_CONCURRENCY_ID = "training"  # the training events' own group: they wait on the worker pool's queue


def build_demo() -> gr.Blocks:
    """The whole app: Draw tab and Train & compare tab sharing this session's models."""
    configure_threads(serving=True)
    from mnistdemo.ui.draw_tab import build_draw_tab
    from mnistdemo.ui.number_tab import build_number_tab
    from mnistdemo.ui.train_tab import build_train_tab

    with gr.Blocks(title="mnistdemo: draw a digit") as demo:
        gr.Markdown("# mnistdemo")
        gr.Markdown(t("Draw a digit and watch convolutional networks read it; train and compare networks live. "
                      "Language: Settings (at the foot of the page) → Language."))
        session_models = gr.State({})  # name -> LoadedModel trained in this browser session
        with gr.Tabs():
            with gr.Tab(t("Draw"), id="draw"):
                model_choice = build_draw_tab(session_models)
            with gr.Tab(t("Whole numbers"), id="numbers"):
                build_number_tab()
            with gr.Tab(t("Train & compare"), id="train"):
                build_train_tab(session_models, model_choice)
    demo.queue(max_size=256, default_concurrency_limit=8)
    return demo


def launch_options() -> dict:
    """Keyword arguments for `demo.launch()`; server name/port come from GRADIO_SERVER_* if set."""
    return {"max_file_size": MAX_FILE_SIZE, "theme": gr.themes.Soft(), "i18n": I18N,
            "server_port": int(os.environ.get("GRADIO_SERVER_PORT", 7860))}
