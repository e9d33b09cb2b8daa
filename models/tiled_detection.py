"""A second, closer look for pages of small figures: the detector run on overlapping tiles.

The detector sees the whole page at 256x256, so a crowd of small figures (twenty children
drawn in a row) shrinks to specks it cannot find. When the whole-page pass finds only small
figures (or none), square tiles overlapping by half are looked at too; a tile's box that
touches a tile edge inside the page is a figure cut by the tile and is left to the tile
that holds it whole. Boxes are then merged: overlapping ones by non-maximum suppression, and
a box lying mostly inside a larger one (a head found on its own) is dropped.
"""

from __future__ import annotations

import numpy as np

from .decoders import Detections, nms

TILE_WHEN_TALLEST_BELOW = 0.35   # × page height: larger figures are seen well on the whole page
EDGE_PX = 2                      # a box this close to an inner tile edge is cut by it
INSIDE_FRACTION = 0.8            # a box with this much of its area inside a larger one is part of it
MERGE_IOU = 0.45


def needs_tiles(dets: Detections, height: int) -> bool:
    if not len(dets):
        return True
    return float((dets.boxes[:, 3] - dets.boxes[:, 1]).max()) < TILE_WHEN_TALLEST_BELOW * height


def tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """(x0, y0, side) of square tiles overlapping by half and covering the page."""
    side = int(min(width, height, max(width, height) / 2))
    if side < 32:
        return []
    step = max(side // 2, 1)
    xs = sorted({*range(0, max(width - side, 0) + 1, step), max(width - side, 0)})
    ys = sorted({*range(0, max(height - side, 0) + 1, step), max(height - side, 0)})
    return [(x, y, side) for y in ys for x in xs]


def detect_with_tiles(detect, rgb: np.ndarray, whole: Detections) -> Detections:
    """`whole` (the whole-page detections) plus what `detect` finds on tiles, merged."""
    height, width = rgb.shape[:2]
    boxes, scores = [whole.boxes.reshape(-1, 4)], [whole.scores]
    for x0, y0, side in tiles(width, height):
        found = detect(rgb[y0:y0 + side, x0:x0 + side])
        if not len(found):
            continue
        local = found.boxes.reshape(-1, 4)
        cut = np.zeros(len(local), bool)
        if x0 > 0:
            cut |= local[:, 0] <= EDGE_PX
        if y0 > 0:
            cut |= local[:, 1] <= EDGE_PX
        if x0 + side < width:
            cut |= local[:, 2] >= side - EDGE_PX
        if y0 + side < height:
            cut |= local[:, 3] >= side - EDGE_PX
        boxes.append(local[~cut] + (x0, y0, x0, y0))
        scores.append(found.scores[~cut])
    boxes, scores = np.concatenate(boxes), np.concatenate(scores)
    keep = nms(boxes, scores, -np.inf, MERGE_IOU)
    kept = boxes[keep]
    keep = keep[[not _inside_larger(kept[i], kept) for i in range(len(keep))]] if len(keep) else keep
    return Detections(boxes[keep], scores[keep], np.zeros(len(keep), np.int64))


def _inside_larger(box: np.ndarray, others: np.ndarray) -> bool:
    """Whether INSIDE_FRACTION of `box`'s area lies inside one larger box of `others`."""
    area = _area(box[None])[0]
    larger = others[_area(others) > area]
    if not len(larger) or area <= 0:
        return False
    inter = (np.maximum(np.minimum(larger[:, 2], box[2]) - np.maximum(larger[:, 0], box[0]), 0)
             * np.maximum(np.minimum(larger[:, 3], box[3]) - np.maximum(larger[:, 1], box[1]), 0))
    return bool((inter >= INSIDE_FRACTION * area).any())


def _area(boxes: np.ndarray) -> np.ndarray:
    return np.maximum(boxes[:, 2] - boxes[:, 0], 0) * np.maximum(boxes[:, 3] - boxes[:, 1], 0)
