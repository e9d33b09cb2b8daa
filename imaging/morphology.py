"""Rank filters, binary morphology, connected components and the Euclidean distance transform.

numpy only, no loop over pixels. Border conventions follow OpenCV's defaults, which the
callers were written against: pixels outside the image are ignored by the filters and never
count as background for the distance transform.
"""

from __future__ import annotations

import numpy as np


# --- rank filters -------------------------------------------------------------------------

def max_filter(image: np.ndarray, size) -> np.ndarray:
    """Maximum over a `size` = (w, h) (or int) window centred like cv2's default anchor
    (offsets -(k//2) .. k-1-k//2), per channel; pixels outside the image are ignored."""
    return _rank_filter(image, size, np.maximum, _lowest(image.dtype))


def min_filter(image: np.ndarray, size) -> np.ndarray:
    """Minimum over a `size` window (see `max_filter`)."""
    return _rank_filter(image, size, np.minimum, _highest(image.dtype))


def _rank_filter(image, size, op, fill):
    w, h = (size, size) if np.isscalar(size) else size
    out = _sliding_1d(np.asarray(image), int(h), 0, op, fill)
    return _sliding_1d(out, int(w), 1, op, fill)


def _sliding_1d(a, k, axis, op, fill):
    """op over a window of k samples along `axis`: O(log k) whole-array steps (the window
    doubles while it fits, then two overlapping windows cover k)."""
    if k <= 1:
        return a.copy()
    n, before = a.shape[axis], k // 2
    pad = [(0, 0)] * a.ndim
    pad[axis] = (before, k - 1 - before)
    cur = np.pad(a, pad, constant_values=fill)

    def part(x, start, stop):
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, stop)
        return x[tuple(index)]

    span = 1
    while 2 * span <= k:   # cur[i] = op over padded[i : i + span]
        cur = op(part(cur, 0, -span), part(cur, span, None))
        span *= 2
    rest = k - span
    return op(part(cur, 0, n), part(cur, rest, rest + n)) if rest else part(cur, 0, n).copy()


def _lowest(dtype):
    if dtype == bool:
        return False
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _highest(dtype):
    if dtype == bool:
        return True
    return np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).max


# --- binary morphology with a 3x3 square ---------------------------------------------------
# n iterations of a 3x3 square equal one (2n+1)-square pass: with outside pixels ignored the
# reachable set after n king moves inside a rectangle is the clipped square.

def dilate(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    """cv2.dilate with a 3x3 square kernel and `iterations`; same dtype out."""
    return max_filter(mask, 2 * max(iterations, 0) + 1)


def erode(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    """cv2.erode with a 3x3 square kernel and `iterations`; same dtype out."""
    return min_filter(mask, 2 * max(iterations, 0) + 1)


def close(mask: np.ndarray, iterations: int = 1) -> np.ndarray:
    """cv2.morphologyEx(MORPH_CLOSE) with a 3x3 square: `iterations` dilations, then as many erosions."""
    return erode(dilate(mask, iterations), iterations)


# --- connected components --------------------------------------------------------------------

def label_components(mask: np.ndarray, connectivity: int = 8) -> tuple[int, np.ndarray]:
    """(count including the background label 0, int32 labels) like cv2.connectedComponents.

    Components are numbered in raster order of their first pixel. Works on the horizontal
    runs of each row (far fewer than pixels): runs in neighbouring rows that touch are
    merged by a vectorised union-find."""
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity}")
    fg = np.asarray(mask) != 0
    h, w = fg.shape
    edges = np.diff(np.pad(fg, ((0, 0), (1, 1))).view(np.int8), axis=1)
    start_row, start_col = np.nonzero(edges == 1)     # runs in raster order
    end_col = np.nonzero(edges == -1)[1]              # exclusive
    n = len(start_col)
    labels = np.zeros((h, w), np.int32)
    if n == 0:
        return 1, labels

    # Run j (row r) touches run i (row r-1) iff start_i < end_j + d and end_i > start_j - d,
    # d = 1 for diagonal contact. Per row the runs are sorted, so the partners of j form a
    # contiguous range found by two searchsorted calls on row-offset keys.
    d = 1 if connectivity == 8 else 0
    stride = w + 4                                      # keys of different rows never mix
    base = start_row.astype(np.int64) * stride
    start_key, end_key = base + start_col, base + end_col
    above = base - stride
    first = np.searchsorted(end_key, above + start_col - d, side="right")
    last = np.searchsorted(start_key, above + end_col + d, side="left")
    count = np.maximum(last - first, 0)
    lower = np.repeat(np.arange(n), count)
    upper = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first, count)

    root = _merge(n, upper, lower)
    roots, run_label = np.unique(root, return_inverse=True)   # roots are minimal runs: raster order
    lut = np.concatenate([[0], run_label.astype(np.int32) + 1])
    starts = np.zeros(h * w, np.int32)
    starts[start_row * w + start_col] = 1
    run_of_pixel = np.cumsum(starts, dtype=np.int32).reshape(h, w)
    np.multiply(lut[run_of_pixel], fg, out=labels)
    return len(roots) + 1, labels


def _merge(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Root (smallest member) of every node of the graph with edges a[i]-b[i].

    Parallel hooking: each edge joins the larger root under the smaller one, then pointer
    jumping flattens the trees; edges already inside one tree are dropped each round."""
    parent = np.arange(n)
    while len(a):
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        if not len(a):
            break
        parent[np.maximum(ra, rb)] = np.minimum(ra, rb)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


# --- Euclidean distance transform ------------------------------------------------------------

def distance_to_background(mask: np.ndarray) -> np.ndarray:
    """float32 (H, W): exact Euclidean distance of every True pixel to the nearest False pixel
    (0 on False pixels, inf when there is none); the outside of the image is not background.

    Separable (Felzenszwalb-Huttenlocher): per column the distance to the nearest background
    pixel (cumulative max/min of background row indices), then per row the lower envelope of
    the parabolas (c - c')^2 + g(c')^2, built for all rows at once column by column."""
    fg = np.asarray(mask) != 0
    h, w = fg.shape
    if not fg.any():
        return np.zeros((h, w), np.float32)
    if fg.all():
        return np.full((h, w), np.inf, np.float32)
    column_sq = _column_distance_sq(fg)
    squared = _row_envelope(column_sq.T.copy()).T       # columns as the outer loop
    return np.sqrt(squared, dtype=np.float32)


def _column_distance_sq(fg: np.ndarray) -> np.ndarray:
    """float64 squared vertical distance to the nearest background pixel in the same column;
    a large finite value where the column has none (keeps the envelope arithmetic finite)."""
    h, w = fg.shape
    far = float(4 * (h + w) ** 2)
    rows = np.arange(h, dtype=np.float64)[:, None]
    above = np.maximum.accumulate(np.where(fg, -far, rows), axis=0)
    below = np.minimum.accumulate(np.where(fg, far, rows)[::-1], axis=0)[::-1]
    return np.minimum(np.minimum(rows - above, below - rows), far) ** 2


def _row_envelope(f: np.ndarray) -> np.ndarray:
    """min over q' of (q - q')^2 + f[q', r] for every (q, r); f is (W, H), lines r independent."""
    n, m = f.shape
    lines = np.arange(m)
    q_all = np.arange(n, dtype=np.float64)
    height = f + (q_all ** 2)[:, None]                  # f(q') + q'^2, the parabola's offset
    vertex = np.zeros((n, m), np.int64)                 # envelope parabolas, per line a stack
    start = np.full((n + 1, m), np.inf)                 # where each envelope parabola takes over
    start[0] = -np.inf
    top = lines.copy()                                  # flat index of each line's stack top
    for q in range(1, n):
        while True:
            v = vertex.flat[top]
            cross = (height[q] - height.flat[v * m + lines]) / (2.0 * (q - v))
            hidden = cross <= start.flat[top]
            if not hidden.any():
                break
            top -= hidden * m
        top += m
        vertex.flat[top] = q
        start.flat[top] = cross
        start.flat[top + m] = np.inf
    out = np.empty((n, m))
    at = lines + m                                      # flat index of the next parabola's start
    for q in range(n):
        while True:
            later = start.flat[at] <= q
            if not later.any():
                break
            at += later * m
        v = vertex.flat[at - m]
        out[q] = (q - v) ** 2 + f.flat[v * m + lines]
    return out
