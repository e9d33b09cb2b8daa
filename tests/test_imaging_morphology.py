"""imaging.morphology against OpenCV (dev dependency) and brute force on small masks."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animate_drawing.imaging.morphology import (
    close, dilate, distance_to_background, erode, label_components, max_filter, min_filter)

KERNEL = np.ones((3, 3), np.uint8)


def random_masks(count, max_side=24, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(count):
        h, w = rng.integers(1, max_side, 2)
        yield rng.random((h, w)) < rng.uniform(0.2, 0.95)


def blobs_mask(h=160, w=120, seed=3):
    """Discs, a ring and thin diagonal strokes: components with holes and 8-only contacts."""
    rng = np.random.default_rng(seed)
    yy, xx = np.indices((h, w))
    mask = np.zeros((h, w), bool)
    for cx, cy, r in rng.uniform([0, 0, 3], [w, h, 25], (12, 3)):
        mask |= (xx - cx) ** 2 + (yy - cy) ** 2 < r * r
    ring = (xx - 60) ** 2 + (yy - 80) ** 2
    mask ^= (ring > 15 ** 2) & (ring < 22 ** 2)
    mask |= (xx == yy) | (xx == h - yy)
    return mask


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = np.unique(a.astype(np.int64) * (b.max() + 1) + b)
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8, (3, 1), (1, 7), (6, 3), (17, 40)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int16])
def test_rank_filters_equal_cv2(size, dtype):
    rng = np.random.default_rng(1)
    image = (rng.random((37, 29)) * 200 - (50 if dtype == np.int16 else 0)).astype(dtype)
    w, h = (size, size) if np.isscalar(size) else size
    kernel = np.ones((h, w), np.uint8)
    np.testing.assert_array_equal(max_filter(image, size), cv2.dilate(image, kernel))
    np.testing.assert_array_equal(min_filter(image, size), cv2.erode(image, kernel))


def test_rank_filters_per_channel_and_bool():
    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (20, 31, 3), dtype=np.uint8)
    kernel = np.ones((5, 3), np.uint8)
    np.testing.assert_array_equal(max_filter(rgb, (3, 5)), cv2.dilate(rgb, kernel))
    mask = rng.random((20, 31)) < 0.1
    out = max_filter(mask, 3)
    assert out.dtype == bool
    np.testing.assert_array_equal(out, cv2.dilate(mask.view(np.uint8), KERNEL) > 0)


@pytest.mark.parametrize("iterations", [1, 2, 3])
def test_dilate_erode_close_equal_cv2(iterations):
    for mask in random_masks(40, seed=iterations):
        u8 = mask.astype(np.uint8) * 255
        np.testing.assert_array_equal(dilate(u8, iterations), cv2.dilate(u8, KERNEL, iterations=iterations))
        np.testing.assert_array_equal(erode(u8, iterations), cv2.erode(u8, KERNEL, iterations=iterations))
        np.testing.assert_array_equal(
            close(u8, iterations), cv2.morphologyEx(u8, cv2.MORPH_CLOSE, KERNEL, iterations=iterations))
        assert dilate(mask, iterations).dtype == bool
        np.testing.assert_array_equal(close(mask, iterations), close(u8, iterations) > 0)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_label_components_partition_equals_cv2(connectivity):
    masks = list(random_masks(60, seed=connectivity)) + [blobs_mask(), np.zeros((5, 4), bool),
                                                         np.ones((3, 7), bool)]
    for mask in masks:
        count, labels = label_components(mask, connectivity)
        ref_count, ref = cv2.connectedComponents(mask.astype(np.uint8), connectivity=connectivity)
        assert labels.dtype == np.int32 and count == ref_count
        assert same_partition(labels, ref)
        np.testing.assert_array_equal(labels == 0, ~mask)


def test_label_components_numbers_in_raster_order_and_diagonals():
    mask = np.array([[0, 1, 0, 0, 1],
                     [1, 0, 0, 1, 0],
                     [0, 0, 0, 0, 0],
                     [1, 1, 0, 0, 1]], bool)
    count8, labels8 = label_components(mask, 8)
    count4, labels4 = label_components(mask, 4)
    assert count8 == 5 and count4 == 7
    np.testing.assert_array_equal(labels8[mask], [1, 2, 1, 2, 3, 3, 4])
    np.testing.assert_array_equal(labels4[mask], [1, 2, 3, 4, 5, 5, 6])


def brute_distance(mask: np.ndarray) -> np.ndarray:
    background = np.argwhere(~mask)
    rows, cols = np.indices(mask.shape)
    squared = ((rows.reshape(-1, 1) - background[:, 0]) ** 2 + (cols.reshape(-1, 1) - background[:, 1]) ** 2)
    return np.sqrt(squared.min(axis=1)).reshape(mask.shape)


def test_distance_is_exact_on_small_masks():
    for mask in random_masks(150, max_side=30, seed=5):
        if mask.all():
            continue
        distance = distance_to_background(mask)
        assert distance.dtype == np.float32
        np.testing.assert_allclose(distance, brute_distance(mask), atol=1e-5)


def test_distance_ignores_the_image_border_and_edge_cases():
    mask = np.ones((6, 9), bool)
    mask[5, 0] = False
    distance = distance_to_background(mask)
    assert distance[0, 8] == pytest.approx(np.hypot(5, 8))   # the border is no background
    assert np.all(distance_to_background(np.zeros((3, 4), bool)) == 0)
    assert np.all(np.isinf(distance_to_background(np.ones((3, 4), bool))))


def test_distance_close_to_cv2_mask5_on_blobs():
    mask = blobs_mask(400, 300)
    for m in (mask, ~mask):
        ours = distance_to_background(m)
        ref = cv2.distanceTransform(m.astype(np.uint8), cv2.DIST_L2, 5)
        exact = ours[m]
        # cv2's 5x5 chamfer is an approximation: within 2% of the exact distance (+0.1 px).
        assert np.all(np.abs(ref[m] - exact) <= 0.02 * exact + 0.1)
        np.testing.assert_array_equal(ours[~m], 0)


@pytest.mark.parametrize("seed", range(4))
def test_distance_with_a_limit_is_exact_below_it_and_the_limit_beyond(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        h, w = rng.integers(1, 70, 2)
        mask = rng.random((h, w)) < rng.uniform(0.5, 0.995)
        limit = float(rng.uniform(0.5, 25.0))
        exact = distance_to_background(mask)
        np.testing.assert_allclose(distance_to_background(mask, limit=limit), np.minimum(exact, limit), atol=1e-4)
