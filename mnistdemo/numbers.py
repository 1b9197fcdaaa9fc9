"""Whole numbers: a wide drawing of several digits -> one crop per digit, left to right -> the number.

`segment_digits` is classical image work, no model: the ink's connected components are digits
or parts of digits (or, for a drawing on the app's canvas, its strokes: digits whose inks touch are
still separate strokes). Parts that sit above one another (the bar of a "5", the second stroke of a
"4") are merged; a component far wider than the digits around it holds digits that touch, and
is cut where the fewest ink columns join them. `read_number` puts every crop through the same
MNIST-style preprocessing as a single drawn digit and, without strokes, also tries each wide crop as two
(or, wider still, three) digits cut apart, keeping whichever reading the model is surer of, all in one batched
model call. The digit networks are sure of fragments too, so a cut is kept only where every part
passes the "is it a digit?" network (mnistdemo.detector), or where the uncut crop does not.
"""

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from mnistdemo import pen_path
from mnistdemo.messages import UserError
from mnistdemo.preprocess import NO_INK_MESSAGE, ink_mask, load_image, preprocess
from mnistdemo.strokes import BRUSH_RADIUS

INK_LEVEL = 0.25  # anti-aliased edges fainter than this are not ink for segmentation
MERGE_OVERLAP = 0.6  # parts overlapping this share of the narrower one's width are one digit
SMALL_PART = 0.5  # a part lower than this share of its neighbour's height is a piece of it ...
SMALL_PART_OVERLAP = 0.3  # ... once it overlaps this share of its own width
TOUCH_OVERLAP = 0.4  # strokes whose inks meet, overlapping this share of the narrower one's width, are one digit
SPECK_HEIGHT = 0.15  # a lone group lower than this share of the median digit height is a speck
SPLIT_WIDTH = 2.0  # a group wider than this many median digit heights holds touching digits
MAYBE_TWO_WIDTH = 0.7  # a crop at least this wide (in digit heights) may be two touching digits ...
MAYBE_THREE_WIDTH = 1.3  # ... or, this wide, three
SPLIT_DOUBT = 0.3  # ... read as two when their doubt is under this share of its doubt as one
# The widest each digit is drawn (ink width / height, 99th percentile of the tuning writers'
# pen digits rendered at 35-90% of the canvas). The model reads two squeezed "4"s as one "4"
# with no doubt at all; a crop that much wider than its answer is read as two digits when
# the model is at least this sure of both.
WIDEST = (1.47, 0.96, 1.4, 0.95, 0.97, 1.24, 0.84, 1.02, 0.84, 0.96)
SURE_OF_TWO = 0.01  # doubt
CUT_CANDIDATES = 3  # places tried for that cut
CUT_SPACING = 0.1  # of the crop's width between two places tried
STROKES_COVER = 0.98  # share of the ink the strokes given must cover, else the pixels decide
CROP_MARGIN = 4  # px of background around each crop, so its border reads as background
NO_DIGITS_MESSAGE = "No digits found: draw a number first."


@dataclass(frozen=True)
class Box:
    """A group of ink components: its bounding box in image pixels and the labels it holds."""

    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive
    labels: frozenset[int]

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def union(self, other: "Box") -> "Box":
        return Box(min(self.x0, other.x0), min(self.y0, other.y0), max(self.x1, other.x1),
                   max(self.y1, other.y1), self.labels | other.labels)

    def overlap(self, other: "Box") -> int:
        """Columns the two boxes share (negative: the gap between them)."""
        return min(self.x1, other.x1) - max(self.x0, other.x0)


def _components(ink: np.ndarray) -> tuple[list[np.ndarray], list[Box]]:
    """(H, W) ink -> the connected ink parts: each one's mask inside its box, and the boxes."""
    mask = (ink > INK_LEVEL).astype(np.uint8)
    # A 3x3 closing joins a stroke to itself across anti-aliasing seams, nothing wider:
    # digits drawn a few pixels apart must stay apart.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    boxes = [Box(int(x), int(y), int(x + w), int(y + h), frozenset({i - 1}))
             for i, (x, y, w, h, _) in enumerate(stats) if i > 0]
    masks = [labels[b.y0:b.y1, b.x0:b.x1] == i + 1 for i, b in enumerate(boxes)]
    return masks, boxes


def _stroke_parts(ink: np.ndarray, strokes: list[np.ndarray],
                  brush_radius: int) -> tuple[list[np.ndarray], list[Box], list[np.ndarray]] | None:
    """(H, W) ink and the canvas strokes that drew it -> each stroke's ink as a part (as `_components`) and the
    stroke of each part, or None when the strokes do not account for the ink (then the pixels alone decide).

    Digits whose inks touch are still separate strokes: a stroke belongs to one digit.
    """
    inked = ink > INK_LEVEL
    height, width = ink.shape
    covered = np.zeros_like(inked)
    masks, boxes, drawn = [], [], []
    for stroke in strokes:
        # The stroke's reach (its brush a pixel wider each side) in a window around it.
        x0, y0 = np.maximum(np.floor(stroke.min(axis=0)).astype(int) - brush_radius - 2, 0)
        x1, y1 = np.minimum(np.ceil(stroke.max(axis=0)).astype(int) + brush_radius + 3, (width, height))
        if x0 >= x1 or y0 >= y1:
            continue
        reach = np.zeros((y1 - y0, x1 - x0), np.uint8)
        points = np.round(stroke - (x0, y0)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(reach, [points], False, 1, 2 * brush_radius + 3)
        for x, y in points[[0, -1], 0]:
            cv2.circle(reach, (int(x), int(y)), brush_radius + 1, 1, -1)
        own = inked[y0:y1, x0:x1] & reach.astype(bool)
        x, y, w, h = cv2.boundingRect(own.astype(np.uint8))
        if not w:
            continue
        covered[y0:y1, x0:x1] |= own
        masks.append(own[y:y + h, x:x + w])
        boxes.append(Box(x0 + x, y0 + y, x0 + x + w, y0 + y + h, frozenset({len(boxes)})))
        drawn.append(stroke)
    if not boxes or covered.sum() < STROKES_COVER * inked.sum():
        return None
    return masks, boxes, drawn


def _belong_together(a: Box, b: Box) -> bool:
    """Whether two parts sit above one another enough to be one digit."""
    overlap = a.overlap(b)
    narrow, other = (a, b) if a.width <= b.width else (b, a)
    if overlap >= MERGE_OVERLAP * narrow.width:
        return True
    low, tall = (a, b) if a.height <= b.height else (b, a)
    return low.height < SMALL_PART * tall.height and overlap >= SMALL_PART_OVERLAP * low.width


def _merge_parts(boxes: list[Box], belong_together: Callable[[Box, Box], bool] = _belong_together) -> list[Box]:
    """Merge parts of one digit until no two groups belong together (`_belong_together`, or for strokes
    `_strokes_belong_together`); left to right."""
    groups = sorted(boxes, key=lambda b: b.x0)
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if groups[j].x0 >= groups[i].x1:
                    break  # sorted by x0: no later group overlaps group i
                if belong_together(groups[i], groups[j]):
                    groups[i] = groups[i].union(groups.pop(j))
                    merged = True
                    break
            if merged:
                break
    return sorted(groups, key=lambda b: (b.x0 + b.x1) / 2)


def _cut_columns(ink: np.ndarray, count: int = 1) -> list[int]:
    """Columns of a (h, w) ink crop where two touching digits are joined by the least ink, best first."""
    width = ink.shape[1]
    profile = cv2.GaussianBlur(ink.sum(axis=0, dtype=np.float32)[None], (0, 0), 2.0)[0]
    # Cuts near the middle are likelier: a small penalty keeps a thin stroke near an edge
    # (the foot of a "2", the tail of a "9") from attracting the cut.
    position = np.abs(np.arange(width) - width / 2) / (width / 2)
    cost = profile + 0.15 * profile.max() * position ** 2
    lo, hi = int(0.2 * width), int(0.8 * width)
    cuts: list[int] = []
    for column in lo + np.argsort(cost[lo:hi], kind="stable"):
        if all(abs(column - c) >= CUT_SPACING * width for c in cuts):
            cuts.append(int(column))
            if len(cuts) == count:
                break
    return cuts


def _own(masks: list[np.ndarray], boxes: list[Box], group: Box, frame: Box | None = None) -> np.ndarray:
    """(h, w) uint8 mask of the group's parts inside `frame` (default: the group's own box)."""
    frame = frame or group
    own = np.zeros((frame.height, frame.width), np.uint8)
    for label in group.labels:
        part = boxes[label]
        own[part.y0 - frame.y0:part.y1 - frame.y0, part.x0 - frame.x0:part.x1 - frame.x0] |= masks[label]
    return own


def _crop(ink: np.ndarray, masks: list[np.ndarray], boxes: list[Box], group: Box) -> np.ndarray:
    """Only this group's ink inside its box, as (h, w) float32 ink."""
    # The closing may have widened a part by a pixel: faint edges next to own ink count too.
    own = cv2.dilate(_own(masks, boxes, group), np.ones((3, 3), np.uint8)).astype(bool)
    return np.where(own, ink[group.y0:group.y1, group.x0:group.x1], 0.0).astype(np.float32)


def _strokes_belong_together(masks: list[np.ndarray], boxes: list[Box]) -> Callable[[Box, Box], bool]:
    """`_belong_together` for strokes: also strokes whose inks meet with some overlap (an "L" and a stem
    through its bar's end make a "4"), which neighbouring digits that touch seldom have."""
    def belong_together(a: Box, b: Box) -> bool:
        if _belong_together(a, b):
            return True
        if a.overlap(b) < TOUCH_OVERLAP * min(a.width, b.width):
            return False
        frame = a.union(b)
        grown = cv2.dilate(_own(masks, boxes, a, frame), np.ones((3, 3), np.uint8))
        return bool((grown & _own(masks, boxes, b, frame)).any())
    return belong_together


def _split_wide(crop: np.ndarray, digit_height: float) -> list[np.ndarray]:
    """(h, w) ink of one group -> one or more (h, w') crops, cut where digits touch."""
    if crop.shape[1] <= SPLIT_WIDTH * digit_height or crop.shape[1] < 8:
        return [crop]
    cut = _cut_columns(crop)[0]
    halves = [crop[:, :cut], crop[:, cut:]]
    return [part for half in halves if half.any() for part in _split_wide(_trim(half), digit_height)]


def _trim(ink: np.ndarray) -> np.ndarray:
    """(h, w) ink -> cropped to its ink (rows and columns)."""
    x, y, w, h = cv2.boundingRect((ink > INK_LEVEL).astype(np.uint8))
    return ink[y:y + h, x:x + w] if w and h else ink


def _segment(ink: np.ndarray, strokes: list[np.ndarray] | None = None,
             brush_radius: int = BRUSH_RADIUS) -> tuple[list[np.ndarray], float, list[list[np.ndarray] | None] | None]:
    """(H, W) float32 ink (1 = ink) -> (h, w) float32 ink crops left to right, the median digit height,
    and, where the strokes made the parts, each crop's strokes in drawing order (else None; None for a crop
    cut from a wider group).

    With the strokes that drew it (canvas pixels), the strokes are the parts, not the connected ink:
    digits whose inks touch are still apart.
    """
    stroke_parts = _stroke_parts(ink, strokes, brush_radius) if strokes else None
    masks, boxes, drawn = stroke_parts or (*_components(ink), None)
    if not boxes:
        raise UserError("error.no_digits", NO_DIGITS_MESSAGE)
    groups = _merge_parts(boxes, _strokes_belong_together(masks, boxes) if stroke_parts else _belong_together)
    digit_height = float(np.median([g.height for g in groups]))
    tallest = max(g.height for g in groups)
    groups = [g for g in groups if g.height >= SPECK_HEIGHT * max(digit_height, 0.5 * tallest)]
    digit_height = float(np.median([g.height for g in groups]))
    crops, crop_strokes = [], []
    for group in groups:
        parts = _split_wide(_crop(ink, masks, boxes, group), digit_height)
        crops += parts
        crop_strokes += [[drawn[i] for i in sorted(group.labels)] if drawn and len(parts) == 1 else None] * len(parts)
    return crops, digit_height, crop_strokes if drawn else None


def _framed(crop: np.ndarray) -> np.ndarray:
    """(h, w) ink -> (h + 2m, w + 2m) float32 black ink on white with a margin m, like a drawing."""
    return 1.0 - cv2.copyMakeBorder(crop, CROP_MARGIN, CROP_MARGIN, CROP_MARGIN, CROP_MARGIN,
                                    cv2.BORDER_CONSTANT, value=0.0)


def _drawing_ink(image) -> np.ndarray:
    """Anything `load_image` takes -> (H, W) float32 ink; ValueError if there is none."""
    ink = ink_mask(load_image(image))
    if not (ink > INK_LEVEL).any():
        raise UserError("error.no_digits", NO_DIGITS_MESSAGE)
    return ink


def segment_digits(image, strokes: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """Anything `preprocess.load_image` takes -> (h, w) float32 crops, black ink on white, left to right.

    Each crop holds one digit's ink only (not its neighbours'), with a margin of background,
    so `preprocess` reads it like a single drawing. Geometry only: `read_number` also asks
    the model whether a wide crop is two touching digits. `strokes`: the canvas strokes that drew it
    ((n, 2) canvas pixels each), if known. ValueError if there is no ink.
    """
    return [_framed(crop) for crop in _segment(_drawing_ink(image), strokes)[0]]


def _readings(crop: np.ndarray, digit_height: float) -> list[list[np.ndarray]]:
    """Ways to read one (h, w) ink crop: as one digit, or, if wide enough, as two or three cut apart."""
    options = [[crop]]
    if crop.shape[1] >= MAYBE_TWO_WIDTH * digit_height:
        for cut in _cut_columns(crop, CUT_CANDIDATES):
            left, right = _trim(crop[:, :cut]), _trim(crop[:, cut:])
            if (left > INK_LEVEL).any() and (right > INK_LEVEL).any():
                options.append([left, right])
    if crop.shape[1] >= MAYBE_THREE_WIDTH * digit_height:
        width = crop.shape[1]
        for first in _cut_columns(crop[:, :width // 2 + width // 6], CUT_CANDIDATES):
            rest = crop[:, first:]
            for second in _cut_columns(rest, CUT_CANDIDATES):
                parts = [_trim(crop[:, :first]), _trim(rest[:, :second]), _trim(rest[:, second:])]
                if all((part > INK_LEVEL).any() for part in parts):
                    options.append(parts)
    return options


def _aspect(ink: np.ndarray) -> float:
    """Width / height of the ink in a (h, w) crop."""
    _, _, w, h = cv2.boundingRect((ink > INK_LEVEL).astype(np.uint8))
    return w / max(h, 1)


def _doubt(probabilities: np.ndarray) -> float:
    """(K, 10) probabilities of K answers -> 1 - the geometric mean of their top probabilities.

    Each answer's doubt is the sum of the other classes' probabilities, not 1 - the top one:
    float32 rounds a top probability of 1 - 1e-9 to 1, and sure models say that often.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    others = probabilities.sum(axis=1) - probabilities.max(axis=1)
    others = np.minimum(others, 1.0 - 1e-12)
    return float(-np.expm1(np.mean(np.log1p(-others))))


def _digit_like(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) -> (N,) bool: whether the "is it a digit?" network lets each through (all, without one)."""
    from mnistdemo.inference import SHIPPED

    registry = SHIPPED.load_all()
    if registry.detector is None or registry.serving is None:
        return np.ones(len(images), bool)
    return ~registry.serving.unlike_digits(registry.detector.not_a_digit(images))


def read_number(image, model, strokes: list[np.ndarray] | None = None) -> tuple[
        str, list[tuple[np.ndarray, str, float, list[np.ndarray] | None]]]:
    """A drawing of a number and an MNIST LoadedModel -> (the digits read, e.g. "2026",
    [(28x28 float32 the model saw, its answer, its probability, the strokes that drew it or None), ...] left to
    right). `strokes`: the canvas strokes that drew it ((n, 2) canvas pixels each), if known; a digit whose own
    strokes are known is read with its pen's path too.

    Without strokes, a wide crop is read both as one digit and as two touching ones (cut at the
    likeliest places); two win when the model is much surer of them. One batched model call in all.
    """
    if model.dataset != "mnist":
        raise ValueError(f"Model {model.name!r} reads {model.dataset}, not digits: choose an MNIST model.")
    crops, digit_height, crop_strokes = _segment(_drawing_ink(image), strokes)
    seen: list[np.ndarray] = []  # every 28x28 any option needs, read in one batch
    parts_seen: list[np.ndarray] = []  # the ink crop each of them came from
    plans: list[list[list[int]]] = []  # per crop, its options as indices into `seen`
    pens: dict[int, list[np.ndarray]] = {}  # index into `seen` -> the strokes of a crop whose strokes are known
    for crop, drawn in zip(crops, crop_strokes or [None] * len(crops)):
        options = []
        # A group of strokes is one digit: people do not write two digits in one stroke, so where the
        # strokes are known the model is not asked whether it is two.
        for parts in [[crop]] if crop_strokes is not None else _readings(crop, digit_height):
            try:
                images = [preprocess(_framed(part), "mnist") for part in parts]
            except ValueError:  # a part with too little ink to read
                continue
            if drawn is not None:
                pens[len(seen)] = drawn
            options.append(list(range(len(seen), len(seen) + len(images))))
            seen += images
            parts_seen += parts
        if options:
            plans.append(options)
    if not seen:
        raise UserError("error.no_ink", NO_INK_MESSAGE)
    images = np.stack(seen).astype(np.float32)
    probs = np.array(model.probabilities(images))
    if pens:  # the order and direction of the strokes tell apart what the picture may not (pen_path)
        known = list(pens)
        probs[known] = pen_path.mix(probs[known], pen_path.votes_of([pens[i] for i in known], y_down=True))
    digit_like = _digit_like(images)
    best = probs.max(axis=1)
    answers = []
    for whole, *splits in plans:
        chosen = whole
        if splits:
            # When the whole is no digit, a cut into parts that all look like digits, and are read
            # with little doubt, comes before a surer cut that leaves a fragment.
            def fragments(option: list[int]) -> bool:
                return digit_like[whole[0]] or not digit_like[option].all() or _doubt(probs[option]) >= SURE_OF_TWO

            split = min(splits, key=lambda option: (fragments(option), _doubt(probs[option])))
            too_wide = _aspect(parts_seen[whole[0]]) > WIDEST[int(probs[whole[0]].argmax())]
            if (_doubt(probs[split]) < SPLIT_DOUBT * _doubt(probs[whole])
                    or (too_wide and _doubt(probs[split]) < SURE_OF_TWO)):
                chosen = split
            # The digit networks are sure of fragments too (half a "0" reads "1"); the "is it a digit?"
            # network is not: a cut is kept only where both halves look like digits, or the whole does not.
            if digit_like[whole[0]] and not digit_like[split].all():
                chosen = whole
            elif not digit_like[whole[0]] and digit_like[split].all():
                chosen = split
        answers += [(seen[i], model.class_names[int(probs[i].argmax())], float(best[i]), pens.get(i)) for i in chosen]
    return "".join(answer for _, answer, _, _ in answers), answers
