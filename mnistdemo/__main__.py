"""Command line: `python -m mnistdemo train ...` reproduces a shipped model; `evaluate NAME` re-measures one;
`export NAME --format onnx` writes it for the web; `export-web DIR` writes the drawing page as a static site;
`train-detector` trains the "is it a digit?" network; `calibrate` sets the "not sure / not a digit" thresholds and
writes the serving manifest weights/serving.json."""

import argparse
import shlex
import sys
from dataclasses import replace
from pathlib import Path

from mnistdemo import configure_threads
from mnistdemo.calibrate import DEFAULT_MODEL, DEFAULT_SCORE, Calibration
from mnistdemo.config import DATASETS, WEIGHTS_DIR
from mnistdemo.static_site import DEFAULT_MODELS, FULL_APP_URL

RECIPE_FLAGS = {  # flag -> (Recipe field, type, help)
    "--optimizer": ("optimizer", str, "adam or sgd"),
    "--lr": ("learning_rate", float, "learning rate (peak for onecycle)"),
    "--momentum": ("momentum", float, "SGD momentum"),
    "--schedule": ("schedule", str, "constant, cosine or onecycle"),
    "--batch-size": ("batch_size", int, "batch size"),
    "--epochs": ("epochs", int, "epochs"),
    "--val-split": ("validation_split", float, "share of training data held out for validation"),
    "--label-smoothing": ("label_smoothing", float, "label smoothing"),
}
RECIPE_SWITCHES = {
    "--reduce-lr": ("reduce_lr_on_plateau", "ReduceLROnPlateau(0.2, patience 3) on val accuracy"),
    "--early-stop": ("early_stopping", "EarlyStopping(patience 6) on val accuracy"),
    "--augment": ("augment", "random affine + stroke-thickness augmentation"),
}


def _train(args: argparse.Namespace) -> None:
    from mnistdemo.architectures import outputs_logits
    from mnistdemo.checkpoints import read_meta, save, sidecar
    from mnistdemo.data import load_dataset
    from mnistdemo.evaluate import evaluate_model
    from mnistdemo.train import TrainConfig, report_recipe, skip_graph_rewriting, to_model_input, train

    skip_graph_rewriting()  # as the Train tab's workers train: a run's sidecar command gives its weights
    recipe = report_recipe(args.arch)
    changes = {field: getattr(args, field) for field, *_ in RECIPE_FLAGS.values() if getattr(args, field) is not None}
    changes |= {field: getattr(args, field) for field, _ in RECIPE_SWITCHES.values()
                if getattr(args, field) is not None}
    recipe = replace(recipe, **changes)
    config = TrainConfig(arch=args.arch, dataset=args.dataset, recipe=recipe, train_subset=args.subset, seed=args.seed,
                         drawn_copies=args.drawn_copies, drawn_varied=args.drawn_varied,
                         init_from=str(args.init_from or ""), blend_start=args.blend_start)
    data = load_dataset(args.dataset)
    print(f"Training {args.arch} on {args.dataset}: {recipe}", flush=True)
    callbacks, epochs_before = [], 0
    if args.resume_dir:
        import keras

        callbacks.append(keras.callbacks.BackupAndRestore(str(args.resume_dir)))
        epochs_before = _epochs_backed_up(args.resume_dir)
    result = train(config, data, callbacks, verbose=2)
    evaluation = evaluate_model(result.model, to_model_input(data.x_test), data.y_test,
                                logits=outputs_logits(args.arch))
    stem = args.name or f"{args.arch}-{args.dataset}"
    command = "python -m mnistdemo " + shlex.join(_without_places(sys.argv[1:]))
    meta = sidecar(result, evaluation, command, stem)
    if args.init_from:  # the run this one went on from, with its own init_from nested: the whole chain
        earlier = read_meta(args.init_from)
        keys = ("name", "epochs", "resumed_after_epoch", "train_seconds", "test_accuracy", "command", "init_from")
        meta["init_from"] = {key: earlier[key] for key in keys if key in earlier}
    if epochs_before:  # history and time cover only this sitting; say so rather than pass them off as the whole run
        meta |= {"epochs": epochs_before + result.epochs_done, "resumed_after_epoch": epochs_before}
    path = save(result.model, meta, args.out, float16=args.float16)
    if args.float16:
        evaluation = _record_shipped_scores(path, data)
    print(f"test accuracy {evaluation.accuracy:.4%}, loss {evaluation.loss:.4f}, "
          f"{result.seconds:.0f} s of training -> {path}")


def _epochs_backed_up(directory: Path) -> int:
    """How many epochs a cut-off run had finished, from Keras BackupAndRestore's record (0 if none)."""
    import json

    record = directory / "training_metadata.json"
    return int(json.loads(record.read_text())["epoch"]) if record.exists() else 0


PLACE_FLAGS = ("--out", "--resume-dir")  # where files go is no part of how a model is made


def _without_places(argv: list[str]) -> list[str]:
    """The arguments minus `--out DIR` and `--resume-dir DIR`."""
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in PLACE_FLAGS:
            skip = True
        elif not arg.startswith(tuple(f"{flag}=" for flag in PLACE_FLAGS)):
            kept.append(arg)
    return kept


def _record_shipped_scores(path, data):
    """Score the weights as stored (float16) and put that in the sidecar, beside the float32 figure."""
    import json

    from mnistdemo.architectures import outputs_logits
    from mnistdemo.checkpoints import load
    from mnistdemo.evaluate import evaluate_model
    from mnistdemo.train import to_model_input

    model, meta = load(path)
    ev = evaluate_model(model, to_model_input(data.x_test), data.y_test, logits=outputs_logits(meta["arch"]))
    meta |= {"test_accuracy_float32": meta["test_accuracy"], "test_loss_float32": meta["test_loss"],
             "test_accuracy": round(ev.accuracy, 6), "test_loss": round(ev.loss, 6),
             "per_class_accuracy": [round(float(a), 6) for a in ev.per_class]}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    return ev


def _evaluate(args: argparse.Namespace) -> None:
    from mnistdemo.architectures import outputs_logits
    from mnistdemo.checkpoints import load
    from mnistdemo.data import load_dataset
    from mnistdemo.evaluate import evaluate_model
    from mnistdemo.train import to_model_input

    path = args.dir / f"{args.name}.keras"
    if not path.exists():
        sys.exit(f"No model {args.name!r} in {args.dir}.")
    model, meta = load(path)
    data = load_dataset(meta["dataset"])
    ev = evaluate_model(model, to_model_input(data.x_test), data.y_test, logits=outputs_logits(meta["arch"]))
    print(f"{args.name}: test accuracy {ev.accuracy:.4%} (sidecar {meta['test_accuracy']:.4%}), loss {ev.loss:.4f}")
    for name, acc in zip(data.class_names, ev.per_class):
        print(f"  {name:>12}: {acc:.2%}")


def _export(args: argparse.Namespace) -> None:
    from mnistdemo.export import export_shipped, read_sidecar

    try:
        path = export_shipped(args.name, args.out, args.dir)
    except ValueError as error:
        sys.exit(str(error))
    record = read_sidecar(path)
    print(f"{args.name} -> {path} ({record['onnx']['bytes'] / 1e6:.1f} MB, preprocessing {record['preprocessing']}); "
          f"sidecar {path.name}.json")


def _export_web(args: argparse.Namespace) -> None:
    from mnistdemo.static_site import export_site

    try:
        files = export_site(args.dir, args.models, args.app_url)
    except ValueError as error:
        sys.exit(str(error))
    total = sum(files.values())
    verdict = ('It says "Not a digit?" as the app does (models/is_digit.onnx). ' if "models/is_digit.onnx" in files
               else "")
    print(f"{len(files)} files, {total / 1024:.0f} KB in {args.dir}; models: {', '.join(args.models)}. {verdict}"
          f"Try it: python -m http.server -d {shlex.quote(str(args.dir))} 8000")


def _train_detector(args: argparse.Namespace) -> None:
    from mnistdemo import detector

    model, record = detector.train(seed=args.seed, epochs=args.epochs)
    path = detector.save(model, record, args.out)
    print(f"{record['params']:,} parameters trained in {record['train_seconds']:.0f} s -> {path}. "
          f"Set its threshold: python -m mnistdemo calibrate --dir {shlex.quote(str(args.out))}")


def _calibrate(args: argparse.Namespace) -> None:
    from mnistdemo.calibrate import Calibration, calibrate_and_write

    calibration = Calibration(sure_digits=args.sure_digits, accept_digits=args.accept_digits,
                              detector_digits=args.detector_digits, digits=args.digits, seed=args.seed)
    try:
        serving, path = calibrate_and_write(args.dir, default_model=args.default_model,
                                            ensemble=tuple(args.ensemble or ()), score=args.score,
                                            calibration=calibration)
    except ValueError as error:
        sys.exit(str(error))
    print(f"{serving.score} of {len(serving.ensemble)} models on {serving.calibration['digits']} validation digits: "
          f"not sure above {serving.unsure_above:g}, not a digit above {serving.not_a_digit_above:g}"
          + (f", the detector flags above {serving.detector_above:g}" if serving.detector else "")
          + (f"; with the pen's path not sure above {serving.path_unsure_above:g}, not a digit above "
             f"{serving.path_not_a_digit_above:g}" if serving.path_weight else "") + "; "
          f"default model {serving.default_model} -> {path}")


def main(argv: list[str] | None = None) -> None:
    from mnistdemo.architectures import ARCHITECTURES

    parser = argparse.ArgumentParser(prog="python -m mnistdemo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model and save it with its sidecar")
    t.add_argument("--arch", required=True, choices=list(ARCHITECTURES), help="architecture")
    t.add_argument("--dataset", default="mnist", choices=DATASETS, help="data set")
    for flag, (field, kind, text) in RECIPE_FLAGS.items():
        t.add_argument(flag, dest=field, type=kind, help=f"{text} (default: the report's recipe)")
    for flag, (field, text) in RECIPE_SWITCHES.items():
        t.add_argument(flag, dest=field, action=argparse.BooleanOptionalAction, help=text)
    t.add_argument("--subset", type=int, default=0, help="train on this many images (0 = all)")
    t.add_argument("--seed", type=int, default=0, help="random seed")
    t.add_argument("--drawn-copies", type=int, default=0,
                   help="MNIST only: also train on this many renderings of each pen-drawn digit by the "
                        "tuning writers (the held-out writers stay unseen)")
    t.add_argument("--drawn-varied", action="store_true",
                   help="draw every rendering after the first as another hand might: turned, slanted, "
                        "stretched and wobbled")
    t.add_argument("--name", help="file stem (default ARCH-DATASET)")
    t.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="output folder")
    t.add_argument("--float16", action="store_true", help="store weights as float16")
    t.add_argument("--init-from", type=Path,
                   help="start from this saved model's weights (a .keras file of the same architecture)")
    t.add_argument("--blend-start", type=float, default=0.0, metavar="SHARE",
                   help="with --init-from: end on this share of the starting weights averaged with the trained "
                        "ones (0.5: halfway back; keeps what the start knew while the run adds to it)")
    t.add_argument("--resume-dir", type=Path,
                   help="back up after every epoch here and, if a run was cut off, resume from it")
    e = sub.add_parser("evaluate", help="re-measure a saved model on its test set")
    e.add_argument("name", help="model name, e.g. lenet5_bn-mnist")
    e.add_argument("--dir", type=Path, default=WEIGHTS_DIR, help="weights folder")
    x = sub.add_parser("export", help="write a shipped model for the web (ONNX + JSON sidecar)")
    x.add_argument("name", help="model name, e.g. best_mnist-mnist")
    x.add_argument("--format", default="onnx", choices=["onnx"], help="file format")
    x.add_argument("--out", type=Path, default=Path("exports"),
                   help="output folder, or the .onnx file's path (default: ./exports)")
    x.add_argument("--dir", type=Path, default=WEIGHTS_DIR, help="weights folder")
    w = sub.add_parser("export-web", help="write the drawing page as a static site (no server needed)")
    w.add_argument("dir", type=Path, help="folder to write the site into")
    w.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS),
                   help=f"shipped models the page offers, the first its default (default: {' '.join(DEFAULT_MODELS)})")
    w.add_argument("--app-url", default=FULL_APP_URL,
                   help=f"where the page's link to the full app goes (default: {FULL_APP_URL})")
    d = sub.add_parser("train-detector", help="train the 'is it a digit?' network (weights/detector/is_digit.keras)")
    d.add_argument("--epochs", type=int, default=3, help="epochs (default 3)")
    d.add_argument("--seed", type=int, default=0, help="seed of the drawings and the training")
    d.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="weights folder (default: the shipped one)")
    c = sub.add_parser("calibrate", help="set the 'not sure / not a digit' thresholds on validation digits and "
                                         "write the serving manifest (serving.json)")
    c.add_argument("--dir", type=Path, default=WEIGHTS_DIR, help="weights folder (the manifest is written there)")
    c.add_argument("--default-model", default=DEFAULT_MODEL, help=f"the app's default model (default: {DEFAULT_MODEL})")
    c.add_argument("--ensemble", nargs="+", help="the digit networks judging 'is it a digit?' (default: every MNIST "
                                                 "model in the folder)")
    c.add_argument("--score", default=DEFAULT_SCORE, help=f"score of the verdict (default: {DEFAULT_SCORE}; "
                                                          "bench/unsure.py compares the candidates)")
    c.add_argument("--sure-digits", type=float, default=Calibration.sure_digits,
                   help="share of validation digits kept below the 'not sure' threshold")
    c.add_argument("--accept-digits", type=float, default=Calibration.accept_digits,
                   help="share of validation digits kept below the 'not a digit' threshold")
    c.add_argument("--detector-digits", type=float, default=Calibration.detector_digits,
                   help="share of validation digits the 'is it a digit?' network lets through")
    c.add_argument("--digits", type=int, default=0, help="validation digits to use (0 = all)")
    c.add_argument("--seed", type=int, default=0, help="seed of the sample and the digits' placements")
    args = parser.parse_args(argv)
    configure_threads()
    commands = {"train": _train, "evaluate": _evaluate, "export": _export, "export-web": _export_web,
                "calibrate": _calibrate, "train-detector": _train_detector}
    commands[args.command](args)


if __name__ == "__main__":
    main()
