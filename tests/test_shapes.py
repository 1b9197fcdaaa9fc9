"""Random shapes for the "is it a digit?" network: varied, reproducible, drawn like every other drawing."""

import numpy as np

from mnistdemo import nondigits, shapes


def test_a_shape_is_strokes_about_one_unit_across_and_the_seed_fixes_it():
    drawn = [shapes.shape_strokes(np.random.default_rng(seed)) for seed in range(200)]
    for strokes in drawn:
        assert strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in strokes)
        points = np.concatenate(strokes)
        assert 0.6 <= np.ptp(points, axis=0).max() <= 2.0  # normalised to one unit, then jittered
    again = shapes.shape_strokes(np.random.default_rng(7))
    assert all(np.array_equal(a, b) for a, b in zip(drawn[7], again))
    assert len({len(strokes) for strokes in drawn}) >= 5  # one stroke to many


def test_random_shapes_are_preprocessed_like_drawn_digits_and_all_differ():
    images = nondigits.random_shapes(40, seed=1)
    assert images.shape == (40, 28, 28) and images.dtype == np.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    for image in images:  # MNIST's normalisation: the ink's longest side fills 20 px
        rows, cols = np.nonzero(image > 0.05)
        assert 19 <= max(np.ptp(rows), np.ptp(cols)) + 1 <= 22
    flat = images.reshape(len(images), -1)
    distances = np.abs(flat[:, None] - flat[None]).mean(axis=2)
    assert distances[~np.eye(len(images), dtype=bool)].min() > 0.01
    np.testing.assert_allclose(images, nondigits.random_shapes(40, seed=1), atol=1e-6)  # float rounding may differ
    assert not np.array_equal(images, nondigits.random_shapes(40, seed=2))
