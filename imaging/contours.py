"""Outlines of binary masks and small polygon helpers, on numpy.

An outline is the closed chain of boundary pixel centres of an 8-connected figure, traced as
OpenCV's `findContours(..., CHAIN_APPROX_NONE)` does: outer boundaries run counter-clockwise on
screen (rows down) from the top-left pixel, hole boundaries clockwise from the pixel left of the
hole's top-left pixel. Tracing follows the cracks between figure and background pixels, which
are found with whole-array numpy operations; the cracks are linked into loops by pointer
jumping, so no Python code runs per pixel or per boundary point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Crack directions on screen (x right, y down): east, south, west, north.
_STEP = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]])
# The figure pixel on the left of a crack leaving corner (cx, cy) in each direction: the corner
# (cx, cy) is the top-left corner of pixel (cx, cy).
_LEFT_PIXEL = np.array([[0, -1], [0, 0], [-1, 0], [-1, -1]])
_SOUTH, _NORTH = 1, 3


@dataclass
class Outline:
    points: np.ndarray     # (N, 2) int32 x, y: closed chain of boundary pixel centres
    parent: int            # -1 for an outer boundary; for a hole, the index of its outer boundary

    @property
    def is_hole(self) -> bool:
        return self.parent >= 0


def trace_outlines(mask: np.ndarray) -> list[Outline]:
    """Outer and hole boundaries of the nonzero pixels of a 2D mask, one level deep (islands
    inside holes are outer boundaries again), in raster order of their first pixel."""
    chains, is_hole, parent, _ = _trace(mask)
    return [Outline(chain, int(p) if hole else -1) for chain, hole, p in zip(chains, is_hole, parent)]


def outer_outlines(mask: np.ndarray) -> list[np.ndarray]:
    """(N, 2) int32 chains of the outer boundaries not inside any hole (islands in holes left out)."""
    chains, is_hole, _, enclosed = _trace(mask)
    return [chain for chain, hole, inside in zip(chains, is_hole, enclosed) if not hole and not inside]


def _trace(mask: np.ndarray):
    """(chains, is_hole, parent, enclosed): per loop its pixel chain, whether it bounds a hole,
    the outer loop of the figure a hole belongs to, whether an outer loop lies inside a hole."""
    fg = np.pad(np.asarray(mask) != 0, 1)
    if fg.ndim != 2:
        raise ValueError(f"trace_outlines needs a 2D mask, got shape {np.shape(mask)}")
    corners_x, corners_y, dirs = _cracks(fg)
    if not len(dirs):
        return [], np.zeros(0, bool), np.zeros(0, np.int64), np.zeros(0, bool)
    width = fg.shape[1] + 1                          # corners per row
    keys = (corners_y * width + corners_x) * 4 + dirs
    order = np.argsort(keys)
    nxt = order[np.searchsorted(keys[order], _next_keys(fg, corners_x, corners_y, dirs, width))]

    pixel = np.column_stack([corners_x, corners_y]) + _LEFT_PIXEL[dirs]
    vertical = (dirs == _SOUTH) | (dirs == _NORTH)
    # A loop starts at its vertical crack of the topmost, leftmost pixel (the west side of that
    # pixel, where cv2's raster scan meets it, before the east side).
    rank = (pixel[:, 1] * fg.shape[1] + pixel[:, 0]) * 2 + (dirs == _NORTH)
    priority = np.where(vertical, rank, rank.max() + 1 + np.arange(len(dirs)))
    head = _cycle_minimum(priority, nxt)
    steps_left = _steps_to_tail(nxt, priority[nxt] == head)   # the tail's successor is the head
    ordered = np.lexsort((-steps_left, head))
    heads, loop_start = np.unique(head[ordered], return_index=True)
    loop_of_edge = np.empty(len(dirs), np.int64)
    loop_of_edge[ordered] = np.searchsorted(heads, head[ordered])

    chains = _pixel_chains(pixel[ordered], loop_start)
    head_edge = ordered[loop_start]
    is_hole = dirs[head_edge] == _NORTH
    parent, enclosed = _nesting(corners_x, pixel[:, 1], vertical, loop_of_edge, head_edge, is_hole, width)
    return chains, is_hole, parent, enclosed


def _cracks(fg: np.ndarray):
    """Corner x, corner y and direction of every crack between a figure and a background
    pixel, directed with the figure on its left (screen)."""
    y, x = _nonzero_2d(fg[1:] != fg[:-1])           # horizontal cracks on corner row y + 1
    below = fg[y + 1, x]                            # figure below: walk west, else east
    hx, hy, hd = np.where(below, x + 1, x), y + 1, np.where(below, 2, 0)
    y, x = _nonzero_2d(fg[:, 1:] != fg[:, :-1])     # vertical cracks on corner column x + 1
    right = fg[y, x + 1]                            # figure right: walk south, else north
    vx, vy, vd = x + 1, np.where(right, y, y + 1), np.where(right, 1, 3)
    return np.concatenate([hx, vx]), np.concatenate([hy, vy]), np.concatenate([hd, vd])


def _nonzero_2d(flags: np.ndarray):
    """Row and column indices of the True elements (several times faster than np.nonzero on 2D)."""
    return np.divmod(np.flatnonzero(flags), flags.shape[1])


def _next_keys(fg, corners_x, corners_y, dirs, width):
    """Key of the crack that follows each crack. At its end corner the figure pixel ahead-right
    (diagonal to the current one) wins, keeping the figure 8-connected; else straight on; else
    the crack turns left around the current pixel."""
    end_x, end_y = corners_x + _STEP[dirs, 0], corners_y + _STEP[dirs, 1]

    def figure_left_of(d):
        px, py = end_x + _LEFT_PIXEL[d, 0], end_y + _LEFT_PIXEL[d, 1]
        return fg[py, px]

    right, left = (dirs + 1) % 4, (dirs + 3) % 4
    new_dir = np.where(figure_left_of(right), right, np.where(figure_left_of(dirs), dirs, left))
    return (end_y * width + end_x) * 4 + new_dir


def _cycle_minimum(values: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """For every element of the permutation `nxt`, the least value on its cycle (pointer jumping)."""
    low, jump, reach = values.copy(), nxt.copy(), 1
    while reach < len(values):
        low = np.minimum(low, low[jump])
        jump = jump[jump]
        reach *= 2
    return low


def _steps_to_tail(nxt: np.ndarray, is_tail: np.ndarray) -> np.ndarray:
    """Steps from every element to the tail of its cycle (list ranking by pointer jumping)."""
    steps = np.where(is_tail, 0, 1)
    jump = np.where(is_tail, np.arange(len(nxt)), nxt)
    reach = 1
    while reach < len(nxt):
        steps = steps + steps[jump]
        jump = jump[jump]
        reach *= 2
    return steps


def _pixel_chains(pixels: np.ndarray, loop_start: np.ndarray) -> list[np.ndarray]:
    """Split the left pixels of the ordered cracks into loops and drop repeats: a pixel owns
    several consecutive cracks where the outline turns around it."""
    n = len(pixels)
    loop_end = np.append(loop_start[1:], n)
    following = np.arange(1, n + 1)
    following[loop_end - 1] = loop_start                # cyclic within each loop
    keep = np.any(pixels != pixels[following], axis=1)
    # A loop around a single pixel keeps that pixel once.
    counts = np.add.reduceat(keep, loop_start)
    keep[loop_start[counts == 0]] = True
    # Keeping the last crack of every run starts each chain at its first pixel.
    kept_index = np.nonzero(keep)[0]
    cuts = np.searchsorted(kept_index, loop_start[1:])
    points = (pixels[kept_index] - 1).astype(np.int32)   # undo the padding
    return np.split(points, cuts)


def _nesting(crack_x, crack_row, vertical, loop_of_edge, head_edge, is_hole, width):
    """Parent outer loop of every hole, and whether every outer loop lies inside a hole.

    Going left from a loop's first pixel along its row, the first crack met belongs to a loop
    of the same figure (for a hole) or bounding the same background (for an outer loop); that
    loop starts earlier in raster order, so one pass in that order resolves all loops."""
    v_keys = crack_row[vertical] * width + crack_x[vertical]
    v_order = np.argsort(v_keys)
    sorted_keys = v_keys[v_order]
    head_keys = crack_row[head_edge] * width + crack_x[head_edge]
    at = np.searchsorted(sorted_keys, head_keys) - 1
    same_row = (at >= 0) & (sorted_keys[np.maximum(at, 0)] // width == head_keys // width)
    left_loop = np.where(same_row, loop_of_edge[np.nonzero(vertical)[0][v_order[np.maximum(at, 0)]]], -1)

    count = len(head_edge)
    parent = np.full(count, -1, np.int64)
    enclosed = np.zeros(count, bool)
    for loop, neighbour in enumerate(left_loop.tolist()):
        if is_hole[loop]:
            parent[loop] = parent[neighbour] if is_hole[neighbour] else neighbour
        elif neighbour >= 0:
            enclosed[loop] = is_hole[neighbour] or enclosed[neighbour]
    return parent, enclosed


def compress_chain(points: np.ndarray) -> np.ndarray:
    """Keep only the points where a closed chain changes direction (CHAIN_APPROX_SIMPLE)."""
    points = np.asarray(points)
    if len(points) < 3:
        return points.copy()
    step_in = points - np.roll(points, 1, axis=0)
    step_out = np.roll(points, -1, axis=0) - points
    keep = np.any(step_in != step_out, axis=1)
    return points[keep] if keep.any() else points[:1].copy()


def simplify_polygon(points: np.ndarray, epsilon: float) -> np.ndarray:
    """Douglas-Peucker simplification of a closed polygon: every dropped point lies within
    `epsilon` of the result. The polygon is split at its first point and the point farthest
    from it, and each half is simplified as an open polyline."""
    points = np.asarray(points)
    if len(points) < 3:
        return points.copy()
    as_float = points.astype(np.float64)
    far = int(np.argmax(np.sum((as_float - as_float[0]) ** 2, axis=1)))
    if far == 0:
        return points[:1].copy()
    keep = np.zeros(len(points), bool)
    keep[[0, far]] = True
    closed = np.vstack([as_float, as_float[:1]])
    spans = [(0, far), (far, len(points))]
    while spans:
        start, end = spans.pop()
        if end - start < 2:
            continue
        a, b = closed[start], closed[end]
        inner = closed[start + 1:end]
        chord = b - a
        length = np.hypot(*chord)
        if length > 0:
            distance = np.abs(chord[0] * (inner[:, 1] - a[1]) - chord[1] * (inner[:, 0] - a[0])) / length
        else:
            distance = np.hypot(inner[:, 0] - a[0], inner[:, 1] - a[1])
        worst = int(np.argmax(distance))
        if distance[worst] > epsilon:
            split = start + 1 + worst
            keep[split] = True
            spans += [(start, split), (split, end)]
    return points[keep]


def polygon_area(points: np.ndarray) -> float:
    """Absolute area of a closed polygon (shoelace)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) < 3:
        return 0.0
    q = np.roll(p, -1, axis=0)
    return float(abs(np.sum(p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1])) / 2.0)


def polygon_perimeter(points: np.ndarray) -> float:
    """Length of a closed polygon, the closing edge included."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) < 2:
        return 0.0
    return float(np.sum(np.linalg.norm(np.roll(p, -1, axis=0) - p, axis=1)))


def bounding_box(points: np.ndarray) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the pixels covering the points, as cv2.boundingRect: integer points
    span max − min + 1 pixels."""
    p = np.asarray(points).reshape(-1, 2)
    if not len(p):
        return 0, 0, 0, 0
    low = np.floor(p.min(axis=0)).astype(int)
    high = np.floor(p.max(axis=0)).astype(int)
    return int(low[0]), int(low[1]), int(high[0] - low[0] + 1), int(high[1] - low[1] + 1)


def fill_polygons(shape: tuple[int, int], polygons) -> np.ndarray:
    """bool (H, W): pixels whose centre lies inside the polygons (even-odd over all of them
    together, as cv2.drawContours(..., FILLED): a hole passed with its outer boundary stays
    empty) or on their edges (8-connected lines between the vertices)."""
    height, width = shape[:2]
    polys = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in polygons]
    polys = [p for p in polys if len(p)]
    out = np.zeros((height, width), bool)
    if not polys:
        return out
    return fill_segments((height, width), np.vstack(polys), np.vstack([np.roll(p, -1, axis=0) for p in polys]))


def fill_segments(shape: tuple[int, int], starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """`fill_polygons` given the edges starts[i] → ends[i] (N, 2) in any order, unchained: the
    boundary edges of a triangle mesh fill the region it covers."""
    out = np.zeros(shape[:2], bool)
    a, b = np.asarray(starts, dtype=np.float64).reshape(-1, 2), np.asarray(ends, dtype=np.float64).reshape(-1, 2)
    if len(a):
        _fill_even_odd(out, a, b)
        _draw_segments(out, a, b)
    return out


def _fill_even_odd(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Set the pixel centres strictly between pairs of edge crossings on every row. An edge
    counts on the rows y with min(y0, y1) <= y < max(y0, y1), so each vertex counts once."""
    height, width = out.shape
    low, high = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
    first = np.clip(np.ceil(low), 0, height).astype(np.int64)
    last = np.clip(np.ceil(high), 0, height).astype(np.int64)      # exclusive
    rows_per_edge = np.maximum(last - first, 0)
    if not rows_per_edge.sum():
        return
    edge = np.repeat(np.arange(len(a)), rows_per_edge)
    row = first[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(rows_per_edge) - rows_per_edge, rows_per_edge)
    t = (row - a[edge, 1]) / (b[edge, 1] - a[edge, 1])
    x = a[edge, 0] + t * (b[edge, 0] - a[edge, 0])
    # Crossings of each row, in x order, pair up as (enter, leave).
    order = np.lexsort((x, row))
    row, x = row[order], x[order]
    enter, leave = slice(0, None, 2), slice(1, None, 2)
    start = np.clip(np.floor(x[enter]) + 1, 0, width).astype(np.int64)     # strictly inside
    stop = np.clip(np.ceil(x[leave]), 0, width).astype(np.int64)           # exclusive
    ok = start < stop
    span_row = row[enter][ok]
    # Spans on a row are disjoint, so no two share a start or a stop and the running sum is 0/1.
    marks = np.zeros((height, width + 1), np.int8)
    marks[span_row, start[ok]] = 1
    marks[span_row, stop[ok]] -= 1
    out |= np.cumsum(marks[:, :-1], axis=1, dtype=np.int8) > 0


def _draw_segments(out: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Set the pixels of 8-connected lines a[i]→b[i] (one pixel per step along the longer axis)."""
    height, width = out.shape
    count = np.ceil(np.max(np.abs(b - a), axis=1)).astype(np.int64) + 1
    owner = np.repeat(np.arange(len(a)), count)
    k = np.arange(owner.size) - np.repeat(np.cumsum(count) - count, count)
    t = k / np.maximum(count[owner] - 1, 1)
    p = np.floor(a[owner] + (b - a)[owner] * t[:, None] + 0.5).astype(np.int64)
    ok = (p[:, 0] >= 0) & (p[:, 0] < width) & (p[:, 1] >= 0) & (p[:, 1] < height)
    out[p[ok, 1], p[ok, 0]] = True


def convex_hull(points: np.ndarray) -> np.ndarray:
    """(K, 2) convex hull vertices (Andrew's monotone chain), no collinear points, same dtype
    as the input; clockwise on screen (rows down) like cv2.convexHull, from the leftmost point."""
    p = np.asarray(points).reshape(-1, 2)
    if len(p) < 3:
        return np.unique(p, axis=0)
    # Only the leftmost and rightmost point of each row can be hull vertices.
    ys, inverse = np.unique(p[:, 1], return_inverse=True)
    left = np.full(len(ys), np.inf)
    right = np.full(len(ys), -np.inf)
    np.minimum.at(left, inverse, p[:, 0])
    np.maximum.at(right, inverse, p[:, 0])
    candidates = np.unique(np.vstack([np.column_stack([left, ys]), np.column_stack([right, ys])]), axis=0)
    if len(candidates) < 3:
        return candidates.astype(p.dtype)
    lower = _half_hull(candidates.tolist())
    upper = _half_hull(candidates[::-1].tolist())
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64).astype(p.dtype)


def _half_hull(points: list) -> list:
    """One half of the hull of x-sorted points: a chain that only turns one way."""
    chain: list = []
    for x, y in points:
        while len(chain) >= 2:
            (ox, oy), (ax, ay) = chain[-2], chain[-1]
            if (ax - ox) * (y - oy) - (ay - oy) * (x - ox) > 0:
                break
            chain.pop()
        chain.append([x, y])
    return chain
