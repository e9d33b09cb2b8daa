"""The numpy classical segmentation against the OpenCV pipeline it replaced (cv2 is a dev dependency)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from animate_drawing.models.classical_segmentation import (
    BLOCK_SIZE, OFFSET_C, blobs, classical_mask, gaussian_mean, largest_blob, stroke_map)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings"
KERNEL = np.ones((3, 3), np.uint8)
TEXTURES = ["AnimatedDrawings_Server-Backend__example1", "Ajaypawar02_AnimatedDrawings__garlic_out",
            "mikaelapisani_AnimatedDrawings-JM__output_2", "xkromkad_AnimatedDrawings-1__postava_out"]


def drawing(folder: str) -> np.ndarray:
    path = SHARED / "annotated" / folder / "texture.png"
    if not path.is_file():
        pytest.skip(f"no shared drawing at {path}")
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def cv2_stroke_map(rgb: np.ndarray) -> np.ndarray:
    darkest = rgb.min(axis=2)
    block = min(BLOCK_SIZE, min(darkest.shape) - (1 - min(darkest.shape) % 2))
    paper = cv2.adaptiveThreshold(darkest, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, OFFSET_C)
    strokes = cv2.morphologyEx(255 - paper, cv2.MORPH_CLOSE, KERNEL, iterations=2)
    return cv2.dilate(strokes, KERNEL, iterations=2)


def cv2_filled_blobs(mask: np.ndarray) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    out = []
    for contour in contours:
        canvas = np.zeros(mask.shape, np.uint8)
        cv2.drawContours(canvas, [contour], -1, 1, thickness=cv2.FILLED)
        out.append(canvas.astype(bool))
    return out


@pytest.mark.parametrize("folder", TEXTURES)
def test_local_mean_and_strokes_match_opencv(folder):
    rgb = drawing(folder)
    darkest = rgb.min(axis=2)
    reference = cv2.GaussianBlur(darkest.astype(np.float32), (BLOCK_SIZE, BLOCK_SIZE), 0,
                                 borderType=cv2.BORDER_REPLICATE)
    assert np.abs(gaussian_mean(darkest, BLOCK_SIZE) - reference).max() < 0.5   # grey levels
    ours = stroke_map(rgb)
    assert ours.dtype == np.uint8 and set(np.unique(ours)) <= {0, 255}
    assert np.mean(ours != cv2_stroke_map(rgb)) < 0.002


def test_small_window_mean_is_the_exact_gaussian():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (40, 31), dtype=np.uint8)
    reference = cv2.GaussianBlur(image.astype(np.float32), (15, 15), 0, borderType=cv2.BORDER_REPLICATE)
    np.testing.assert_allclose(gaussian_mean(image, 15), reference, atol=1e-3)


def test_blobs_and_largest_blob_fill_like_outer_contours():
    rng = np.random.default_rng(1)
    for _ in range(40):
        mask = cv2.dilate((rng.random((50, 70)) < 0.08).astype(np.uint8), KERNEL) > 0
        mask[rng.random(mask.shape) < 0.1] = False           # holes and 8-only contacts
        reference = sorted(cv2_filled_blobs(mask), key=lambda b: -int(b.sum()))
        ours = blobs(mask)
        assert sorted(int(b.sum()) for b in ours) == sorted(int(b.sum()) for b in reference)
        for blob in ours:
            assert any(np.array_equal(blob, r) for r in reference)
        assert largest_blob(mask).sum() == reference[0].sum()


def test_island_in_a_hole_belongs_to_the_blob_around_it():
    mask = np.zeros((30, 30), bool)
    mask[2:28, 2:28] = True
    mask[6:24, 6:24] = False                                 # hole
    mask[12:18, 12:18] = True                                # island inside the hole
    mask[0, 29] = True                                       # a separate speck
    np.testing.assert_array_equal(largest_blob(mask), np.pad(np.ones((26, 26), bool), 2))
    found = blobs(mask, min_fraction=0.01)
    assert [int(b.sum()) for b in found] == [26 * 26]        # the speck is below 1 %
    assert not largest_blob(np.zeros((5, 5), bool)).any()


def test_classical_mask_on_a_drawing_equals_the_opencv_pipeline():
    rgb = drawing(TEXTURES[0])
    strokes = cv2_stroke_map(rgb)
    free = (strokes == 0).astype(np.uint8)
    count, labels = cv2.connectedComponents(free, connectivity=4)
    h, w = free.shape
    xs, ys = np.arange(0, w - 1, 10), np.arange(0, h - 1, 10)
    seeds = np.concatenate([labels[0, xs], labels[h - 1, xs], labels[ys, 0], labels[ys, w - 1]])
    reached = np.isin(labels, seeds[seeds > 0])
    reached[0, :] = reached[-1, :] = reached[:, 0] = reached[:, -1] = True
    reference = max(cv2_filled_blobs(~reached), key=lambda b: int(b.sum()))
    ours = classical_mask(rgb)
    assert (ours & reference).sum() / (ours | reference).sum() > 0.998
