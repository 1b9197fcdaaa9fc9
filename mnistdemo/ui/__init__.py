"""The Gradio app: one module per tab; `build_demo()` composes them. Only this package imports gradio."""

import os
import threading
from pathlib import Path

import gradio as gr

from mnistdemo import configure_threads
from mnistdemo.inference import SHIPPED
from mnistdemo.ui.texts import I18N, LANGUAGE_JS, t, text

MAX_FILE_SIZE = "10mb"  # uploads above this get HTTP 413 before any work is done
# Gradio's queue rebuilds a pandas summary of its last 10,000 events after every event (for its
# monitoring page): 4-12 ms of CPU per stroke here, growing through a lesson. Every 1,000 events is plenty.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
# Gradio 6.31's queue looks for work every 1 ms and for progress to send every 10 ms, even when
# idle: 8-10% of a core here, always. Every 5 ms and 50 ms: ~3%; an event starts at most 5 ms later
# (no event here reports progress).
QUEUE_POLL_SECONDS = 0.005
PROGRESS_POLL_SECONDS = 0.05
TRAIN_CONCURRENCY_ID = "training"  # the training events' own group: they wait on the worker pool's queue
PAGE_JS = Path(__file__).with_name("page.js")  # canvases ready to draw; whole numbers read after a pause
PAGE_CSS = Path(__file__).with_name("page.css")  # phones: the answer under the canvas, every tab in view
# Gradio scopes `css` to inside the app; the page's own margins need a plain style sheet.
PAGE_HEAD = "<style>@media (max-width: 640px) { .gradio-container .main.app { padding: 8px 6px !important; } }</style>"
TAB_TITLES = ("page.tab.draw", "page.tab.numbers", "page.tab.train")
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
        gr.Markdown(t("page.intro"), elem_id="intro")
        # name -> LoadedModel trained in this browser session. Gradio gives each session its own dict; the
        # Train tab's run stream alone changes it, in place (TrainSession.add adds a finished run's model
        # and drops the oldest's); the Draw tab and its inside panel only read it (ui/models.find_model).
        session_models = gr.State({})
        # The page's language (a browser locale such as "zh-CN"), kept up to date by LANGUAGE_JS.
        lang = gr.Textbox(visible="hidden", elem_id="ui-lang")
        with gr.Tabs():
            with gr.Tab(t("page.tab.draw"), id="draw") as draw:
                model_choice = build_draw_tab(session_models, lang)
            with gr.Tab(t("page.tab.numbers"), id="numbers") as numbers:
                build_number_tab(lang)
            with gr.Tab(t("page.tab.train"), id="train") as train:
                build_train_tab(session_models, model_choice, lang)
        # Gradio retitles a tab that is not showing only when it is opened: retitle all of them here.
        lang.change(retitle_tabs, lang, [draw, numbers, train], show_progress="hidden", api_visibility="private")
    demo.queue(max_size=256, default_concurrency_limit=8)
    # No public settings for these (tests/test_draw_tab.py checks that Gradio still reads them).
    demo._queue.sleep_when_free = QUEUE_POLL_SECONDS
    demo._queue.progress_update_sleep_when_free = PROGRESS_POLL_SECONDS
    # TensorFlow's first reads in a process take ~1 s: done now, beside start-up, not in a visitor's first stroke.
    threading.Thread(target=SHIPPED.warm_up, name="warm-up", daemon=True).start()
    return demo


def retitle_tabs(lang: str) -> list[gr.Tab]:
    return [gr.Tab(label=text(title, lang)) for title in TAB_TITLES]


def launch_options() -> dict:
    """Keyword arguments for `demo.launch()`; server name/port come from GRADIO_SERVER_* if set."""
    return {"max_file_size": MAX_FILE_SIZE, "theme": gr.themes.Soft(), "i18n": I18N,
            "js": f"() => {{\n{PAGE_JS.read_text()}\n({LANGUAGE_JS.strip()})();\n}}",
            "css": CSS, "css_paths": [PAGE_CSS], "head": PAGE_HEAD,
            "server_port": int(os.environ.get("GRADIO_SERVER_PORT", 7860))}
