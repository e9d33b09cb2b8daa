"""Drawing into (H, W, 3|4) uint8 images in place: anti-aliased lines, polylines and discs,
rectangle outlines and bitmap-font captions.

Coordinates are x, y floats with pixel (col=i, row=j) centred at (i, j). Every primitive
works only on its own bounding box, clipped to the image. Soft edges: a pixel's coverage
falls linearly from 1 to 0 over the one pixel centred on the shape's edge, and the colour is
mixed in by that coverage. A 3-value colour on an RGBA image paints opaque (alpha 255).
"""

from __future__ import annotations

import numpy as np

from .font5x7 import GLYPH_HEIGHT, GLYPH_WIDTH, GLYPHS

_GLYPH_SPACING = 1  # blank columns between characters, in font pixels


def draw_line(image: np.ndarray, start, end, colour, thickness: float = 1) -> None:
    """Segment from start to end (x, y) with round ends, `thickness` pixels across."""
    draw_polyline(image, [start, end], colour, thickness)


def draw_polyline(image: np.ndarray, points, colour, thickness: float = 1, closed: bool = False) -> None:
    """Connected segments through (N, 2) x, y points (round joins), closed back to the first
    point when `closed`. Overlapping segments paint each pixel once (the union)."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) == 0:
        return
    if closed and len(pts) > 2:
        pts = np.concatenate([pts, pts[:1]])
    reach = thickness / 2 + 0.5  # distance from the centre line where coverage reaches 0
    starts, ends = _short_pieces(pts, 4 * reach) if len(pts) > 1 else (pts, pts)
    box = _clipped_box(image, pts.min(0) - reach, pts.max(0) + reach)
    if box is None:
        return
    x0, y0, x1, y1 = box
    # Every pixel of every segment's own box, as flat lists (segments are mostly short).
    lo = np.minimum(starts, ends) - reach
    hi = np.maximum(starts, ends) + reach
    sx0 = np.clip(np.ceil(lo[:, 0]), x0, x1).astype(np.int64)
    sy0 = np.clip(np.ceil(lo[:, 1]), y0, y1).astype(np.int64)
    widths = np.clip(np.floor(hi[:, 0]).astype(np.int64) + 1, x0, x1) - sx0
    heights = np.clip(np.floor(hi[:, 1]).astype(np.int64) + 1, y0, y1) - sy0
    counts = np.maximum(widths, 0) * np.maximum(heights, 0)
    segment = np.repeat(np.arange(len(counts)), counts)
    if len(segment) == 0:
        return
    local = np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)
    row, col = np.divmod(local, widths[segment])
    px, py = sx0[segment] + col, sy0[segment] + row
    # Offsets from the segment's start in float32: exact enough for pixels, half the traffic.
    ab = (ends - starts).astype(np.float32)
    coverage = reach - _distance_to_segment((px - starts[segment, 0]).astype(np.float32),
                                            (py - starts[segment, 1]).astype(np.float32),
                                            ab[segment, 0], ab[segment, 1])
    inside = coverage > 0
    width = x1 - x0
    pixel = ((py - y0) * width + (px - x0))[inside]
    # Union of the pieces: the largest coverage per pixel, then each pixel once (the last
    # candidate written to `owner` represents it; no sort needed).
    best = np.zeros((y1 - y0) * width, np.float32)
    np.maximum.at(best, pixel, np.minimum(coverage[inside], 1))
    owner = np.empty(best.shape, np.int64)  # only read where just written
    order = np.arange(len(pixel))
    owner[pixel] = order
    pixel = pixel[owner[pixel] == order]
    rows, cols = np.divmod(pixel, width)
    _blend_pixels(image, rows + y0, cols + x0, best[pixel], colour)


def fill_disc(image: np.ndarray, centre, radius: float, colour) -> None:
    """Filled disc; its painted area (summed coverage) is pi * radius**2."""
    c = np.asarray(centre, np.float64)
    reach = radius + 0.5
    box = _clipped_box(image, c - reach, c + reach)
    if box is None:
        return
    x0, y0, x1, y1 = box
    dx = np.arange(x0, x1) - c[0]
    dy = np.arange(y0, y1) - c[1]
    distance = np.hypot(dx[None, :], dy[:, None])
    _blend(image, x0, y0, np.clip(reach - distance, 0, 1).astype(np.float32), colour)


def draw_rectangle(image: np.ndarray, corner, opposite, colour, thickness: int = 1) -> None:
    """Axis-aligned rectangle outline through the pixel centres of two opposite corners
    (both inclusive, like cv2.rectangle), `thickness` pixels wide, centred on the edges."""
    (ax, ay), (bx, by) = np.rint(corner).astype(int), np.rint(opposite).astype(int)
    left, right, top, bottom = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    inset, outset = (thickness - 1) // 2, thickness // 2 + 1  # band = edge - inset .. edge + outset - 1
    outer = (left - inset, top - inset, right + outset, bottom + outset)
    bands = ((outer[0], outer[1], outer[2], top + outset),          # top
             (outer[0], bottom - inset, outer[2], outer[3]),        # bottom
             (outer[0], outer[1], left + outset, outer[3]),         # left
             (right - inset, outer[1], outer[2], outer[3]))         # right
    for bx0, by0, bx1, by1 in bands:
        box = _clipped_box(image, (bx0, by0), (bx1 - 1, by1 - 1))
        if box is not None:
            x0, y0, x1, y1 = box
            _blend(image, x0, y0, np.ones((y1 - y0, x1 - x0), np.float32), colour)


def text_size(text: str, scale: int = 1) -> tuple[int, int]:
    """(width, height) in pixels of `text` drawn by draw_text at this scale."""
    if not text:
        return 0, 0
    return (len(text) * (GLYPH_WIDTH + _GLYPH_SPACING) - _GLYPH_SPACING) * scale, GLYPH_HEIGHT * scale


def draw_text(image: np.ndarray, text: str, origin, colour, scale: int = 1) -> None:
    """One line of text in the 5x7 bitmap font, each font pixel `scale` x `scale` image pixels,
    with its top-left corner at origin (x, y). Characters outside printable ASCII show as '?'."""
    if not text:
        return
    gap = np.zeros((GLYPH_HEIGHT, _GLYPH_SPACING), bool)
    pieces = []
    for char in text:
        pieces += [GLYPHS.get(char, GLYPHS["?"]), gap]
    ink = np.concatenate(pieces[:-1], axis=1).repeat(scale, axis=0).repeat(scale, axis=1)
    x, y = (int(round(v)) for v in origin)
    box = _clipped_box(image, (x, y), (x + ink.shape[1] - 1, y + ink.shape[0] - 1))
    if box is None:
        return
    x0, y0, x1, y1 = box
    _blend(image, x0, y0, ink[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32), colour)


def _short_pieces(pts: np.ndarray, longest: float) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the polyline's segments cut into pieces no longer than `longest`:
    a long diagonal's box is mostly empty, its pieces' boxes hug the line."""
    starts, ends = pts[:-1], pts[1:]
    lengths = np.hypot(*(ends - starts).T)
    counts = np.maximum(1, np.ceil(lengths / longest)).astype(np.int64)
    segment = np.repeat(np.arange(len(counts)), counts)
    step = np.arange(len(segment)) - np.repeat(np.cumsum(counts) - counts, counts)
    direction = (ends - starts)[segment] / counts[segment, None]
    return starts[segment] + step[:, None] * direction, starts[segment] + (step[:, None] + 1) * direction


def _distance_to_segment(dx, dy, abx, aby) -> np.ndarray:
    """Distance from points at offset (dx, dy) from a segment's start to the segment, whose
    end is at offset (abx, aby); all arrays of the same length (one segment per point)."""
    length2 = abx * abx + aby * aby
    t = np.clip((dx * abx + dy * aby) / np.maximum(length2, 1e-12), 0.0, 1.0)  # 0 for a point
    return np.hypot(dx - t * abx, dy - t * aby)


def _clipped_box(image: np.ndarray, low, high) -> tuple[int, int, int, int] | None:
    """Pixels whose centres lie in [low, high] (x, y), clipped to the image, as
    (x0, y0, x1, y1) with exclusive ends; None when nothing is left."""
    height, width = image.shape[:2]
    x0, y0 = max(0, int(np.ceil(low[0]))), max(0, int(np.ceil(low[1])))
    x1, y1 = min(width, int(np.floor(high[0])) + 1), min(height, int(np.floor(high[1])) + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    return x0, y0, x1, y1


def _blend(image: np.ndarray, x0: int, y0: int, coverage: np.ndarray, colour) -> None:
    """Mix `colour` into the image block at (x0, y0) by coverage (h, w) in [0, 1]."""
    rows, cols = np.nonzero(coverage)
    _blend_pixels(image, rows + y0, cols + x0, coverage[rows, cols], colour)


def _blend_pixels(image: np.ndarray, rows: np.ndarray, cols: np.ndarray, coverage: np.ndarray, colour) -> None:
    """Mix `colour` into the listed pixels (each at most once) by their coverage in [0, 1]."""
    channels = image.shape[2]
    paint = np.zeros(channels, np.float32)
    values = list(colour)[:channels]
    paint[:len(values)] = values
    if channels == 4 and len(values) == 3:
        paint[3] = 255
    a = coverage.astype(np.float32)[:, None]
    image[rows, cols] = np.rint(image[rows, cols] * (1 - a) + paint * a).astype(np.uint8)
