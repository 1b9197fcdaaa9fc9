"""Training-time augmentation on whole batches in TensorFlow: affine jitter and stroke thickness.

Drawn digits differ from MNIST in slant, size, position and pen width; these are the
variations that the augmentation imitates.
"""

from dataclasses import dataclass

import tensorflow as tf

CENTRE = 13.5  # centre of a 28x28 image in pixel-index coordinates


@dataclass(frozen=True)
class AugmentSpec:
    rotation_deg: float = 12.0
    scale: tuple[float, float] = (0.85, 1.12)
    shear: float = 0.2
    shift_px: float = 2.0
    thicken_prob: float = 0.3
    thin_prob: float = 0.2
    flip: bool = False  # mirror left-right (clothes, not digits)


# Digits: slant, size, position and pen width vary. Clothes: mirrored, shifted, barely rotated.
SPECS = {
    "mnist": AugmentSpec(),
    "fashion_mnist": AugmentSpec(rotation_deg=5.0, scale=(0.95, 1.05), shear=0.05, shift_px=2.0,
                                 thicken_prob=0.0, thin_prob=0.0, flip=True),
}


def _uniform(n, low, high):
    return tf.random.uniform([n], low, high)


def random_affine(images: tf.Tensor, spec: AugmentSpec) -> tf.Tensor:
    """(B, 28, 28, 1) float32 -> the same, each image rotated, scaled, sheared and shifted at random."""
    n = tf.shape(images)[0]
    angle = _uniform(n, -spec.rotation_deg, spec.rotation_deg) * (3.141592653589793 / 180.0)
    scale = _uniform(n, *spec.scale)
    shear = _uniform(n, -spec.shear, spec.shear)
    tx, ty = _uniform(n, -spec.shift_px, spec.shift_px), _uniform(n, -spec.shift_px, spec.shift_px)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map M = scale * rotation @ [[1, shear], [0, 1]]; det(M) = scale^2.
    m00, m01 = scale * cos, scale * (cos * shear - sin)
    m10, m11 = scale * sin, scale * (sin * shear + cos)
    det = scale * scale
    # The op wants the inverse: output pixel -> input pixel.
    i00, i01, i10, i11 = m11 / det, -m01 / det, -m10 / det, m00 / det
    ox, oy = CENTRE + tx, CENTRE + ty
    a2 = CENTRE - i00 * ox - i01 * oy
    b2 = CENTRE - i10 * ox - i11 * oy
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([i00, i01, a2, i10, i11, b2, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def random_thickness(images: tf.Tensor, spec: AugmentSpec) -> tf.Tensor:
    """Blend some images towards a dilated (thicker) and some towards an eroded (thinner) version."""
    n = tf.shape(images)[0]
    thick = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thin = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    pick = _uniform(n, 0.0, 1.0)
    w_thick = tf.where(pick < spec.thicken_prob, _uniform(n, 0.2, 0.8), 0.0)[:, None, None, None]
    w_thin = tf.where(pick > 1.0 - spec.thin_prob, _uniform(n, 0.2, 0.6), 0.0)[:, None, None, None]
    return images + w_thick * (thick - images) + w_thin * (thin - images)


def augment_batch(images: tf.Tensor, spec: AugmentSpec = SPECS["mnist"]) -> tf.Tensor:
    """(B, 28, 28, 1) float32 in [0, 1] -> an augmented batch of the same shape."""
    if spec.flip:
        mirror = tf.random.uniform([tf.shape(images)[0], 1, 1, 1]) < 0.5
        images = tf.where(mirror, tf.reverse(images, axis=[2]), images)
    if spec.thicken_prob or spec.thin_prob:
        images = random_thickness(images, spec)
    return tf.clip_by_value(random_affine(images, spec), 0.0, 1.0)
