"""The classical figure segmentation of AnimatedDrawings, reimplemented as our fallback.

Pen strokes are darker than the paper around them in every channel, so the darkest channel
is thresholded against its local (Gaussian-weighted) mean; strokes are then thickened to
close small gaps, everything the paper reaches from the image border is background, and
the largest remaining blob (holes filled) is the figure. Works on a figure *crop*; on a
whole photo it is only a coarse figure finder (paper edges and shadows leak in).
"""

from __future__ import annotations

import cv2
import numpy as np

BLOCK_SIZE = 115   # adaptive threshold neighbourhood (px)
OFFSET_C = 8       # a stroke must be this much darker than its neighbourhood mean
SEED_STEP = 10     # background flood seeds along the border
_KERNEL = np.ones((3, 3), np.uint8)


def stroke_map(rgb: np.ndarray) -> np.ndarray:
    """uint8 0/255 map of (thickened) strokes: the pixels that block the background flood."""
    darkest = cv2.min(cv2.min(rgb[:, :, 0], rgb[:, :, 1]), rgb[:, :, 2])   # 15x faster than ndarray.min
    block = min(BLOCK_SIZE, _odd_at_most(min(darkest.shape)))
    paper = cv2.adaptiveThreshold(darkest, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
                                  cv2.THRESH_BINARY, block, OFFSET_C)
    strokes = cv2.bitwise_not(paper)
    strokes = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, _KERNEL, iterations=2)
    return cv2.dilate(strokes, _KERNEL, iterations=2)


def enclosed_regions(strokes: np.ndarray) -> np.ndarray:
    """bool map of strokes plus everything they enclose (not reachable from the border)."""
    free = (strokes == 0).astype(np.uint8)
    count, labels = cv2.connectedComponents(free, connectivity=4)
    # Seeds every SEED_STEP px along the border, as in the reference: a paper pocket that
    # touches the border only between two seeds (a hat cut by the crop edge) stays figure.
    h, w = free.shape
    xs, ys = np.arange(0, w - 1, SEED_STEP), np.arange(0, h - 1, SEED_STEP)
    seeds = np.concatenate([labels[0, xs], labels[h - 1, xs], labels[ys, 0], labels[ys, w - 1]])
    is_reached = np.zeros(count, bool)
    is_reached[seeds[seeds > 0]] = True
    reached = is_reached[labels]
    reached[0, :] = reached[-1, :] = reached[:, 0] = reached[:, -1] = True
    return ~reached


def largest_blob(mask: np.ndarray, focus=None) -> np.ndarray:
    """The largest 8-connected blob of a bool mask with its holes filled (all False if empty).

    With `focus` (x0, y0, x1, y1) only the part of each blob inside that box counts, so a
    padded crop that catches a bigger neighbour still returns the figure it was cut for.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = np.zeros(mask.shape, np.uint8)
    if not contours:
        return out.astype(bool)
    # Exact filled areas only for contours whose bounding box could still beat the best.
    order = sorted(range(len(contours)), key=lambda i: -_box_area(contours[i], focus))
    best, best_area = order[0], -1
    for i in order:
        if _box_area(contours[i], focus) <= best_area:
            break
        area = _filled_area(contours[i], focus)
        if area > best_area:
            best, best_area = i, area
    cv2.drawContours(out, [contours[best]], -1, 1, thickness=cv2.FILLED)
    return out.astype(bool)


def blobs(mask: np.ndarray, min_fraction: float = 0.0) -> list[np.ndarray]:
    """All 8-connected blobs (holes filled), largest first, down to `min_fraction` of the largest."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return []
    areas = np.array([_filled_area(c) for c in contours])
    order = np.argsort(-areas)
    out = []
    for i in order:
        if areas[i] < min_fraction * areas[order[0]] or areas[i] == 0:
            break
        blob = np.zeros(mask.shape, np.uint8)
        cv2.drawContours(blob, [contours[i]], -1, 1, thickness=cv2.FILLED)
        out.append(blob.astype(bool))
    return out


def classical_mask(rgb: np.ndarray, focus=None) -> np.ndarray:
    """Figure mask (H, W) bool of a figure crop, AnimatedDrawings' classical algorithm
    (`focus`: the figure's box inside the crop, see `largest_blob`)."""
    return largest_blob(enclosed_regions(stroke_map(rgb)), focus)


def _box_area(contour: np.ndarray, focus=None) -> int:
    """Upper bound of `_filled_area`: the bounding box area (inside the focus box)."""
    x, y, w, h = cv2.boundingRect(contour)
    if focus is not None:
        fx0, fy0, fx1, fy1 = focus
        w = max(0.0, min(x + w, fx1) - max(x, fx0))
        h = max(0.0, min(y + h, fy1) - max(y, fy0))
    return w * h


def _filled_area(contour: np.ndarray, focus=None) -> int:
    # Pixel count of the filled contour (cv2.contourArea misses the boundary pixels, which
    # matters for thin stick figures), optionally only inside the focus box.
    x, y, w, h = cv2.boundingRect(contour)
    canvas = np.zeros((h, w), np.uint8)
    cv2.drawContours(canvas, [contour - (x, y)], -1, 1, thickness=cv2.FILLED)
    if focus is not None:
        fx0, fy0, fx1, fy1 = (int(round(v)) for v in focus)
        canvas = canvas[max(fy0 - y, 0):max(fy1 - y, 0), max(fx0 - x, 0):max(fx1 - x, 0)]
    return int(canvas.sum())


def _odd_at_most(n: int) -> int:
    n = max(3, n)
    return n if n % 2 else n - 1
