"""Train & compare tab: set up a CNN, watch it train live, read its results, compare the session's runs."""

import asyncio
import html
import math
import time
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import gradio as gr
from gradio.components import Component
import numpy as np

from mnistdemo import plots
from mnistdemo.architectures import ARCHITECTURES, CustomCNN, Recipe
from mnistdemo.config import DATASET_TITLES, DATASETS
from mnistdemo.events import BatchEvent, time_left
from mnistdemo.presets import (FAST, QUICK, SWEEPS, is_small_run, measured_small_runs, run_batches, small_run_figures,
                               sweep_configs)
from mnistdemo.live import RunFailed
from mnistdemo.train import TrainConfig, report_recipe
from mnistdemo.workers import RunHandle, TrainingPool
from mnistdemo.ui import TRAIN_CONCURRENCY_ID
from mnistdemo.ui.compare import (PLOT_HEIGHT, TrainSession, build_comparison, build_results, by_component,
                                  comparison_outputs, misclassified, run_outputs, wire_onnx_download)
from mnistdemo.ui.draw_tab import model_choices
from mnistdemo.ui.texts import WORDS, error_message, say, t, text, word

UPDATE_EVERY = 0.5  # seconds between streamed plot updates (LinePlot stays responsive at <= 2/s)
QUEUE_EVERY = 1.0  # seconds between updates of a waiting visitor's place and countdown
POLL = 0.1  # seconds between looks at a run's new events
RECIPE_FIELDS = [f.name for f in fields(Recipe)]
CUSTOM_FIELDS = [f.name for f in fields(CustomCNN)]
LIVE_COLORS = {"per batch": "#9ecae9", "smoothed": "#1f5fa8", "validation": "#f58518"}
# Each architecture's provenance (Architecture.source and .notes), as one message.
ARCH_NOTES = {"tf2_cnn_dense1024": "arch.note.tf2_cnn_dense1024", "tf2_cnn": "arch.note.tf2_cnn",
              "resnet_block_3x3": "arch.note.resnet", "resnet_block_5x5": "arch.note.resnet",
              "fashion_cnn": "arch.note.fashion_cnn", "lenet5_bn": "arch.note.lenet5_bn",
              "pytorch_tutorial_cnn": "arch.note.pytorch_tutorial_cnn", "best_mnist": "arch.note.best",
              "best_fashion": "arch.note.best"}
SCHEDULES = {"constant": "train.setup.schedule.constant", "cosine": "train.setup.schedule.cosine",
             "onecycle": "train.setup.schedule.onecycle"}
# Settings a person can leave empty, and the label that names them in the message.
FIELD_LABELS = {"learning_rate": "train.setup.learning_rate", "batch_size": "train.setup.batch_size",
                "momentum": "train.setup.momentum",
                "seed": "train.setup.seed", "dense_units": "train.setup.dense_units"}


def _arch_info(arch: str) -> str:
    if arch == "custom":
        return say("train.setup.custom_info")
    a = ARCHITECTURES[arch]
    return say("train.setup.parameters", f"**{a.params:,}**")


def _arch_note(arch: str) -> str:
    if arch == "custom":
        return ""
    return say(ARCH_NOTES[arch])


@dataclass(frozen=True)
class SetupViews:
    """The set-up column: `controls` by TrainConfig/Recipe/CustomCNN field name, `widgets` (texts, buttons) by name."""

    controls: dict[str, Component]
    widgets: dict[str, Component]

    def show(self, values: dict[str, Any]) -> dict[Component, Any]:
        """{component: value} for a handler to return, from values by control or widget name."""
        return {{**self.controls, **self.widgets}[name]: value for name, value in values.items()}


def _arch_texts(arch: str) -> dict[str, Any]:
    return {"arch_info": _arch_info(arch), "arch_note": _arch_note(arch),
            "custom_group": gr.update(visible=arch == "custom")}


def on_arch_change(arch: str) -> dict[str, Any]:
    """By control/widget name: the report's recipe in the recipe controls, the custom controls shown for "custom"."""
    return {**_arch_texts(arch), **asdict(report_recipe(arch))}


def preset_values(config: TrainConfig) -> dict[str, Any]:
    """By control/widget name: a preset's data set, architecture, custom CNN, recipe and training images."""
    return {"dataset": config.dataset, "arch": config.arch, **_arch_texts(config.arch),
            **(asdict(config.custom) if config.custom else {}),
            **asdict(config.recipe), "train_subset": config.train_subset or 60_000}


def _typed(name: str, value: Any, template: object, lang: str) -> Any:
    if value is None or value == "":
        setting = text(FIELD_LABELS[name], lang) if name in FIELD_LABELS else name
        raise gr.Error(text("train.error.fill_in", lang) + " " + setting)
    return type(getattr(template, name))(value)


def config_from_values(values: dict[str, Any], arch: str | None = None, lang: str = "") -> TrainConfig:
    """Control values (by field name) -> TrainConfig; gr.Error with a plain message (in `lang`) if one is off."""
    recipe = Recipe(**{n: _typed(n, values[n], Recipe(), lang) for n in RECIPE_FIELDS})
    custom = CustomCNN(**{n: _typed(n, values[n], CustomCNN(), lang) for n in CUSTOM_FIELDS})
    arch = arch or values["arch"]
    if recipe.learning_rate <= 0 or recipe.learning_rate > 1:
        raise gr.Error(text("train.error.learning_rate", lang))
    if not 0 <= recipe.validation_split <= 0.5:
        raise gr.Error(text("train.error.validation_split", lang))
    return TrainConfig(arch=arch, dataset=values["dataset"], recipe=recipe,
                       custom=custom if arch == "custom" else None,
                       train_subset=int(values["train_subset"]), seed=int(values["seed"] or 0))


def _status(html: str) -> str:
    return f'<div class="train-status">{html}</div>'


def _start_status(pool: TrainingPool) -> str:
    """Shown at once on Start, before the run reaches the pool."""
    if pool.busy():
        return _status("⏳ " + say("train.status.busy"))
    return _status(say("train.status.starting"))


def _queued(handle: RunHandle) -> str:
    return _status("⏳ " + say("train.status.queued", f": <b>{handle.place}</b> · ~{math.ceil(handle.starts_in)} s"))


def _progress(title: str, event: BatchEvent, handle: RunHandle, epochs: int) -> str:
    left = time_left(event, handle.elapsed, handle.first_batch)
    numbers = (f"<b>{title}</b> · {min(math.ceil(event.epoch), epochs)}/{epochs} · {event.step}/{event.total_steps}"
               f" · {handle.elapsed:.0f} s · ~{left:.0f} s")
    line = (say("train.status.training", f": {numbers}") if not handle.others else
            say("train.status.training_shared", f": <b>{handle.others}</b> · {numbers}"))
    return _status(line + f'<br><progress value="{event.step / event.total_steps:.3f}" max="1" '
                          'style="width:100%"></progress>')


def _stopped(what: str, others: int = 0) -> str:
    """The status after Stop, by what it did to this visitor's run (RunHandle.stop's answer)."""
    if what == "left queue":
        return _status(say("train.status.left_queue"))
    if what == "left shared":
        return _status(say("train.status.left_shared", f" {others}"))
    return _status(say("train.status.stopping"))


def limits_note(values: dict[str, Any], lang: str = "") -> str:
    """Markdown saying when the settings make too small a run to show what the network can do, with measured figures."""
    try:
        config = config_from_values(values, lang=lang)
    except gr.Error:
        return ""
    if not is_small_run(config):
        return ""
    note = f"⚠️ {text('train.limits.small_run', lang)} {run_batches(config):,} {text('train.limits.batches', lang)}"
    if figures := measured_small_runs(config):
        measured = " · ".join(f"{n:,} {text('train.limits.images', lang)} → {accuracy:.1%}"
                              for n, accuracy in sorted(figures.items()))
        note += f" {text('train.limits.measured', lang)} {measured}."
    quick = small_run_figures().get("custom", {}).get(QUICK.train_subset)
    if quick:
        note += f" {text('train.limits.quick_reaches', lang)} {quick:.1%}."
    return note


def _live_plots(batches: list, history: dict, lang: str = "", epochs: int = 1) -> dict[str, gr.LinePlot]:
    """Live loss and accuracy curves (by view name) over fractional epochs, legends in `lang`, x to the run's end."""
    batches = np.array(batches).reshape(-1, 3)
    colors = {word(series, lang): color for series, color in LIVE_COLORS.items()}
    out = {}
    for metric in ("loss", "accuracy"):
        frame = plots.curve_frame(batches, history, metric)
        frame["series"] = frame["series"].map(lambda series: word(series, lang))
        out[f"{metric}_plot"] = gr.LinePlot(frame, color_map=colors, x_lim=[0, epochs])
    return out


async def _follow(handle: RunHandle, title: str, epochs: int, batches: list, history: dict):
    """Take a run's events into `batches` and `history` until it is done; yield (status, whether the curves grew)."""
    last, said_evaluating = 0.0, False
    while True:
        state, newest = handle.state, None  # the state first: once done, every event is there to take
        for event in handle.events():
            if isinstance(event, BatchEvent):
                batches.append((event.epoch, event.loss, event.accuracy))
                newest = event
            else:
                for key, value in event.logs.items():
                    history.setdefault(key, []).append(value)
        if state == "done":
            return
        now = time.monotonic()
        if state == "queued" and now - last >= QUEUE_EVERY:
            last = now
            yield _queued(handle), False
        elif state == "evaluating" and not said_evaluating:
            said_evaluating = True
            yield _status(say("train.status.evaluating", f" <b>{title}</b>")), True
        elif state == "training" and newest and now - last >= UPDATE_EVERY:
            last = now
            yield _progress(title, newest, handle, epochs), True
        await asyncio.sleep(POLL)


def _done_status(run, handle: RunHandle) -> str:
    figures = f"<b>{run.name}</b> · {run.meta['test_accuracy']:.2%} · {run.meta['train_seconds']:.1f} s"
    if run.meta["stopped_early"]:
        return _status(say("train.status.stopped_early", figures))
    if handle.joined_finished:
        return _status(say("train.status.done_already", f"{figures} · {handle.others}"))
    if handle.others:
        return _status(say("train.status.done_shared", f"{figures} · {handle.others}"))
    return _status(say("train.status.done", figures))


@dataclass(frozen=True)
class RunViews:
    """What a run's stream writes; its handlers return {component: value} for what changed (the rest stays)."""

    live: dict[str, Component]  # "status", "loss_plot", "accuracy_plot" (_live_column)
    run: gr.Dropdown  # the results' run list
    model_choice: gr.Dropdown  # the Draw tab's model list
    comparison: dict[str, Component]  # "table", "csv", "overlay_loss", "overlay_accuracy", "legend" (build_comparison)

    @property
    def outputs(self) -> list[Component]:
        return [*self.live.values(), self.run, self.model_choice, *self.comparison.values()]

    def status(self, html: str) -> dict[Component, Any]:
        return {self.live["status"]: html}


async def stream_runs(pool: TrainingPool, session: TrainSession, session_models: dict,
                      jobs: list[tuple[str, TrainConfig]], views: RunViews, experiment: str = "", lang: str = ""):
    """Train each job in turn on the pool, yielding live updates <= 2/s as {component: value} for `views`'
    components, then add the model to this session (`session` and `session_models` are this visitor's)."""
    for number, (label, config) in enumerate(jobs, 1):
        if session.stop.is_set():
            yield views.status(_status(say("train.status.stopped")))
            return
        name = session.next_name(config.arch, label)
        title = f"{name} ({number} of {len(jobs)})" if len(jobs) > 1 else name
        batches, history = [], {}
        try:
            session.live = handle = pool.submit(config, name)  # queued, or joined to the same run
            async for progress, grew in _follow(handle, title, config.recipe.epochs, batches, history):
                curves = (await asyncio.to_thread(_live_plots, batches, history, lang, config.recipe.epochs)
                          if grew else {})
                yield {**views.status(progress), **by_component(views.live, curves)}
            if handle.left:  # Stop while queued, or on a run others go on with
                yield views.status(_stopped(handle.how_left, handle.others))
                return
            run = replace(await asyncio.to_thread(handle.wait), experiment=experiment)
        except (ValueError, RunFailed) as error:  # a recipe train() refuses, or the worker died
            yield views.status(_status("✖ " + say("train.status.failed", html.escape(str(error)))))
            raise gr.Error(error_message(error, lang)) from None
        finally:  # the visitor may have left (generator closed): a run nobody follows is dropped
            if session.live is not None:
                session.live.close()
            session.live = None
        session.add(run, session_models)
        comparison = await asyncio.to_thread(comparison_outputs, session, lang)
        yield {**views.status(_done_status(run, handle)),
               **by_component(views.live, _live_plots(run.batches.tolist(), run.meta["history"], lang,
                                                      config.recipe.epochs)),
               views.run: gr.update(choices=[r.name for r in session.runs], value=run.name),
               views.model_choice: gr.update(choices=model_choices(session_models)),
               **by_component(views.comparison, comparison)}


def _setup_column() -> tuple[dict[str, gr.components.Component], dict[str, gr.components.Component]]:
    """The set-up controls (keyed by TrainConfig/Recipe/CustomCNN field), set to the quick preset; the other widgets."""
    c: dict[str, gr.components.Component] = {}
    w: dict[str, gr.components.Component] = {}
    recipe, spec = QUICK.recipe, QUICK.custom
    gr.Markdown(t("train.setup.heading"))
    c["dataset"] = gr.Radio([(DATASET_TITLES[d], d) for d in DATASETS], value=QUICK.dataset,
                              label=t("train.setup.dataset"))
    arch_choices = [(t(WORDS[a.title]), a.name) for a in ARCHITECTURES.values()] + [(t("arch.custom"), "custom")]
    c["arch"] = gr.Dropdown(arch_choices, value=QUICK.arch, label=t("train.setup.arch"),
                            elem_id="train-arch")
    w["arch_info"] = gr.Markdown(_arch_info(QUICK.arch))
    w["arch_note"] = gr.Markdown(_arch_note(QUICK.arch))
    with gr.Group(visible=QUICK.arch == "custom") as w["custom_group"]:
        c["blocks"] = gr.Slider(1, 4, value=spec.blocks, step=1, label=t("train.setup.blocks"))
        c["kernel_size"] = gr.Radio([3, 5, 7], value=spec.kernel_size, label=t("train.setup.kernel_size"))
        c["filters"] = gr.Slider(8, 64, value=spec.filters, step=8, label=t("train.setup.filters"))
        c["dense_units"] = gr.Dropdown([0, 64, 128, 256, 512, 1024], value=spec.dense_units,
                                       label=t("train.setup.dense_units"))
        c["batch_norm"] = gr.Checkbox(spec.batch_norm, label=t("train.setup.batch_normalisation"))
        c["dropout"] = gr.Slider(0.0, 0.5, value=spec.dropout, step=0.05, label=t("train.setup.dropout"))
    with gr.Row():
        c["optimizer"] = gr.Radio([("Adam", "adam"), (t("train.setup.optimizer.sgd"), "sgd")], value=recipe.optimizer,
                                  label=t("train.setup.optimizer"))
        c["schedule"] = gr.Radio([(t(key), s) for s, key in SCHEDULES.items()], value=recipe.schedule,
                                 label=t("train.setup.schedule"))
    with gr.Row():
        c["learning_rate"] = gr.Number(recipe.learning_rate, label=t("train.setup.learning_rate"), minimum=1e-6,
                                       maximum=1.0, step=1e-4)
        c["batch_size"] = gr.Dropdown([32, 64, 128, 256, 512], value=recipe.batch_size,
                                      label=t("train.setup.batch_size"),
                                      elem_id="train-batch-size")
    # One slider a row: beside other controls their labels wrapped a character a line.
    c["epochs"] = gr.Slider(1, 50, value=recipe.epochs, step=1, label=t("train.setup.epochs"), elem_id="train-epochs")
    c["train_subset"] = gr.Slider(1000, 60000, value=QUICK.train_subset, step=1000,
                                  label=t("train.setup.train_subset"), elem_id="train-subset")
    c["validation_split"] = gr.Slider(0.0, 0.3, value=recipe.validation_split, step=0.05,
                                      label=t("train.setup.validation_split"))
    # One a line: side by side a phone cut "ReduceLROnPlateau" to "ReduceLR".
    c["reduce_lr_on_plateau"] = gr.Checkbox(recipe.reduce_lr_on_plateau, label="ReduceLROnPlateau")
    c["early_stopping"] = gr.Checkbox(recipe.early_stopping, label="EarlyStopping")
    c["augment"] = gr.Checkbox(recipe.augment, label=t("train.setup.augment"))
    with gr.Accordion(t("train.setup.more_settings"), open=False):
        c["momentum"] = gr.Number(recipe.momentum, label=t("train.setup.momentum"), minimum=0, maximum=0.99)
        c["label_smoothing"] = gr.Slider(0.0, 0.2, value=recipe.label_smoothing, step=0.01,
                                       label=t("train.setup.label_smoothing"))
        c["seed"] = gr.Number(QUICK.seed, label=t("train.setup.seed"), precision=0)
        gr.Markdown(t("train.setup.callbacks_note"))
    w["limits"] = gr.Markdown("", elem_id="train-limits")
    with gr.Row():
        w["quick"] = gr.Button(t("train.setup.quick_preset"), size="sm",
                               elem_id="train-quick")
        w["fast"] = gr.Button(t("train.setup.fast_preset"), size="sm")
    with gr.Row():
        w["start"] = gr.Button(t("train.setup.start"), variant="primary", scale=2, elem_id="train-start")
        w["stop"] = gr.Button(t("train.setup.stop"), variant="stop", scale=1, elem_id="train-stop")
    with gr.Accordion(t("train.setup.sweep_title"), open=True):
        gr.Markdown(t("train.setup.sweep_intro"))
        w["sweep"] = gr.Radio([(t(WORDS[title]), key) for key, (title, _, _) in SWEEPS.items()], value="kernel_size",
                              label=t("train.setup.sweep"), elem_id="train-sweep")
        w["sweep_start"] = gr.Button(t("train.setup.sweep_start"), elem_id="train-sweep-start")
    return c, w


def _live_column() -> dict[str, gr.components.Component]:
    gr.Markdown(t("train.live.heading"))
    live = {"status": gr.HTML(_status(say("train.status.press_start")), elem_id="train-status")}
    # Over fractional epochs: a one-epoch run draws its curve batch by batch.
    with gr.Row():
        for metric, title in (("loss", "train.live.loss_plot"),
                              ("accuracy", "train.live.accuracy_plot")):
            # The label names the colours: a legend below the chart did not fit its fixed height.
            live[f"{metric}_plot"] = gr.LinePlot(
                x="epoch", y=metric, color="series", color_map=LIVE_COLORS, colors_in_legend=[], height=PLOT_HEIGHT,
                label=t(title), x_title=t("plot.epoch"), y_title=t(WORDS[metric]), x_lim=[0, 1],
                y_lim=[0.0, 1.0] if metric == "accuracy" else None, min_width=280, elem_id=f"train-{metric}-plot")
    return live


def build_train_tab(session_models: gr.State, model_choice: gr.Dropdown, lang: gr.Textbox,
                    pool: TrainingPool | None = None) -> None:
    """The Train & compare tab; finished runs go into `session_models` and `model_choice`'s list.

    `lang` is the page's language: tables, legends and messages the server draws follow it. Runs
    train on `pool` (default: a new pool of warm workers, started now in the background)."""
    pool = (pool or TrainingPool()).start()
    session = gr.State(TrainSession, delete_callback=TrainSession.close)
    gr.Markdown(t("train.intro"))
    with gr.Row():
        with gr.Column(scale=2, min_width=320):
            controls, widgets = _setup_column()
        with gr.Column(scale=3, min_width=320):
            live = _live_column()
    results = build_results()
    comparison = build_comparison()
    views = RunViews(live, results["run"], model_choice, comparison)
    _wire(pool, session, session_models, lang, SetupViews(controls, widgets), results, views)


def _wire(pool, session, session_models, lang, setup: SetupViews, results, views: RunViews) -> None:
    """Connect the tab's events. `session` (a TrainSession) and `session_models` (name -> LoadedModel, which
    the Draw tab reads) belong to one visitor: Gradio hands each handler that visitor's own objects, and
    only these handlers change them, in place: Start/sweep (stream_runs: a finished run goes into both),
    Stop (the stop flag, the live run). Every other handler only reads them."""
    controls, widgets = setup.controls, setup.widgets
    names = list(controls)
    values = lambda args: dict(zip(names, args))  # noqa: E731
    # What run_outputs returns, in the order the HTTP API (tests/test_isolation.py) reads them.
    result_outputs = [results[k] for k in ("summary", "bars", "confusion", "layers", "download", "gallery",
                                           "gallery_caption")]
    quiet = {"api_visibility": "undocumented"}
    status = views.live["status"]
    # The pool keeps the queue (and tells each visitor their place), so every run's event may wait on it at
    # once; waiting costs no thread (the handlers are coroutines).
    trainer = {"concurrency_id": TRAIN_CONCURRENCY_ID, "concurrency_limit": None, "show_progress": "minimal",
               "show_progress_on": [status], **quiet}

    arch_outputs = [widgets["arch_info"], widgets["arch_note"], widgets["custom_group"],
                    *[controls[n] for n in RECIPE_FIELDS]]
    controls["arch"].input(lambda arch: setup.show(on_arch_change(arch)), controls["arch"], arch_outputs, **quiet)
    preset_outputs = [widgets["arch_info"], widgets["arch_note"], widgets["custom_group"], *controls.values()]
    widgets["quick"].click(lambda: setup.show(preset_values(QUICK)), None, preset_outputs, **quiet)
    widgets["fast"].click(lambda: setup.show(preset_values(FAST)), None, preset_outputs, **quiet)
    note = (lambda lang, *args: limits_note(values(args), lang), [lang, *controls.values()], widgets["limits"])
    for name in ("dataset", "arch", "batch_size", "epochs", "train_subset", "validation_split"):
        controls[name].change(*note, show_progress="hidden", **quiet)

    def prepare(session: TrainSession, lang: str, *args) -> str:
        config_from_values(values(args), lang=lang)  # refuse bad settings before queueing
        session.stop.clear()
        return _start_status(pool)

    async def train_one(session: TrainSession, models: dict, lang: str, *args):
        config = config_from_values(values(args), lang=lang)
        async for update in stream_runs(pool, session, models, [("", config)], views, lang=lang):
            yield update

    async def train_sweep(session: TrainSession, models: dict, kind: str, lang: str, *args):
        base = config_from_values(values(args), arch="custom", lang=lang)
        async for update in stream_runs(pool, session, models, sweep_configs(kind, base), views,
                                        experiment=SWEEPS[kind][0], lang=lang):
            yield update

    inputs = [session, lang, *controls.values()]
    def show_results(session: TrainSession, name: str | None, lang: str) -> dict[Component, Any]:
        return by_component(results, run_outputs(session, name, lang))

    show_run = (show_results, [session, results["run"], lang], result_outputs)
    widgets["start"].click(prepare, inputs, status, **quiet).success(
        train_one, [session, session_models, lang, *controls.values()], views.outputs, **trainer
    ).then(*show_run, api_name="run_outputs", **quiet)
    widgets["sweep_start"].click(prepare, inputs, status, **quiet).success(
        train_sweep, [session, session_models, widgets["sweep"], lang, *controls.values()], views.outputs, **trainer
    ).then(*show_run, **quiet)

    def request_stop(session: TrainSession) -> str:
        session.stop.set()
        live = session.live  # read once: the run's stream clears it when the run ends
        return _stopped(live.stop() if live is not None else "stopping", live.others if live is not None else 0)

    widgets["stop"].click(request_stop, session, status, queue=False, **quiet)
    results["run"].input(*show_run, **quiet)
    wire_onnx_download(session, results, lang)
    results["confusion"].select(misclassified, [session, results["run"], lang],
                                [results["gallery"], results["gallery_caption"]], **quiet)

    def redraw(session: TrainSession, name: str | None, lang: str, *args) -> dict[Component, Any]:
        """After a switch of language: what the server drew in the old one, in the new one."""
        latest = session.get(None)
        comparison = comparison_outputs(session, lang)
        shown = {widgets["limits"]: limits_note(values(args), lang),
                 **by_component(results, run_outputs(session, name, lang))}
        if latest is None:  # only the empty tables' headers: a plot's first data must not be empty (it stays blank)
            return {**shown, views.comparison["table"]: comparison["table"]}
        curves = _live_plots(latest.batches, latest.meta["history"], lang, latest.meta["config"]["recipe"]["epochs"])
        return {**shown, **by_component(views.live, curves), **by_component(views.comparison, comparison)}

    lang.change(redraw, [session, results["run"], lang, *controls.values()],
                [widgets["limits"], *views.live.values(), *result_outputs, *views.comparison.values()],
                show_progress="hidden", **quiet)
