"""imaging.resample against OpenCV: resize (INTER_AREA / INTER_LINEAR), remap with a
replicated border, warpAffine with an inverse map."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from animate_drawing.imaging.resample import resize, sample_bilinear, warp_affine

RNG = np.random.default_rng(7)
SHAPES = [(37, 53), (37, 53, 3), (64, 48, 4), (5, 9)]
SHRINKS = [(10, 9), (26, 18), (3, 2), (1, 1), (24, 16)]  # non-integer and integer factors
GROWS = [(106, 74), (200, 150), (61, 41)]


def noise(shape, dtype=np.uint8) -> np.ndarray:
    values = RNG.integers(0, 256, shape)
    return values.astype(dtype)


def max_error(ours: np.ndarray, reference: np.ndarray) -> float:
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    return float(np.abs(ours.astype(np.float64) - reference.astype(np.float64)).max())


def area_reference(size, shape) -> int | None:
    """cv2's area flag where both axes shrink, linear where both grow (mixed: tested below)."""
    if size[0] <= shape[1] and size[1] <= shape[0]:
        return cv2.INTER_AREA
    return cv2.INTER_LINEAR if size[0] >= shape[1] and size[1] >= shape[0] else None


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("size", SHRINKS + GROWS)
def test_resize_matches_opencv(shape, size):
    uint8 = noise(shape)
    for method, flag in (("area", area_reference(size, shape)), ("linear", cv2.INTER_LINEAR)):
        if flag is None:
            continue
        assert max_error(resize(uint8, size, method), cv2.resize(uint8, size, interpolation=flag)) <= 1
        floats = uint8.astype(np.float32) / 255
        assert max_error(resize(floats, size, method), cv2.resize(floats, size, interpolation=flag)) < 1e-5


def test_area_averages_whole_blocks_exactly():
    image = np.arange(36, dtype=np.float32).reshape(6, 6)
    expected = image.reshape(2, 3, 2, 3).mean((1, 3))
    np.testing.assert_allclose(resize(image, (2, 2), "area"), expected, rtol=1e-6)
    # 3 -> 2: each output covers 1.5 source pixels
    np.testing.assert_allclose(resize(np.array([[0, 3, 6]], np.float32), (2, 1), "area"),
                               [[1.0, 5.0]], rtol=1e-6)


def test_area_shrinking_one_axis_and_growing_the_other_is_area_then_linear():
    image = noise((40, 30, 3)).astype(np.float32)
    ours = resize(image, (45, 25), "area")
    reference = cv2.resize(cv2.resize(image, (30, 25), interpolation=cv2.INTER_AREA), (45, 25),
                           interpolation=cv2.INTER_LINEAR)
    assert max_error(ours, reference) < 1e-3


def test_bool_masks_keep_pixels_at_least_half_covered():
    mask = noise((50, 70)) > 100
    for size, method, flag in (((23, 17), "area", cv2.INTER_AREA), ((23, 17), "linear", cv2.INTER_LINEAR),
                               ((130, 90), "linear", cv2.INTER_LINEAR)):
        ours = resize(mask, size, method)
        fraction = cv2.resize(mask.astype(np.float32), size, interpolation=flag)
        assert ours.dtype == bool and ours.shape == (size[1], size[0])
        clear = np.abs(fraction - 0.5) > 1e-4
        np.testing.assert_array_equal(ours[clear], fraction[clear] >= 0.5)


def test_same_size_is_a_copy_and_bad_arguments_fail():
    image = noise((4, 5, 3))
    same = resize(image, (5, 4))
    np.testing.assert_array_equal(same, image)
    assert same is not image
    with pytest.raises(ValueError):
        resize(image, (0, 4))
    with pytest.raises(ValueError):
        resize(image, (2, 2), "cubic")


def on_remap_grid(values: np.ndarray) -> np.ndarray:
    """cv2.remap/warpAffine quantise coordinates to 1/32 px; compare on that grid."""
    return np.round(values * 32) / 32


@pytest.mark.parametrize("shape", [(31, 45), (31, 45, 4), (1, 6, 3)])
def test_sample_bilinear_matches_remap_with_replicated_border(shape):
    image = noise(shape)
    h, w = shape[:2]
    count = 20_000  # several chunks
    x = on_remap_grid(RNG.uniform(-3, w + 2, count)).astype(np.float32)
    y = on_remap_grid(RNG.uniform(-3, h + 2, count)).astype(np.float32)
    ours = sample_bilinear(image, x, y)
    channels = shape[2] if len(shape) == 3 else 1
    assert ours.shape == (count, channels) and ours.dtype == np.float32
    reference = cv2.remap(image, x[None], y[None], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    assert np.abs(np.rint(ours) - reference.reshape(count, channels)).max() <= 1
    floats = image.astype(np.float32)
    reference = cv2.remap(floats, x[None], y[None], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    np.testing.assert_allclose(sample_bilinear(floats, x, y), reference.reshape(count, channels), atol=1e-3)


def test_sample_bilinear_hits_pixel_centres_exactly():
    image = noise((6, 8, 4))
    ys, xs = np.mgrid[0:6, 0:8]
    np.testing.assert_array_equal(sample_bilinear(image, xs, ys), image.reshape(-1, 4))
    np.testing.assert_allclose(sample_bilinear(image, [0.5], [0.0])[0], image[0, :2].mean(0))
    np.testing.assert_array_equal(sample_bilinear(image, [np.nan], [5.0])[0], image[5, 0])


@pytest.mark.parametrize("matrix", [
    [[0.37, 0.0, -1.2], [0.0, 0.41, 2.3]],  # scale + shift (the separable path)
    [[-1.5, 0.0, 40.0], [0.0, 2.0, -5.0]],  # flip and grow
    [[0.8, 0.3, -4.0], [-0.25, 0.9, 6.0]],  # rotation + shear
])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_warp_affine_matches_opencv_inverse_map(matrix, dtype):
    image = noise((40, 30, 3), dtype)
    m = np.array(matrix)
    m = on_remap_grid(m)  # every output pixel then maps to an exact 1/32 step
    size = (32, 35)
    ours = warp_affine(image, m, size)
    reference = cv2.warpAffine(image, m, size, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REPLICATE)
    assert max_error(ours, reference) <= (1 if dtype == np.uint8 else 1e-3)


def test_warp_affine_of_a_2d_map_keeps_its_shape():
    prob = RNG.random((16, 12)).astype(np.float32)
    out = warp_affine(prob, [[0.5, 0.0, 0.25], [0.0, 0.5, 0.25]], (24, 32))
    assert out.shape == (32, 24) and out.dtype == np.float32
    reference = cv2.warpAffine(prob, np.array([[0.5, 0, 0.25], [0, 0.5, 0.25]]), (24, 32),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
    np.testing.assert_allclose(out, reference, atol=1e-4)


def test_crop_views_resize_like_their_copies():
    page = noise((60, 80, 3))
    crop = page[7:50, 11:70]  # a strided view, as callers pass crops of a photo
    for size in ((20, 15), (90, 70)):
        for method in ("area", "linear"):
            np.testing.assert_array_equal(resize(crop, size, method), resize(crop.copy(), size, method))
    m = [[0.8, 0.2, 1.0], [-0.1, 0.7, 2.0]]
    np.testing.assert_array_equal(warp_affine(crop, m, (30, 30)), warp_affine(crop.copy(), m, (30, 30)))
