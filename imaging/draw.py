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
    point when `closed`. Overlapping segments paint each pixel once (the union). Segments
    with a non-finite end are left out."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if closed and len(pts) > 2:
        pts = np.concatenate([pts, pts[:1]])
    reach = thickness / 2 + 0.5  # distance from the centre line where coverage reaches 0
    starts, ends = (pts[:-1], pts[1:]) if len(pts) > 1 else (pts, pts)
    starts, ends = _short_pieces(*_clip_segments(starts, ends, image.shape, reach), 4 * reach)
    if len(starts) == 0:
        return
    box = _clipped_box(image, np.minimum(starts, ends).min(0) - reach, np.maximum(starts, ends).max(0) + reach)
    if box is None:
        return
    x0, y0, x1, y1 = box
    width = x1 - x0
    px, py, coverage = _piece_coverage(starts, ends, reach, box)
    pixel = (py - y0) * width + (px - x0)
    # Union of the pieces: the largest coverage per pixel, then each pixel once (the last
    # candidate written to `owner` represents it; no sort needed).
    best = np.zeros((y1 - y0) * width, np.float32)
    np.maximum.at(best, pixel, coverage)
    owner = np.empty(best.shape, np.int64)  # only read where just written
    order = np.arange(len(pixel))
    owner[pixel] = order
    pixel = pixel[owner[pixel] == order]
    rows, cols = np.divmod(pixel, width)
    _blend_pixels(image, rows + y0, cols + x0, best[pixel], colour)


def fill_disc(image: np.ndarray, centre, radius: float, colour) -> None:
    """Filled disc; its painted area (summed coverage) is pi * radius**2. Nothing is drawn for
    a non-finite centre."""
    c = np.asarray(centre, np.float64)
    if not np.isfinite(c).all():
        return
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
    (both inclusive, as OpenCV draws them), `thickness` pixels wide, centred on the edges."""
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


def _clip_segments(starts: np.ndarray, ends: np.ndarray, shape, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """The parts of the segments inside the image grown by `margin` on every side (Liang-Barsky);
    segments outside it or with a non-finite end are dropped. Exact for drawing: a pixel within
    `margin` of a segment is within `margin` of its part in this rectangle."""
    keep = np.isfinite(starts).all(1) & np.isfinite(ends).all(1)
    starts, ends = starts[keep], ends[keep]
    low = np.array([-margin, -margin])
    high = np.array([shape[1] - 1 + margin, shape[0] - 1 + margin])
    delta = ends - starts
    enter, leave = np.zeros(len(starts)), np.ones(len(starts))
    inside = np.ones(len(starts), bool)
    for axis in (0, 1):
        for towards, room in ((-delta[:, axis], starts[:, axis] - low[axis]),
                              (delta[:, axis], high[axis] - starts[:, axis])):
            parallel = towards == 0
            inside &= ~(parallel & (room < 0))
            with np.errstate(divide="ignore", invalid="ignore"):
                t = room / towards
            enter = np.where(~parallel & (towards < 0), np.maximum(enter, t), enter)
            leave = np.where(~parallel & (towards > 0), np.minimum(leave, t), leave)
    inside &= enter <= leave
    delta, enter, leave = delta[inside], enter[inside, None], leave[inside, None]
    return starts[inside] + enter * delta, starts[inside] + leave * delta


def _short_pieces(starts: np.ndarray, ends: np.ndarray, longest: float) -> tuple[np.ndarray, np.ndarray]:
    """The segments cut into pieces no longer than `longest`: a long diagonal's box is
    mostly empty, its pieces' boxes hug the line."""
    lengths = np.hypot(*(ends - starts).T)
    counts = np.maximum(1, np.ceil(lengths / longest)).astype(np.int64)
    segment, step = _ragged(counts)
    direction = (ends - starts)[segment] / counts[segment, None]
    return starts[segment] + step[:, None] * direction, starts[segment] + (step[:, None] + 1) * direction


def _piece_coverage(starts: np.ndarray, ends: np.ndarray, reach: float, box) -> tuple:
    """(px, py, coverage) for every pixel of `box` within `reach` of a piece, once per piece
    that reaches it; each piece only visits the pixels of its own box."""
    x0, y0, x1, y1 = box
    lo = np.minimum(starts, ends) - reach
    hi = np.maximum(starts, ends) + reach
    sx0 = np.clip(np.ceil(lo[:, 0]), x0, x1).astype(np.int64)
    sy0 = np.clip(np.ceil(lo[:, 1]), y0, y1).astype(np.int64)
    widths = np.clip(np.floor(hi[:, 0]).astype(np.int64) + 1, x0, x1) - sx0
    heights = np.clip(np.floor(hi[:, 1]).astype(np.int64) + 1, y0, y1) - sy0
    piece, local = _ragged(np.maximum(widths, 0) * np.maximum(heights, 0))
    row, col = np.divmod(local, widths[piece])
    px, py = sx0[piece] + col, sy0[piece] + row
    # Offsets from the piece's start in float32: exact enough for pixels, half the traffic.
    ab = (ends - starts).astype(np.float32)
    coverage = reach - _distance_to_segment((px - starts[piece, 0]).astype(np.float32),
                                            (py - starts[piece, 1]).astype(np.float32),
                                            ab[piece, 0], ab[piece, 1])
    inside = coverage > 0
    return px[inside], py[inside], np.minimum(coverage[inside], 1)


def _ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts (c0, c1, ...): the owner (0 x c0, 1 x c1, ...) and the position within its
    owner (0..c0-1, 0..c1-1, ...) of every item of the concatenated runs."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)


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
