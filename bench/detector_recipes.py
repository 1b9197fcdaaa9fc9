"""Which recipe for the "is it a digit?" network (mnistdemo.detector) holds up on kinds of doodle it never saw?

The test split's doodles must stay unseen, so the recipes are compared on the training split alone: every
third doodle kind of the training split is left out of training (star, tick, stick figure, car, apple,
glasses, envelope, kite, zig-zag line) and drawn afresh to measure on. Each recipe trains on the rest;
its threshold lets 99% of the validation digits (held-out writers 2, 6, ..., 30) through, as
`python -m mnistdemo calibrate` sets it. Reported: AUROC and the share read as a digit, for the left-out
doodles and for validation scribbles.

    python bench/detector_recipes.py      # about 12 minutes on 2 cores
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from mnistdemo import configure_threads, detector, nondigits  # noqa: E402
from mnistdemo.augment import SPECS, augment_batch  # noqa: E402

RECIPES = {  # name -> (filters per block, epochs, weight of the non-digits)
    "shipped: 16-32-64, 3 epochs, non-digits weigh 0.5": ((16, 32, 64), 3, 0.5),
    "6 epochs": ((16, 32, 64), 6, 0.5),
    "wider: 32-64-128": ((32, 64, 128), 3, 0.5),
    "non-digits weigh 1.0": ((16, 32, 64), 3, 1.0),
}


def doodles(kinds: list[str], n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    drawings = [nondigits.as_drawing(nondigits.doodle_strokes(kinds[i % len(kinds)], rng)) for i in range(n)]
    return nondigits.render_drawings(drawings, seed)


def build(filters: tuple[int, ...]) -> keras.Model:
    layers, blocks = keras.layers, []
    for i, f in enumerate(filters):
        blocks += [layers.Conv2D(f, 3, padding="same", use_bias=False), layers.BatchNormalization(), layers.ReLU()]
        if i < len(filters) - 1:
            blocks.append(layers.MaxPooling2D())
    return keras.Sequential([keras.Input((28, 28, 1)), *blocks, layers.GlobalAveragePooling2D(), layers.Dense(1)])


def main() -> None:
    configure_threads()
    kinds = list(nondigits.SPLIT_DOODLES["training"])
    left_out = kinds[1::3]
    x, y, counts = detector.training_data(0)
    n = counts["doodles"]  # the training data ends with its doodles: swap them for the kept kinds only
    x = np.concatenate([x[:-n], doodles([k for k in kinds if k not in left_out], n, seed=7)])
    digits, _ = nondigits.drawn_digits("validation")
    measured = {"left-out doodles": doodles(left_out, 1200, seed=99),
                "scribbles": nondigits.non_digits("scribbles", "validation", 600).images}
    print(f"Left out of training: {', '.join(left_out)}\n")
    print("| recipe | seconds | " + " | ".join(f"{k}: AUROC | {k}: read as a digit" for k in measured) + " |")
    print("|---|---:|" + "---:|---:|" * len(measured))
    for name, (filters, epochs, weight) in RECIPES.items():
        keras.utils.set_random_seed(0)
        share = int((y == 0).sum()) / max(int((y == 1).sum()), 1)
        weights = np.where(y == 1, weight * share, 1.0).astype(np.float32)
        data = tf.data.Dataset.from_tensor_slices((x, y, weights)).shuffle(len(x), seed=0).batch(128)
        data = data.map(lambda a, b, c: (augment_batch(a[..., None], SPECS["mnist"]), b, c)).prefetch(4)
        model = build(filters)
        model.compile(keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(3e-3, epochs * len(data))),
                      keras.losses.BinaryCrossentropy(from_logits=True))
        start = time.perf_counter()
        model.fit(data, epochs=epochs, verbose=0)
        seconds = time.perf_counter() - start

        def score(images):
            return model.predict(images[..., None], batch_size=1000, verbose=0)[:, 0]

        digit_scores = score(digits)
        threshold = np.quantile(digit_scores, 0.99)
        cells = []
        for images in measured.values():
            other = score(images)
            labels = np.r_[np.zeros(len(digit_scores)), np.ones(len(other))]
            cells += [f"{roc_auc_score(labels, np.r_[digit_scores, other]):.4f}", f"{np.mean(other <= threshold):.1%}"]
        print(f"| {name} | {seconds:.0f} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
