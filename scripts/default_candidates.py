"""Candidates for the default model, trained many at once on an accelerator (Keras 3 on JAX, no TensorFlow).

The app trains with TensorFlow (`python -m mnistdemo train`); a machine with a GPU but no TensorFlow can still
train the same network, `best_mnist`, on the same data with the same augmentation (written here in `keras.ops`),
fifteen of them in a few minutes. How the "on an accelerator" figures of docs/benchmarks.md were made:

    python scripts/default_candidates.py prepare DIR       # here: MNIST and the pen digits as arrays (5 min)
    # there, with DIR and this checkout; KERAS_BACKEND=jax (the default of this script):
    python scripts/default_candidates.py teacher DIR SEED --copies 0:12 --epochs 12
    python scripts/default_candidates.py student DIR SEED --copies 0:24 --epochs 12 --teachers 0,1,2,3,4,5,6
    python scripts/default_candidates.py report DIR        # here or there: each model and their average

`prepare` renders 24 copies of each tuning writer's pen digit (all but the first varied, as `--drawn-varied`
does) and the held-out writers' digits as `bench/drawn_digits.py` does. A teacher learns from MNIST and the
chosen copies; a student also learns from the teachers' average answer on the same augmented batch (half and
half, `--weight`). Each model is saved in DIR with its answers on MNIST's test set and the held-out digits.
"""

import argparse
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

from mnistdemo.architectures import build_model  # noqa: E402

CENTRE = 13.5  # centre of a 28x28 image in pixel-index coordinates
COPIES = 24


class Augment(keras.layers.Layer):
    """`mnistdemo.augment.augment_batch` for digits, in keras.ops: pen width, then a random affine map."""

    def __init__(self, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.seeds = keras.random.SeedGenerator(seed)

    def call(self, x, training=False):
        if not training:
            return x
        n = ops.shape(x)[0]

        def uniform(low, high):
            return keras.random.uniform((n,), low, high, seed=self.seeds)

        thick, thin = ops.max_pool(x, 3, 1, "same"), -ops.max_pool(-x, 3, 1, "same")
        pick = uniform(0.0, 1.0)
        w_thick = ops.where(pick < 0.3, uniform(0.2, 0.8), 0.0)[:, None, None, None]
        w_thin = ops.where(pick > 0.8, uniform(0.2, 0.6), 0.0)[:, None, None, None]
        x = x + w_thick * (thick - x) + w_thin * (thin - x)
        angle, scale, shear = uniform(-12.0, 12.0) * (math.pi / 180), uniform(0.85, 1.12), uniform(-0.2, 0.2)
        tx, ty = uniform(-2.0, 2.0), uniform(-2.0, 2.0)
        cos, sin = ops.cos(angle), ops.sin(angle)
        m00, m01 = scale * cos, scale * (cos * shear - sin)
        m10, m11 = scale * sin, scale * (sin * shear + cos)
        det = scale * scale  # the op wants the inverse map: output pixel -> input pixel
        i00, i01, i10, i11 = m11 / det, -m01 / det, -m10 / det, m00 / det
        ox, oy = CENTRE + tx, CENTRE + ty
        zeros = ops.zeros_like(angle)
        transform = ops.stack([i00, i01, CENTRE - i00 * ox - i01 * oy,
                               i10, i11, CENTRE - i10 * ox - i11 * oy, zeros, zeros], axis=1)
        x = ops.image.affine_transform(x, transform, interpolation="bilinear", fill_mode="constant",
                                       data_format="channels_last")
        return ops.clip(x, 0.0, 1.0)


def prepare(out: Path) -> None:
    from mnistdemo.data import load_dataset
    from mnistdemo.drawn_images import render_drawn_digits
    from mnistdemo.strokes import HELD_OUT_WRITERS, TUNING_WRITERS, load_pendigits

    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset("mnist")
    np.savez_compressed(out / "mnist.npz", x_train=data.x_train, y_train=data.y_train,
                        x_test=data.x_test, y_test=data.y_test)
    for name, writers, copies in (("tuning", TUNING_WRITERS, COPIES), ("heldout", HELD_OUT_WRITERS, 1)):
        digits = load_pendigits(writers=writers)
        x, y = render_drawn_digits(digits, copies=copies, seed=copies if copies > 1 else 0, vary=copies > 1)
        writer = np.tile(np.array([d.writer for d in digits], np.uint8), copies)
        np.savez_compressed(out / f"{name}.npz", x=np.round(x * 255).astype(np.uint8), y=y, w=writer)


def _images(x: np.ndarray) -> np.ndarray:
    return x[..., None].astype(np.float32) / 255


def _training_set(data: Path, copies: tuple[int, int], mnist_repeat: int) -> tuple[np.ndarray, np.ndarray]:
    mnist, drawn = np.load(data / "mnist.npz"), np.load(data / "tuning.npz")
    per_copy = len(drawn["y"]) // COPIES
    part = slice(copies[0] * per_copy, copies[1] * per_copy)
    x = np.concatenate([np.tile(mnist["x_train"], (mnist_repeat, 1, 1)), drawn["x"][part]])
    y = np.concatenate([np.tile(mnist["y_train"], mnist_repeat), drawn["y"][part]])
    return _images(x), keras.utils.to_categorical(y, 10)


def _teacher(data: Path, seed: int) -> keras.Model:
    (path,) = data.glob(f"teacher{seed}-*.keras")
    loaded = keras.saving.load_model(path)
    held = keras.Input((28, 28, 1))
    teacher = keras.Model(held, loaded(held, training=False), name=f"teacher{seed}")  # a name of its own
    teacher.trainable = False
    return teacher


def train(args: argparse.Namespace) -> None:
    keras.utils.set_random_seed(args.seed)
    first, last = map(int, args.copies.split(":"))
    x, y = _training_set(args.dir, (first, last), args.mnist_repeat)
    steps = math.ceil(len(x) / 128) * args.epochs
    network = build_model("best_mnist")
    drawing = keras.Input((28, 28, 1))
    seen = Augment(args.seed)(drawing)
    name = f"{args.role}{args.seed}-copies{first}-{last}-epochs{args.epochs}-mnist{args.mnist_repeat}"
    if args.role == "teacher":
        model, loss = keras.Model(drawing, network(seen)), "categorical_crossentropy"
    else:
        seeds = [int(s) for s in args.teachers.split(",")]
        name += f"-teachers{len(seeds)}-weight{args.weight}"
        average = ops.stop_gradient(ops.mean(ops.stack([_teacher(args.dir, s)(seen) for s in seeds]), axis=0))
        model = keras.Model(drawing, ops.concatenate([network(seen), average], axis=1))

        def loss(labels, outputs):
            own, taught = outputs[:, :10], outputs[:, 10:]
            return ((1 - args.weight) * keras.losses.categorical_crossentropy(labels, own)
                    + args.weight * keras.losses.categorical_crossentropy(taught, own))
    peak = 3e-3  # the one-cycle schedule of mnistdemo.train.one_cycle
    schedule = keras.optimizers.schedules.CosineDecay(peak / 25, decay_steps=0.75 * steps, alpha=1e-3,
                                                      warmup_target=peak, warmup_steps=0.25 * steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss)
    model.fit(x, y, batch_size=128, epochs=args.epochs, shuffle=True, verbose=2)
    network.save(args.dir / f"{name}.keras")
    mnist, held_out = np.load(args.dir / "mnist.npz"), np.load(args.dir / "heldout.npz")
    np.save(args.dir / f"{name}.test.npy", network.predict(_images(mnist["x_test"]), batch_size=2000, verbose=0))
    np.save(args.dir / f"{name}.heldout.npy", network.predict(_images(held_out["x"]), batch_size=2000, verbose=0))


def report(data: Path) -> None:
    mnist, held_out = np.load(data / "mnist.npz"), np.load(data / "heldout.npz")
    half = np.isin(held_out["w"], range(2, 31, 4))  # writers 2, 6, ..., 30; the rest 4, 8, ..., 28
    answers = {p.name.removesuffix(".heldout.npy"): (np.load(p), np.load(str(p).replace(".heldout.", ".test.")))
               for p in sorted(data.glob("*.heldout.npy"))}
    teachers = [a for name, a in answers.items() if name.startswith("teacher")]
    if teachers:
        answers["the teachers' average"] = tuple(np.mean([a[i] for a in teachers], axis=0) for i in (0, 1))
    print("| model | held-out digits | writers 2, 6, ... | writers 4, 8, ... | worst class | MNIST test |")
    print("|---|---:|---:|---:|---|---:|")
    for name, (held, test) in answers.items():
        right = held.argmax(1) == held_out["y"]
        classes = [right[held_out["y"] == c].mean() for c in range(10)]
        worst = int(np.argmin(classes))
        print(f"| {name} | {right.mean():.2%} | {right[half].mean():.2%} | {right[~half].mean():.2%} "
              f"| {worst} ({classes[worst]:.1%}) | {(test.argmax(1) == mnist['y_test']).mean():.2%} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=("prepare", "teacher", "student", "report"))
    parser.add_argument("dir", type=Path)
    parser.add_argument("seed", type=int, nargs="?", default=0)
    parser.add_argument("--copies", default="0:12", help="which renderings of the tuning writers' digits, FIRST:LAST")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--mnist-repeat", type=int, default=1, help="MNIST's training set this many times")
    parser.add_argument("--teachers", default="", help="a student's teachers, by seed: 0,1,2")
    parser.add_argument("--weight", type=float, default=0.5, help="a student's share of the teachers' answer")
    args = parser.parse_args()
    if args.role == "prepare":
        prepare(args.dir)
    elif args.role == "report":
        report(args.dir)
    else:
        train(args)


if __name__ == "__main__":
    main()
