"""Fill holes in a photo with what surrounds them: a pyramid (push-pull) fill in numpy.

Used to lift the figures off their page: paper is smooth, so the hole is filled from coarser
and coarser averages of the known pixels around it (each level halves the size and averages
only known pixels), then refined on the way back up where the finer level knows nothing.
A 2000 px page takes well under a second; lighting gradients and paper tint carry into the
hole, texture (grain, ruled lines) does not.
"""

from __future__ import annotations

import numpy as np

from .morphology import dilate
from .resample import resize


def fill_holes(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """`rgb` (H, W, 3) uint8 with the `hole` (H, W) bool pixels replaced by a smooth fill."""
    hole = np.asarray(hole, bool)
    if not hole.any():
        return rgb.copy()
    if hole.all():
        return np.full_like(rgb, 255)       # nothing known: white paper
    levels = []
    colour = rgb.astype(np.float32)
    known = (~hole).astype(np.float32)
    while True:
        levels.append((colour, known))
        if known.min() > 0 or min(colour.shape[:2]) <= 2:
            break
        colour, known = _halve(colour, known)
    filled = levels[-1][0]
    if levels[-1][1].min() == 0:            # a hole still left on a tiny image: the mean of what is known
        mean = (filled * levels[-1][1][..., None]).sum((0, 1)) / levels[-1][1].sum()
        filled = np.where(levels[-1][1][..., None] > 0, filled, mean)
    for colour, known in reversed(levels[:-1]):
        coarse = resize(filled, (colour.shape[1], colour.shape[0]), method="linear")
        # A partly known coarse pixel is an average of its known pixels: trust it by how much is known.
        weight = np.clip(known, 0.0, 1.0)[..., None]
        filled = colour * weight + coarse * (1.0 - weight)
    out = rgb.copy()
    out[hole] = np.clip(np.rint(filled[hole]), 0, 255).astype(np.uint8)
    return out


def lift_figures(rgb: np.ndarray, masks, margin: int | None = None) -> np.ndarray:
    """The page with every figure (`masks`, bool (H, W) each) removed and its place filled with
    paper. The masks are grown by `margin` px (default 0.6% of the page's long side): ink a
    mask misses at the outline would otherwise stay behind as a ghost outline."""
    hole = np.zeros(rgb.shape[:2], bool)
    for mask in masks:
        hole |= mask
    if margin is None:
        margin = max(2, round(0.006 * max(rgb.shape[:2])))
    return fill_holes(rgb, dilate(hole, margin))


def _halve(colour: np.ndarray, known: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2 blocks → one pixel: the average of the known pixels (weighted), and how much was known."""
    h, w = colour.shape[:2]
    h2, w2 = (h + 1) // 2, (w + 1) // 2
    pad = ((0, 2 * h2 - h), (0, 2 * w2 - w))
    weighted = np.pad(colour * known[..., None], pad + ((0, 0),))
    weights = np.pad(known, pad)
    total = weighted.reshape(h2, 2, w2, 2, -1).sum((1, 3))
    count = weights.reshape(h2, 2, w2, 2).sum((1, 3))
    average = total / np.maximum(count, 1e-6)[..., None]
    return average, np.minimum(count, 1.0)
