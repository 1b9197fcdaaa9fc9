"""The Train tab's defaults and its note on small runs: a first run must read well.

Run alone: .venv/bin/python -m pytest -q tests/test_train_tab.py (one slow test trains on MNIST)
"""

from dataclasses import asdict, replace

import pytest

gr = pytest.importorskip("gradio")

from mnistdemo.architectures import ARCHITECTURES  # noqa: E402
from mnistdemo.presets import FAST, QUICK, small_run_figures  # noqa: E402
from mnistdemo.ui.train_tab import _setup_column, config_from_values, limits_note, preset_values  # noqa: E402


@pytest.fixture(scope="module")
def defaults() -> dict:
    """What the Train tab's set-up controls show when the page opens, by field name."""
    with gr.Blocks():
        controls, _ = _setup_column()
    return {name: component.value for name, component in controls.items()}


def test_the_defaults_are_the_quick_preset_and_its_button_restores_them(defaults):
    assert config_from_values(defaults) == QUICK
    assert QUICK.train_subset < 60_000 and QUICK.recipe.epochs == 1
    # The Quick button's values, by control name: every set-up control but the seed, and the three texts.
    values = preset_values(QUICK)
    assert {name: values[name] for name in defaults if name != "seed"} == {
        name: value for name, value in defaults.items() if name != "seed"}
    assert {"arch_info", "arch_note", "custom_group"} <= set(values)


def test_handlers_return_values_by_component_so_none_is_misplaced():
    from mnistdemo.ui.train_tab import SetupViews

    with gr.Blocks():
        controls, widgets = _setup_column()
    shown = SetupViews(controls, widgets).show(preset_values(FAST))
    assert shown[controls["train_subset"]] == 60_000 and shown[controls["arch"]] == FAST.arch
    assert controls["seed"] not in shown  # left as the visitor set it
    with pytest.raises(KeyError):
        SetupViews(controls, widgets).show({"no_such_control": 1})


def test_a_train_session_is_made_fresh_for_each_visitor_and_never_copied():
    """Why TrainSession.__deepcopy__ returns itself: Gradio deep-copies the value it makes for a session."""
    import inspect

    from gradio.state_holder import SessionState

    from mnistdemo.ui.compare import TrainSession

    assert "deepcopy(value)" in inspect.getsource(SessionState.__getitem__)
    with gr.Blocks() as demo:
        state = gr.State(TrainSession, delete_callback=TrainSession.close)
    first, second = SessionState(demo)[state._id], SessionState(demo)[state._id]
    assert isinstance(first, TrainSession) and first is not second and first.stop is not second.stop


def test_the_defaults_get_no_note_but_a_small_run_does(defaults):
    assert limits_note(defaults) == ""
    assert limits_note({**defaults, "train_subset": 60_000}) == ""  # the fast preset's size
    small = limits_note({**defaults, "train_subset": 2_000})
    assert "A small run" in small and "16 batches" in small


def test_a_report_recipe_for_one_epoch_quotes_what_it_measured(defaults):
    tf2 = ARCHITECTURES["tf2_cnn"].recipe
    values = {**defaults, "arch": "tf2_cnn", "train_subset": 2_000, **asdict(tf2), "epochs": 1}
    note = limits_note(values)
    measured = small_run_figures().get("tf2_cnn")
    assert measured, "data/small_runs.json has no tf2_cnn figures: run python bench/small_run.py --grid"
    assert f"2,000 images → {measured[2_000]:.1%}" in note and "4 batches" in note
    # A changed recipe was not measured: the note keeps to what it knows.
    assert "Measured" not in limits_note({**values, "learning_rate": 0.01})
    chinese = limits_note(values, "zh-CN")
    assert "批训练" in chinese and "small run" not in chinese and "images" not in chinese


@pytest.mark.slow
def test_the_defaults_reach_97_percent_on_mnist(defaults):
    from mnistdemo.data import load_dataset
    from mnistdemo.runs import finish_run
    from mnistdemo.train import train

    data = load_dataset("mnist")
    run = finish_run(train(config_from_values(defaults), data), data, "defaults")
    assert run.meta["test_accuracy"] >= 0.97, run.meta["test_accuracy"]


def test_the_fast_preset_is_the_quick_one_on_every_image():
    assert replace(QUICK, train_subset=0) == FAST
