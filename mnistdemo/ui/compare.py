"""The Train tab's per-session runs and what it shows of them: results, comparison, downloads."""

import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from gradio.components import Component

from mnistdemo import plots
from mnistdemo.checkpoints import save
from mnistdemo.config import CLASS_NAMES
from mnistdemo.data import cached_dataset
from mnistdemo.export import export_onnx, sidecar_path
from mnistdemo.runs import CompletedRun
from mnistdemo.workers import RunHandle
from mnistdemo.ui.texts import say, t, text, word

_log = logging.getLogger(__name__)

PLOT_HEIGHT = 300  # fixed: a streamed plot without one froze the page (NOTES.md)
MAX_RUNS = 12  # per session; the oldest run (and its model) goes when a 13th finishes
GALLERY_LIMIT = 48
EXPORT_CONCURRENCY_ID = "export"  # one conversion at a time on the server (0.5-13 s each, in this process)
BN_LAG_NOTE = t("train.results.bn_note")


class TrainSession:
    """One visitor's runs, Stop flag and download folder (kept in a gr.State).

    Ownership: Gradio makes one per browser session (`gr.State(TrainSession)` calls the class) and
    passes that same object to every Train tab handler of the session; the object is changed in
    place, only by the Train tab's handlers (`train_tab._wire` says which), and closed by Gradio
    when the session ends (`close`, the State's delete callback). Nothing outside the session holds it.
    """

    def __init__(self):
        self.runs: list[CompletedRun] = []
        self.stop = threading.Event()
        self.live: RunHandle | None = None  # this visitor's place on the run queued or training now
        self.counter = 0
        self._dir: Path | None = None

    def __deepcopy__(self, memo):
        """The session itself: it must stay, because Gradio 6.31 deep-copies a State's value as it makes it
        (`SessionState.__getitem__`: `deepcopy(value())` for a callable value), and a threading.Event cannot
        be copied. The instance is brand new and this session's own, so the copy may be the instance itself;
        Gradio copies nothing else (a State's new value is stored as returned). tests/test_train_tab.py checks
        Gradio still makes session values this way."""
        return self

    @property
    def dir(self) -> Path:
        """This session's own temp folder for downloads (created on first use)."""
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="mnistdemo-session-"))
        self._dir.mkdir(exist_ok=True)  # a temp cleaner may have removed it
        return self._dir

    def next_name(self, arch: str, label: str = "") -> str:
        """A generated run name (never user text): run03-lenet5_bn, run04-custom-k5."""
        self.counter += 1
        return "-".join(filter(None, [f"run{self.counter:02d}", arch, label]))

    def add(self, run: CompletedRun, session_models: dict) -> None:
        """Keep a finished run and offer its model to the Draw tab; drop the oldest past MAX_RUNS."""
        self.runs.append(run)
        session_models[run.name] = run.model
        while len(self.runs) > MAX_RUNS:
            old = self.runs.pop(0)
            session_models.pop(old.name, None)
            for path in old.files.values():
                Path(path).unlink(missing_ok=True)

    def get(self, name: str | None) -> CompletedRun | None:
        """The run called `name`, or the latest run if `name` is empty."""
        if not name:
            return self.runs[-1] if self.runs else None
        return next((r for r in self.runs if r.name == name), None)

    def close(self) -> None:
        """Leave any run (nobody else on it: it is dropped) and delete the download folder (Gradio calls
        this when the session ends)."""
        self.stop.set()
        live = self.live  # read once: the training thread clears it when its run ends
        if live is not None:
            live.close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def run_summary(run: CompletedRun, lang: str = "") -> str:
    """Markdown: test accuracy and loss, training time, epochs, and the batch-norm caveat when it bites."""
    m = run.meta
    history = m["history"]
    train_acc = history.get("accuracy", [float("nan")])[-1]
    stopped = " · **" + text("table.stopped_early", lang) + "**" if m.get("stopped_early") else ""
    # Rendered here in `lang`: Gradio translates only the first text of a Markdown value.
    lines = [f"### {run.name}",
             text("train.results.summary", lang)
             + f"**{m['test_accuracy']:.2%}** · {m['test_loss']:.4f} · {train_acc:.2%} · {m['params']:,} · "
               f"{m['epochs']} · {m['train_seconds']:.1f} s{stopped}"]
    uses_bn = any(type(layer).__name__ == "BatchNormalization" for layer in run.model.model.layers)
    if uses_bn and train_acc - m["test_accuracy"] > 0.03:
        lines.append("⚠️ " + text("train.results.bn_warning", lang))
    return "\n\n".join(lines)


def _class_names(run: CompletedRun, lang: str) -> list[str]:
    return [word(name, lang) for name in run.model.class_names]


def by_component(components: dict[str, Component], values: dict[str, Any]) -> dict[Component, Any]:
    """Values by view name (as `build_results` and `build_comparison` name their components) -> {component: value}."""
    return {components[name]: value for name, value in values.items()}


def run_outputs(session: TrainSession, name: str | None, lang: str = "") -> dict[str, Any]:
    """Results of one run in language `lang`, by `build_results`' names: summary, per-class bars, confusion
    table, layer table, download, and an emptied gallery of misclassified images with its caption."""
    run = session.get(name)
    cleared = {"gallery": [], "gallery_caption": say("train.results.gallery_hint")}
    if run is None:
        empty_confusion = plots.confusion_frame(np.zeros((10, 10)), CLASS_NAMES["mnist"]).iloc[:0]
        return {"summary": say("train.results.empty"), "bars": None,
                "confusion": empty_confusion.rename(columns=lambda h: word(h, lang)), "layers": None,
                "download": None, **cleared}
    names = _class_names(run, lang)
    # From 0: a bar chart that starts higher makes small differences between classes look large.
    bars = gr.BarPlot(plots.per_class_frame(run.evaluation.per_class, names), sort=names, y_lim=[0.0, 1.0])
    confusion = plots.confusion_frame(run.evaluation.confusion, names)
    corner = confusion.columns[0]  # "true \\ predicted"
    confusion = plots.confusion_styler(confusion.rename(columns={corner: word(corner, lang)}))
    layers = plots.model_summary_frame(run.model.model)
    return {"summary": run_summary(run, lang), "bars": bars, "confusion": confusion,
            "layers": layers.rename(columns=lambda h: word(h, lang)), "download": model_file(session, run), **cleared}


def model_file(session: TrainSession, run: CompletedRun) -> str:
    """Write the run's `.keras` (and sidecar) into the session folder once; return its path."""
    if not Path(run.files.get("keras", "")).is_file():
        run.files["keras"] = str(save(run.model.model, run.meta, session.dir))
        run.files["json"] = str(session.dir / f"{run.name}.json")
    return run.files["keras"]


def onnx_file(session: TrainSession, name: str | None, lang: str) -> str:
    """Convert the run's model to ONNX in the session folder once (on request: it takes a second or more)."""
    run = session.get(name)
    if run is None:
        raise gr.Error(text("train.results.no_run", lang))
    if not Path(run.files.get("onnx", "")).is_file():
        try:
            path = export_onnx(run.model, session.dir, source=Path(model_file(session, run)))
        except Exception as error:  # a converter failure: say so, keep serving (the .keras download still works)
            _log.exception("ONNX export of %s failed", run.name)
            raise gr.Error(text("train.results.onnx_failed", lang)) from error
        run.files |= {"onnx": str(path), "onnx_json": str(sidecar_path(path))}
    return run.files["onnx"]


def wire_onnx_download(session: gr.State, results: dict, lang: gr.Textbox) -> None:
    """The ONNX button converts, fills the hidden download button, then clicks it: one click for the visitor."""
    results["onnx"].click(onnx_file, [session, results["run"], lang], results["onnx_file"],
                          concurrency_id=EXPORT_CONCURRENCY_ID, concurrency_limit=1,
                          api_visibility="undocumented").success(
        None, None, None, js="() => document.querySelector('#train-onnx-file')?.click()")


def misclassified(session: TrainSession, name: str | None, lang: str, evt: gr.SelectData) -> tuple[list, str]:

    """Gallery of test images behind a confusion-matrix cell (a diagonal cell: that class's errors)."""
    run = session.get(name)
    if run is None or not isinstance(evt.index, (list, tuple)):
        return [], say("train.results.no_run")
    true, column = evt.index
    names = _class_names(run, lang)
    pred = None if column == 0 or column - 1 == true else column - 1
    data = cached_dataset(run.meta["dataset"])
    picked = run.evaluation.misclassified(data.y_test, true=true, pred=pred)
    what = f"**{names[true]}** → **{names[pred] if pred is not None else '≠ ' + names[true]}**"
    images = []
    for i in picked[:GALLERY_LIMIT]:
        p = int(run.evaluation.predicted[i])
        big = np.kron(255 - data.x_test[i], np.ones((4, 4), np.uint8))  # dark ink on white, 112 x 112
        images.append((big, f"{names[data.y_test[i]]} → {names[p]} ({run.evaluation.probabilities[i, p]:.0%})"))
    shown = f" ({GALLERY_LIMIT}/{len(picked)})" if len(picked) > GALLERY_LIMIT else ""
    return images, say("train.results.gallery_caption", f"{len(picked)}{shown} · {what}")


def _legend(colors: dict[str, str]) -> str:
    items = " ".join(f'<span style="white-space:nowrap"><span style="color:{c}">■</span> {name}</span>'
                     for name, c in colors.items())  # names are generated (runNN-arch-label), never user text
    return f"<div style='font-size:0.9em'>{items}</div>"


def comparison_outputs(session: TrainSession, lang: str = "") -> dict[str, Any]:
    """By `build_comparison`'s names: the table (in language `lang`), its CSV download, loss and accuracy
    overlays and their legend."""
    metas = [r.meta for r in session.runs]
    table = plots.comparison_frame(metas, [r.experiment for r in session.runs], words=lambda w: word(w, lang))
    csv = None
    if len(table):
        csv = session.dir / "runs.csv"
        plots.comparison_frame(metas, [r.experiment for r in session.runs]).to_csv(csv, index=False)
    colors = plots.run_colors([r.name for r in session.runs])
    curves = {r.name: r.batches for r in session.runs}
    return {"table": table.rename(columns=lambda h: word(h, lang)), "csv": str(csv) if csv else None,
            "overlay_loss": gr.LinePlot(plots.overlay_frame(curves, "loss"), color_map=colors),
            "overlay_accuracy": gr.LinePlot(plots.overlay_frame(curves, "accuracy"), color_map=colors),
            "legend": _legend(colors)}


def build_results() -> dict[str, gr.components.Component]:
    """Layout of one run's results; returns its components by name."""
    r: dict[str, gr.components.Component] = {}
    gr.Markdown(t("train.results.heading"))
    r["run"] = gr.Dropdown([], label=t("train.results.run"), interactive=True, elem_id="train-run")
    r["summary"] = gr.Markdown(say("train.results.empty"), elem_id="train-summary")
    with gr.Row():
        r["bars"] = gr.BarPlot(x="class", y="accuracy", height=PLOT_HEIGHT,
                               label=t("train.results.bars_label"),
                               x_title=t("table.class"), y_title=t("table.test_accuracy"), y_lim=[0.0, 1.0], scale=2,
                               elem_id="train-bars")
        r["confusion"] = gr.Dataframe(
            headers=["true \\ predicted", *CLASS_NAMES["mnist"]], interactive=False, scale=3, max_height=440,
            label=t("train.results.confusion_label"), column_widths=["20%"] + ["8%"] * 10,
            elem_id="train-confusion")
    r["gallery_caption"] = gr.Markdown(say("train.results.gallery_hint"))
    r["gallery"] = gr.Gallery(label=t("train.results.gallery_label"), columns=12, height=260,
                              allow_preview=False,
                              elem_id="train-errors")
    with gr.Accordion(t("train.results.layers_title"), open=False):
        r["layers"] = gr.Dataframe(interactive=False, max_height=400)
    with gr.Row():
        r["download"] = gr.DownloadButton(t("train.results.download_keras"), size="sm")
        r["onnx"] = gr.Button(t("train.results.download_onnx"), size="sm", elem_id="train-onnx")
        r["onnx_file"] = gr.DownloadButton(t("train.results.download_onnx"), visible="hidden",
                                           elem_id="train-onnx-file")
    gr.Markdown(BN_LAG_NOTE)
    return r


def build_comparison() -> dict[str, gr.components.Component]:
    """Layout of the session's comparison; returns its components by name."""
    c: dict[str, gr.components.Component] = {}
    gr.Markdown(t("train.compare.heading"))
    # Widths that fit each header whole (the table scrolls sideways where the page is narrower).
    c["table"] = gr.Dataframe(headers=plots.COMPARISON_COLUMNS, interactive=False, max_height=360,
                              column_widths=["130px", "150px", "150px", "90px", "90px", "380px", "110px", "110px",
                                             "120px", "150px"], elem_id="train-runs")
    c["csv"] = gr.DownloadButton(t("train.compare.download_csv"), size="sm")
    with gr.Row():
        # Over fractional epochs, smoothed per batch: a one-epoch run draws a curve, not a dot.
        c["overlay_loss"] = gr.LinePlot(x="epoch", y="loss", color="run", height=PLOT_HEIGHT, x_lim=[0, None],
                                        label=t("train.compare.loss_label"), x_title=t("plot.epoch"),
                                        y_title=t("plot.loss"),
                                        colors_in_legend=[], elem_id="train-overlay-loss")
        c["overlay_accuracy"] = gr.LinePlot(x="epoch", y="accuracy", color="run", height=PLOT_HEIGHT,
                                            x_lim=[0, None], y_lim=[0.0, 1.0],
                                            label=t("train.compare.accuracy_label"),
                                            x_title=t("plot.epoch"), y_title=t("plot.accuracy"), colors_in_legend=[],
                                            elem_id="train-overlay-accuracy")
    c["legend"] = gr.HTML("")
    return c
