"""Does the pen's path tell apart what the picture cannot? (Both canvases read it; mnistdemo.inference.assess.)

A canvas knows more than its picture: the order and direction of the strokes. This reads each held-out pen digit
twice: the default model on its picture (rendered and preprocessed as `bench/drawn_digits.py` does), and by its
path (`mnistdemo.pen_path`: the 5 nearest of the 3,745 tuning writers' digits vote). The two are mixed as
(1 - w) * the model's probabilities + w * the votes, with w chosen on the other half of the held-out writers
(writers 2, 6, ..., 30 against 4, 8, ..., 28, both ways), so that no figure is chosen on what it reports.

    python bench/pen_path.py
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # mnistdemo, and the tests' support package

import numpy as np  # noqa: E402

from mnistdemo import configure_threads  # noqa: E402
from mnistdemo.inference import SHIPPED  # noqa: E402
from mnistdemo.pen_path import NEIGHBOURS, PATH_WEIGHT, POINTS, mix, votes_of  # noqa: E402
from mnistdemo.strokes import HELD_OUT_WRITERS, load_pendigits  # noqa: E402
from support.drawings import render_pendigits  # noqa: E402

WEIGHTS = np.round(np.arange(0.0, 0.55, 0.05), 2)  # the votes' shares tried


def main() -> None:
    configure_threads()
    held_out = load_pendigits(writers=HELD_OUT_WRITERS)
    labels = np.array([d.label for d in held_out])
    voted = votes_of([d.strokes for d in held_out])
    images, rendered_labels = render_pendigits(writers=HELD_OUT_WRITERS)
    assert (rendered_labels == labels).all()
    model = SHIPPED.get(None)
    probabilities = model.probabilities(images)

    def right(w: float) -> np.ndarray:
        return mix(probabilities, voted, w).argmax(axis=1) == labels

    first_half = np.isin([d.writer for d in held_out], range(2, 31, 4))
    mixed = np.zeros(len(labels), bool)
    print(f"{len(labels)} held-out pen digits; the default model `{model.name}`; paths of {POINTS} points, "
          f"{NEIGHBOURS} nearest; the app mixes with w = {PATH_WEIGHT}\n")
    print("| read by | writers 2, 6, ... | writers 4, 8, ... | all | worst class |")
    print("|---|---:|---:|---:|---|")
    for name, read in (("the picture (the default model)", right(0.0)), ("the path alone (5 nearest)", right(1.0))):
        print(_row(name, read, first_half, labels))
    chosen = []
    for this, other in ((first_half, ~first_half), (~first_half, first_half)):
        w = max(WEIGHTS, key=lambda g: right(g)[other].mean())
        chosen.append(w)
        mixed[this] = right(w)[this]
    print(_row(f"both, w chosen on the other half ({chosen[0]:.2f} / {chosen[1]:.2f})", mixed, first_half, labels))
    picture, by_path = right(0.0), right(1.0)
    print(f"\nOf the {(~picture).sum()} digits the picture misreads, the path reads {(by_path & ~picture).sum()} right;"
          f" of the {picture.sum()} it reads right, the path misreads {(picture & ~by_path).sum()}.")
    print("All held-out writers by w: " + ", ".join(f"{w:.2f} {right(w).mean():.2%}" for w in WEIGHTS))


def _row(name: str, right: np.ndarray, first_half: np.ndarray, labels: np.ndarray) -> str:
    classes = [right[labels == c].mean() for c in range(10)]
    worst = int(np.argmin(classes))
    return (f"| {name} | {right[first_half].mean():.2%} | {right[~first_half].mean():.2%} | {right.mean():.2%} "
            f"| {worst} ({classes[worst]:.1%}) |")


if __name__ == "__main__":
    main()
