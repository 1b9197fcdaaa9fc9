"""The Gradio app: one module per tab; `build_demo()` composes them. Only this package imports gradio."""

import os

import gradio as gr

from mnistdemo import configure_threads
from mnistdemo.ui.texts import I18N, LANGUAGE_JS, t, text

MAX_FILE_SIZE = "10mb"  # uploads above this get HTTP 413 before any work is done
TRAIN_CONCURRENCY_ID = "training"  # one training run at a time on the whole server
TAB_TITLES = ("Draw", "Whole numbers", "Train & compare")
# A plot's chart takes its block's full height below the label, which Gradio's own sizing ignores:
# with the Soft theme's label the x axis and its title were cut off.
CSS = """
.block:has(> .vega-embed) { display: flex; flex-direction: column; }
.block:has(> .vega-embed) > [data-testid=block-info] { align-self: flex-start; }
.block > .vega-embed { flex: 1 1 0; min-height: 0; }
"""


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
        # The page's language (a browser locale such as "zh-CN"), kept up to date by LANGUAGE_JS.
        lang = gr.Textbox(visible="hidden", elem_id="ui-lang")
        with gr.Tabs():
            with gr.Tab(t("Draw"), id="draw") as draw:
                model_choice = build_draw_tab(session_models, lang)
            with gr.Tab(t("Whole numbers"), id="numbers") as numbers:
                build_number_tab(lang)
            with gr.Tab(t("Train & compare"), id="train") as train:
                build_train_tab(session_models, model_choice, lang)
        # Gradio retitles a tab that is not showing only when it is opened: retitle all of them here.
        lang.change(retitle_tabs, lang, [draw, numbers, train], show_progress="hidden", api_visibility="private")
    demo.queue(max_size=256, default_concurrency_limit=8)
    return demo


def retitle_tabs(lang: str) -> list[gr.Tab]:
    return [gr.Tab(label=text(title, lang)) for title in TAB_TITLES]


def launch_options() -> dict:
    """Keyword arguments for `demo.launch()`; server name/port come from GRADIO_SERVER_* if set."""
    return {"max_file_size": MAX_FILE_SIZE, "theme": gr.themes.Soft(), "i18n": I18N, "js": LANGUAGE_JS, "css": CSS,
            "server_port": int(os.environ.get("GRADIO_SERVER_PORT", 7860))}
