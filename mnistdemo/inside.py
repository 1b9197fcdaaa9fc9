"""Look inside a CNN for one 28x28 image: every conv layer's feature maps, its filters, and saliency.

Arrays in, arrays out; no UI. Works on any Keras model whose Conv2D layers sit at its top level
(Sequential or functional), whatever its last layer outputs (probabilities or logits).
The sub-models and traced functions each model needs are built once and cached.
"""

import functools
import math
import threading
import weakref
from dataclasses import dataclass

import cv2
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from mnistdemo.config import IMAGE_SIZE

IG_STEPS = 32  # integrated-gradients path points; the sum matches f(x) - f(baseline) within ~15%
SMOOTH_SIGMA = 0.8  # px: integrated gradients are blurred this much for display
TILE_PX = 56  # a feature map or filter is enlarged to about this many pixels a side
GAP_PX = 2  # between tiles
GAP_COLOR = (255, 255, 255)

_ELEMENTWISE = (layers.BatchNormalization, layers.ReLU, layers.Activation, layers.LeakyReLU)
_SPATIAL = (layers.Conv2D, layers.MaxPooling2D, layers.AveragePooling2D)


@dataclass(frozen=True)
class _Probe:
    """What one model needs to be looked into, built once: names, sub-models, traced functions."""

    names: tuple[str, ...]  # conv layers, in order
    geometry: tuple[float, float]  # (first centre, step) in input pixels of the last conv's map
    maps: object  # concrete fn (1, 28, 28, 1) -> list of (1, H, W, C)
    grad_cam: object  # concrete fn (x, class) -> (last map, d score / d last map)
    integrated: object  # concrete fn (x, class) -> ((28, 28) attributions, f(x) - f(0))
    classes: int


def _check_image(image: np.ndarray) -> np.ndarray:
    """(28, 28) or (28, 28, 1) float in [0, 1] -> (1, 28, 28, 1) float32; ValueError otherwise."""
    try:
        array = np.asarray(image, dtype=np.float32)
    except (TypeError, ValueError):
        raise ValueError(f"Expected a {IMAGE_SIZE}x{IMAGE_SIZE} array of numbers, "
                         f"got {type(image).__name__}.") from None
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"Expected a {IMAGE_SIZE}x{IMAGE_SIZE} image (preprocess it first), got shape {array.shape}.")
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError("Image values must be finite and between 0 and 1.")
    return array[None, ..., None]


def _conv_layers(model: keras.Model) -> list[layers.Conv2D]:
    if not isinstance(model, keras.Model):
        raise ValueError(f"Expected a Keras model, got {type(model).__name__}.")
    convs = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)]
    if not convs:
        raise ValueError(f"Model {model.name!r} has no Conv2D layer to look inside.")
    return convs


def _is_relu(layer: layers.Layer) -> bool:
    return isinstance(layer, layers.ReLU) or (
        isinstance(layer, layers.Activation) and getattr(layer.activation, "__name__", "") == "relu")


def _graph(model: keras.Model) -> dict[layers.Layer, object]:
    """Each layer's node (its input and output tensors) in the model's own graph.

    `layer.output` is no use here: a loaded Sequential model's layers were called twice (build,
    then its internal functional graph), and `output` gives the first call, outside the graph.
    """
    graph = getattr(model, "_functional", None) or model  # a Sequential model keeps its graph there
    return {node.operation: node for nodes in graph._nodes_by_depth.values() for node in nodes}


def _activated(model: keras.Model, conv: layers.Conv2D, nodes: dict) -> tuple[object, bool]:
    """The symbolic tensor a conv layer's maps are read at, and whether to apply ReLU to it.

    Follow the conv through the layers that directly consume it and act per pixel (batch norm,
    activations); stop at anything else. Where the next block is max-pool then ReLU (TF2 lab
    CNN, LeNet), ReLU is applied before the pool instead: the two commute, and the maps keep
    the conv's own resolution.
    """
    stack = model.layers

    def feeds(i: int, tensor) -> bool:  # stack[i] exists and takes `tensor` as its input
        return i < len(stack) and stack[i] in nodes and nodes[stack[i]].input_tensors[0] is tensor

    tensor, i = nodes[conv].output_tensors[0], stack.index(conv) + 1
    while feeds(i, tensor) and isinstance(stack[i], _ELEMENTWISE):
        tensor, i = nodes[stack[i]].output_tensors[0], i + 1
    pooled_then_relu = (feeds(i, tensor) and isinstance(stack[i], layers.MaxPooling2D)
                        and feeds(i + 1, nodes[stack[i]].output_tensors[0]) and _is_relu(stack[i + 1]))
    return tensor, pooled_then_relu


def _geometry(model: keras.Model, conv: layers.Conv2D) -> tuple[float, float]:
    """(centre of map pixel 0, distance between map pixels), in input pixels, for `conv`'s output.

    Needed to lay a map of 'valid' convolutions (24x24, 8x8) back onto the 28x28 it came from.
    Assumes the layers before `conv` form one chain (true of every model here; a residual
    branch of 'same' stride-1 convs does not move anything).
    """
    size, start, step = IMAGE_SIZE, 0.0, 1.0
    for layer in model.layers[:model.layers.index(conv) + 1]:
        if not isinstance(layer, _SPATIAL):
            continue
        kernel = layer.kernel_size[0] if isinstance(layer, layers.Conv2D) else layer.pool_size[0]
        stride = layer.strides[0]
        if layer.padding == "same":
            out = math.ceil(size / stride)
            before = max((out - 1) * stride + kernel - size, 0) // 2  # TensorFlow pads the end first
        else:
            out, before = (size - kernel) // stride + 1, 0
        start += ((kernel - 1) / 2 - before) * step
        size, step = out, step * stride
    return start, step


def _score_tensor(model: keras.Model, nodes: dict):
    """(symbolic input of the class scores, fn turning it into (N, classes) pre-softmax scores)."""
    head = model.layers[-1]
    if isinstance(head, layers.Dense):
        # Saliency wants the class's logit, not its softmax probability (which saturates near 1
        # and so has almost no gradient): recompute the last Dense without its activation.
        def logits(x):
            y = tf.matmul(tf.cast(x, head.kernel.dtype), head.kernel)
            return y + head.bias if head.use_bias else y
        return nodes[head].input_tensors[0], logits
    return model.outputs[0], lambda x: x


def _build(model: keras.Model) -> _Probe:
    convs = _conv_layers(model)
    nodes = _graph(model)
    read = [_activated(model, conv, nodes) for conv in convs]
    relu_after = [flag for _, flag in read]
    features, logits = _score_tensor(model, nodes)
    maps_model = keras.Model(model.inputs, [t for t, _ in read])
    cam_model = keras.Model(model.inputs, [read[-1][0], features])
    score_model = keras.Model(model.inputs, features)
    image_spec = tf.TensorSpec([1, IMAGE_SIZE, IMAGE_SIZE, 1], tf.float32)
    class_spec = tf.TensorSpec([], tf.int32)

    def rectify(tensor, flag):
        return tf.nn.relu(tensor) if flag else tensor

    @tf.function
    def maps(x):
        out = maps_model(x, training=False)
        out = out if isinstance(out, (list, tuple)) else [out]
        return [tf.cast(rectify(t, f), tf.float32) for t, f in zip(out, relu_after)]

    @tf.function
    def grad_cam(x, class_index):
        with tf.GradientTape() as tape:
            last, feats = cam_model(x, training=False)
            score = logits(feats)[0, class_index]
        grads = tape.gradient(score, last)
        return tf.cast(rectify(last, relu_after[-1]), tf.float32), tf.cast(grads, tf.float32)

    @tf.function
    def integrated(x, class_index):
        # Baseline: the black image, i.e. no ink at all, which is what an MNIST background is.
        alphas = (tf.range(IG_STEPS, dtype=tf.float32) + 0.5) / IG_STEPS  # midpoint rule
        path = alphas[:, None, None, None] * x
        with tf.GradientTape() as tape:
            tape.watch(path)
            scores = logits(score_model(path, training=False))[:, class_index]
        grads = tf.cast(tape.gradient(scores, path), tf.float32)
        ends = logits(score_model(tf.concat([x, tf.zeros_like(x)], 0), training=False))[:, class_index]
        return x[0, ..., 0] * tf.reduce_mean(grads, 0)[..., 0], tf.cast(ends[0] - ends[1], tf.float32)

    return _Probe(
        names=tuple(conv.name for conv in convs),
        geometry=_geometry(model, convs[-1]),
        maps=maps.get_concrete_function(image_spec),
        grad_cam=grad_cam.get_concrete_function(image_spec, class_spec),
        integrated=integrated.get_concrete_function(image_spec, class_spec),
        classes=int(model.outputs[0].shape[-1]),
    )


_CACHE: dict[int, tuple[weakref.ref, _Probe]] = {}  # id(model) -> (the model, its probe)
_CACHE_LOCK = threading.Lock()


def _probe(model: keras.Model) -> _Probe:
    """The cached probe of `model`; built (and traced) on first use, dropped when the model dies."""
    with _CACHE_LOCK:
        hit = _CACHE.get(id(model))
        if hit is not None and hit[0]() is model:
            return hit[1]
        for key in [key for key, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[key]
        probe = _build(model)
        _CACHE[id(model)] = (weakref.ref(model), probe)
        return probe


def conv_layer_names(model: keras.Model) -> list[str]:
    """Names of the model's Conv2D layers, input side first."""
    return [conv.name for conv in _conv_layers(model)]


def feature_maps(model: keras.Model, image: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(28, 28) float32 in [0, 1] -> [(conv layer name, (H, W, C) float32 maps)] for every Conv2D.

    Each map is read where the network uses it: after the conv's own activation and any batch
    norm or activation applied to it directly (for max-pool-then-ReLU, ReLU before the pool),
    at the conv's own resolution.
    """
    probe = _probe(model)
    out = probe.maps(tf.constant(_check_image(image)))
    return [(name, t.numpy()[0]) for name, t in zip(probe.names, out)]


def conv_filters(model: keras.Model, layer_name: str) -> np.ndarray:
    """A Conv2D layer's kernel as (k, k, C_in, C_out) float32; ValueError if there is no such conv."""
    for conv in _conv_layers(model):
        if conv.name == layer_name:
            return np.asarray(keras.ops.convert_to_numpy(conv.kernel), dtype=np.float32)
    raise ValueError(f"No conv layer {layer_name!r}; choose one of {', '.join(conv_layer_names(model))}.")


def _check_class(probe: _Probe, class_index: int) -> tf.Tensor:
    if not isinstance(class_index, (int, np.integer)) or not 0 <= class_index < probe.classes:
        raise ValueError(f"Class index must be an integer from 0 to {probe.classes - 1}, got {class_index!r}.")
    return tf.constant(int(class_index), tf.int32)


def grad_cam(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    """(28, 28) float32 image -> (28, 28) float32 in [0, 1]: where the last conv layer found the class.

    Grad-CAM (Selvaraju et al. 2017): the last conv's maps weighted by the mean gradient of the
    class's logit, rectified, laid back onto the input pixels they are centred on.
    """
    probe = _probe(model)
    cls = _check_class(probe, class_index)
    maps, grads = (t.numpy()[0] for t in probe.grad_cam(tf.constant(_check_image(image)), cls))
    cam = np.maximum((maps * grads.mean(axis=(0, 1))).sum(axis=-1), 0).astype(np.float32)
    start, step = probe.geometry
    to_input = np.float32([[step, 0, start], [0, step, start]])
    cam = cv2.warpAffine(cam, to_input, (IMAGE_SIZE, IMAGE_SIZE), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT)  # nothing is centred off the map
    return _unit(cam)


def integrated_gradients(model: keras.Model, image: np.ndarray, class_index: int) -> tuple[np.ndarray, float]:
    """(28, 28) float32 image -> ((28, 28) float32 signed attributions, logit(image) - logit(black)).

    Integrated gradients (Sundararajan et al. 2017) from a black image: each pixel's share of the
    class logit; the shares add up to the second value (up to the `IG_STEPS` approximation).
    """
    probe = _probe(model)
    cls = _check_class(probe, class_index)
    attributions, total = probe.integrated(tf.constant(_check_image(image)), cls)
    return attributions.numpy(), float(total)


def saliency(model: keras.Model, image: np.ndarray, class_index: int, method: str = "integrated") -> np.ndarray:
    """(28, 28) float32 image -> (28, 28) float32 in [0, 1]: which pixels made the model say `class_index`.

    "integrated" (default): integrated gradients, positive part, smoothed over about a pixel. On a
    28x28 digit it lights up stroke segments themselves, while "grad_cam" is only as fine as the
    last conv's map (7x7 in the best model: one blob over the digit) and often lights up empty
    background next to a stroke; it shows *where* the last layer looked, not *which ink* counted.
    """
    if method == "grad_cam":
        return grad_cam(model, image, class_index)
    if method != "integrated":
        raise ValueError(f"Unknown saliency method {method!r}: use 'integrated' or 'grad_cam'.")
    attributions, _ = integrated_gradients(model, image, class_index)
    # Single-pixel attributions are speckled; a stroke is ~2 px wide, so blur to stroke scale.
    positive = cv2.GaussianBlur(np.maximum(attributions, 0), (0, 0), SMOOTH_SIGMA)
    # A few pixels often carry most of the sum; scale by a high percentile so the rest show.
    top = np.percentile(positive[positive > 0], 98) if (positive > 0).any() else 0.0
    return _unit(positive, top)


def _unit(values: np.ndarray, top: float | None = None) -> np.ndarray:
    top = float(values.max()) if top is None else float(top)
    if top <= 0:
        return np.zeros(values.shape, np.float32)
    return np.clip(values / top, 0, 1).astype(np.float32)


def _columns(count: int) -> int:
    """Columns of a near-square grid that leaves no empty cell when one exists."""
    low = math.ceil(math.sqrt(count))
    return next((c for c in range(low, 2 * low + 1) if count % c == 0), low)


@functools.cache
def _lut(colormap: int) -> np.ndarray:
    """An OpenCV colormap as a (256, 3) uint8 RGB table (applyColorMap costs ~1 ms a call)."""
    return cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], colormap)[:, 0, ::-1].copy()


def tile(images: np.ndarray, scale: int | None = None, columns: int | None = None,
         colormap: int | None = cv2.COLORMAP_VIRIDIS) -> np.ndarray:
    """(H, W, N) float32 in [0, 1] -> one (rows, cols) grid as (h, w, 3) uint8 RGB, tiles enlarged `scale` x."""
    h, w, count = images.shape
    scale = scale or max(1, round(TILE_PX / max(h, w)))
    columns = columns or _columns(count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = h * scale + GAP_PX, w * scale + GAP_PX
    gray = np.zeros((rows * cell_h - GAP_PX, columns * cell_w - GAP_PX), np.uint8)
    gap = np.ones(gray.shape, bool)
    big = np.repeat(np.repeat((np.clip(images, 0, 1) * 255).astype(np.uint8), scale, 0), scale, 1)
    for n in range(count):
        r, c = divmod(n, columns)
        cell = np.s_[r * cell_h:r * cell_h + h * scale, c * cell_w:c * cell_w + w * scale]
        gray[cell], gap[cell] = big[..., n], False
    grid = _lut(colormap)[gray] if colormap is not None else np.repeat(gray[..., None], 3, axis=2)
    grid[gap] = GAP_COLOR
    return grid


def tile_maps(maps: np.ndarray) -> np.ndarray:
    """(H, W, C) float32 feature maps -> (h, w, 3) uint8 RGB grid, one shared scale for the layer.

    One scale for all channels keeps a quiet channel dark instead of blowing its noise up.
    """
    low, high = min(float(maps.min()), 0.0), float(maps.max())
    return tile((maps - low) / (high - low) if high > low else np.zeros_like(maps))


def tile_filters(kernel: np.ndarray) -> np.ndarray:
    """(k, k, C_in, C_out) float32 kernel -> (h, w, 3) uint8 RGB grid: one row per output filter.

    Grey is 0, white the layer's largest positive weight, black its most negative.
    """
    k, _, c_in, c_out = kernel.shape
    peak = float(np.abs(kernel).max()) or 1.0
    cells = 0.5 + 0.5 * kernel / peak
    if c_in == 1:
        return tile(cells[:, :, 0, :], colormap=None)
    # Row f holds filter f's slices for each input channel.
    stacked = np.transpose(cells, (0, 1, 3, 2)).reshape(k, k, c_in * c_out)
    return tile(stacked, scale=max(1, round(TILE_PX / 2 / k)), columns=c_in, colormap=None)


def overlay(image: np.ndarray, heat: np.ndarray, size: int = 224, colormap: int = cv2.COLORMAP_JET) -> np.ndarray:
    """(28, 28) digit in [0, 1] and (28, 28) heat in [0, 1] -> (size, size, 3) uint8 RGB.

    The digit is drawn light grey on white, as drawn; the heat is blended in as strongly as it
    is hot, so cold pixels show the plain digit and hot strokes stand out.
    """
    image, heat = np.asarray(image, np.float32), np.asarray(heat, np.float32)
    if image.shape != heat.shape or image.ndim != 2:
        raise ValueError(f"Image and heat map must be the same 2-D shape, got {image.shape} and {heat.shape}.")
    heat = np.clip(heat, 0, 1)
    base = np.repeat((255 * (1 - 0.45 * np.clip(image, 0, 1)))[..., None], 3, axis=2)
    color = _lut(colormap)[(heat * 255).astype(np.uint8)].astype(np.float32)
    alpha = 0.85 * heat[..., None] ** 0.8
    blended = (base * (1 - alpha) + color * alpha).astype(np.uint8)
    return cv2.resize(blended, (size, size), interpolation=cv2.INTER_NEAREST)
