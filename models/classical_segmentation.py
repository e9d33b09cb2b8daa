"""The classical figure segmentation of AnimatedDrawings, reimplemented as our fallback.

Pen strokes are darker than the paper around them in every channel, so the darkest channel
is thresholded against its local (Gaussian-weighted) mean; strokes are then thickened to
close small gaps, everything the paper reaches from the image border is background, and
the largest remaining blob (holes filled) is the figure. Works on a figure *crop*; on a
whole photo it is only a coarse figure finder (paper edges and shadows leak in).
"""

from __future__ import annotations

import numpy as np

from ..imaging.morphology import close, dilate, label_components
from ..imaging.resample import resize

BLOCK_SIZE = 115   # adaptive threshold neighbourhood (px)
OFFSET_C = 8       # a stroke must be this much darker than its neighbourhood mean
SEED_STEP = 10     # background flood seeds along the border
SHRINK = 4         # the local mean is computed at 1/SHRINK of the size


def stroke_map(rgb: np.ndarray, contrast: np.ndarray | None = None) -> np.ndarray:
    """uint8 0/255 map of (thickened) strokes: the pixels that block the background flood
    (`contrast`: the crop's `ink_contrast` when the caller already has it)."""
    if contrast is None:
        contrast = ink_contrast(rgb)
    strokes = (contrast >= OFFSET_C).view(np.uint8) * np.uint8(255)
    return dilate(close(strokes, 2), 2)


def ink_contrast(rgb: np.ndarray) -> np.ndarray:
    """int16: how much darker each pixel's darkest channel is than its local mean.

    OpenCV's ADAPTIVE_THRESH_GAUSSIAN_C (THRESH_BINARY) keeps as paper what is brighter than
    its rounded local mean minus C: a stroke is where this reaches OFFSET_C."""
    darkest = np.minimum(np.minimum(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])
    block = min(BLOCK_SIZE, _odd_at_most(min(darkest.shape)))
    return np.rint(gaussian_mean(darkest, block)).astype(np.int16) - darkest


def gaussian_mean(image: np.ndarray, block: int) -> np.ndarray:
    """float32 local mean under OpenCV's Gaussian for a `block`-px window (sigma
    0.3 * ((block - 1) / 2 - 1) + 0.8), border replicated.

    The Gaussian is wide and smooth, so it is applied at 1/SHRINK of the size: replicate
    the border at full size (a dark pixel on the edge weighs as much as in OpenCV), average
    SHRINK x SHRINK cells, exact Gaussian there, bilinear enlargement; the variances of the
    three steps add up to the full-size one. On drawings the mean stays within about a grey
    level of OpenCV's, so the stroke threshold moves by at most one level."""
    sigma = 0.3 * ((block - 1) * 0.5 - 1) + 0.8
    reach = block // 2
    if sigma <= 2 * SHRINK:
        return _gaussian_blur(image.astype(np.float32), sigma, reach)
    f = SHRINK
    h, w = image.shape
    pad = -(-reach // f) * f
    big = np.pad(image.astype(np.float32), ((pad, pad + (-h) % f), (pad, pad + (-w) % f)), mode="edge")
    small = big.reshape(big.shape[0] // f, f, big.shape[1] // f, f).mean(axis=(1, 3))
    # variances: the f x f box (f^2 - 1) / 12, the bilinear tent f^2 / 6, the rest the small Gaussian.
    rest = sigma * sigma - (f * f - 1) / 12 - f * f / 6
    small = _gaussian_blur(small, np.sqrt(rest) / f, -(-reach // f))
    # Enlarge only the cells under the image (plus one for the bilinear neighbours): with an
    # exact factor the sampling positions do not depend on where the block starts.
    first = pad // f - 1
    cells = small[first:(pad + h - 1) // f + 2, first:(pad + w - 1) // f + 2]
    up = resize(cells, (cells.shape[1] * f, cells.shape[0] * f), "linear")
    return up[f:f + h, f:f + w]


def _gaussian_blur(image: np.ndarray, sigma: float, radius: int) -> np.ndarray:
    """Separable Gaussian truncated at `radius`, border replicated."""
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    out = image
    for axis in (0, 1):
        n = out.shape[axis]
        padded = np.moveaxis(np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)],
                                    mode="edge"), axis, 0)
        acc = padded[:n] * taps[0]
        for k in range(1, len(taps)):
            acc += padded[k:k + n] * taps[k]
        out = np.moveaxis(acc, 0, axis)
    return np.ascontiguousarray(out)


def enclosed_regions(strokes: np.ndarray) -> np.ndarray:
    """bool map of strokes plus everything they enclose (not reachable from the border)."""
    count, labels = label_components(strokes == 0, connectivity=4)
    # Seeds every SEED_STEP px along the border, as in the reference: a paper pocket that
    # touches the border only between two seeds (a hat cut by the crop edge) stays figure.
    h, w = labels.shape
    xs, ys = np.arange(0, w - 1, SEED_STEP), np.arange(0, h - 1, SEED_STEP)
    seeds = np.concatenate([labels[0, xs], labels[h - 1, xs], labels[ys, 0], labels[ys, w - 1]])
    is_reached = np.zeros(count, bool)
    is_reached[seeds[seeds > 0]] = True
    reached = is_reached[labels]
    reached[0, :] = reached[-1, :] = reached[:, 0] = reached[:, -1] = True
    return ~reached


def filled_blobs(mask: np.ndarray) -> tuple[int, np.ndarray]:
    """(count incl. 0, int32 labels) of the 8-connected blobs of `mask` with their holes filled.

    A hole is background that cannot reach the border through 4-connected background (the
    complement connectivity of 8-connected blobs); islands inside it belong to the blob
    around it, as inside an outer contour."""
    count, background = label_components(~mask, connectivity=4)
    outside = np.zeros(count, bool)
    for edge in (background[0], background[-1], background[:, 0], background[:, -1]):
        outside[edge] = True
    outside[0] = False                                  # label 0 is the mask itself
    return label_components(~outside[background], connectivity=8)


def largest_blob(mask: np.ndarray, focus=None) -> np.ndarray:
    """The largest 8-connected blob of a bool mask with its holes filled (all False if empty).

    With `focus` (x0, y0, x1, y1) only the part of each blob inside that box counts, so a
    padded crop that catches a bigger neighbour still returns the figure it was cut for.
    """
    count, labels = filled_blobs(mask)
    if count == 1:
        return np.zeros(mask.shape, bool)
    area = np.bincount(labels.ravel(), minlength=count)
    if focus is not None:
        x0, y0, x1, y1 = (max(int(round(v)), 0) for v in focus)
        inside = np.bincount(labels[y0:y1, x0:x1].ravel(), minlength=count)
        area = inside * (int(area.max()) + 1) + area        # focus area first, total breaks ties
    return labels == 1 + int(np.argmax(area[1:]))


def blobs(mask: np.ndarray, min_fraction: float = 0.0) -> list[np.ndarray]:
    """All 8-connected blobs (holes filled), largest first, down to `min_fraction` of the largest."""
    count, labels = filled_blobs(mask)
    area = np.bincount(labels.ravel(), minlength=count)[1:]
    order = np.argsort(-area, kind="stable")
    return [labels == 1 + i for i in order if area[i] >= min_fraction * area[order[0]]]


def classical_mask(rgb: np.ndarray, focus=None, contrast: np.ndarray | None = None) -> np.ndarray:
    """Figure mask (H, W) bool of a figure crop, AnimatedDrawings' classical algorithm
    (`focus`: the figure's box inside the crop, see `largest_blob`; `contrast`: the crop's
    `ink_contrast` when the caller already has it)."""
    return largest_blob(enclosed_regions(stroke_map(rgb, contrast)), focus)


def _odd_at_most(n: int) -> int:
    n = max(3, n)
    return n if n % 2 else n - 1
