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
    first = fg.copy()                                   # first / last pixel of each row run
    first[:, 1:] &= ~fg[:, :-1]
    last = fg.copy()
    last[:, :-1] &= ~fg[:, 1:]
    start = np.flatnonzero(first)                       # runs in raster order
    n = len(start)
    if n == 0:
        return 1, np.zeros((h, w), np.int32)
    start_row = start // w
    start_col = start - start_row * w
    end_col = np.flatnonzero(last) - start_row * w + 1  # exclusive

    # Run j (row r) touches run i (row r-1) iff start_i < end_j + d and end_i > start_j - d,
    # d = 1 for diagonal contact. Per row the runs are sorted, so the partners of j form a
    # contiguous range found by two searchsorted calls on row-offset keys.
    d = 1 if connectivity == 8 else 0
    stride = w + 4                                      # keys of different rows never mix
    base = start_row * stride
    start_key, end_key = base + start_col, base + end_col
    above = base - stride
    lo = np.searchsorted(end_key, above + start_col - d, side="right")
    hi = np.searchsorted(start_key, above + end_col + d, side="left")
    count = np.maximum(hi - lo, 0)
    lower = np.repeat(np.arange(n), count)
    upper = np.arange(len(lower)) + np.repeat(lo - (np.cumsum(count) - count), count)

    root = _merge(n, upper, lower)
    is_root = root == np.arange(n)                      # roots are the first runs: raster order
    run_label = np.cumsum(is_root, dtype=np.int32)[root]
    # Paint by running sum: +label at each run start, -label just after its end (in rows one
    # pixel wider, so an end never lands on the next row's first pixel).
    steps = np.zeros(h * (w + 1), np.int32)
    row_base = start_row * (w + 1)
    steps[row_base + start_col] = run_label
    steps[row_base + end_col] = -run_label
    labels = np.cumsum(steps, dtype=np.int32).reshape(h, w + 1)[:, :w]
    return int(is_root.sum()) + 1, np.ascontiguousarray(labels)


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

def distance_to_background(mask: np.ndarray, limit: float | None = None) -> np.ndarray:
    """float32 (H, W): exact Euclidean distance of every True pixel to the nearest False pixel
    (0 on False pixels, inf when there is none); the outside of the image is not background.

    With `limit`, distances of `limit` or more come out as `limit` and the rest stays exact;
    the cost is then about 2 × `limit` passes over the image, far less than the unbounded
    transform when the caller only needs nearby distances (morphology with a small disk, depths
    near the outline).

    Separable: per row the distance to the nearest background pixel, then per column the
    lower envelope of the parabolas (r - r')^2 + d(r')^2 (Felzenszwalb-Huttenlocher), or,
    with a limit, the minimum over the 2 × `limit` nearest rows."""
    fg = np.asarray(mask) != 0
    h, w = fg.shape
    if not fg.any():
        return np.zeros((h, w), np.float32)
    if fg.all():
        return np.full((h, w), np.inf if limit is None else limit, np.float32)
    along_rows = _run_distance(np.ascontiguousarray(fg.T)).T       # (W, H): rows as lines
    if limit is not None:
        return _nearby_rows_minimum(along_rows, float(limit))
    squared = np.ascontiguousarray(along_rows, dtype=np.float64)
    squared *= squared
    return np.sqrt(_lower_envelope(squared), dtype=np.float32)


def _nearby_rows_minimum(along_rows: np.ndarray, limit: float) -> np.ndarray:
    """min over |dy| < limit of dy^2 + along_rows[y + dy]^2, capped at limit^2, square-rooted:
    a pixel closer than `limit` to the background has its nearest background pixel less than
    `limit` rows away, so that window holds its exact distance."""
    cap = np.float32(limit * limit)
    across = np.minimum(np.square(np.ascontiguousarray(along_rows), dtype=np.float32), cap)
    best = across.copy()
    for dy in range(1, int(np.ceil(limit))):
        step = np.float32(dy * dy)
        if step >= best.max():                          # no pixel is farther: done early
            break
        np.minimum(best[dy:], across[:-dy] + step, out=best[dy:])
        np.minimum(best[:-dy], across[dy:] + step, out=best[:-dy])
    return np.sqrt(best)


def _run_distance(fg: np.ndarray) -> np.ndarray:
    """int32: distance along axis 0 to the nearest background pixel, h + w where the line has
    none (large, yet small enough to keep the envelope arithmetic exact in float64)."""
    n, m = fg.shape
    far = n + m
    out = np.empty((n, m), np.int32)
    prev = np.full(m, far, np.int32)
    for i in range(n):                                  # contiguous row steps
        np.add(prev, 1, out=out[i])
        out[i] *= fg[i]
        prev = out[i]
    prev = np.full(m, far, np.int32)
    for i in range(n - 1, -1, -1):
        cur = (prev + 1) * fg[i]
        np.minimum(out[i], cur, out=out[i])
        prev = cur
    return np.minimum(out, far, out=out)


def _lower_envelope(f: np.ndarray) -> np.ndarray:
    """out[q, l] = min over q' of (q - q')^2 + f[q', l]; f (n, m) float64, every column l an
    independent line. One stack per line, all lines advanced together row by row."""
    n, m = f.shape
    lines = np.arange(m)
    height = f + (np.arange(n, dtype=np.float64) ** 2)[:, None]   # parabola q' = q^2 - 2 q q' + height
    hflat = height.ravel()
    below = np.empty((n, m), np.int64)   # push log: flat index of the parabola under row q's
    bflat = below.ravel()
    below2 = np.empty((n, m))            # and 2 * its row
    b2flat = below2.ravel()
    start = np.empty((n, m))             # where row q's parabola takes over from that one
    sflat = start.ravel()
    start[0] = -np.inf
    top = lines.copy()                   # flat index (row * m + line) of each line's top
    top2 = np.zeros(m)                   # 2 * its row
    htop, ztop = height[0], start[0]
    num, den, hidden = np.empty(m), np.empty(m), np.empty(m, bool)
    for q in range(1, n):
        hq, cross = height[q], start[q]
        np.subtract(hq, htop, out=num)
        np.subtract(2.0 * q, top2, out=den)
        np.divide(num, den, out=cross)
        np.less_equal(cross, ztop, out=hidden)
        if hidden[hidden.argmax()]:                     # some lines pop: only those loop
            idx = np.flatnonzero(hidden)
            while len(idx):
                t = top[idx]
                sflat[t] = np.inf                       # popped: never takes over
                under, under2 = bflat[t], b2flat[t]
                top[idx] = under
                top2[idx] = under2
                c = (hq[idx] - hflat[under]) / (2.0 * q - under2)
                cross[idx] = c
                idx = idx[c <= sflat[under]]
        below[q] = top
        below2[q] = top2
        np.add(lines, q * m, out=top)
        top2.fill(2.0 * q)
        htop, ztop = hq, cross
    # A surviving parabola's lower neighbour survives too, so its recorded start is final:
    # every row takes the last survivor starting at or before it (mark, then forward-fill).
    owner = np.full(n * m, -1, np.int64)
    first = np.ceil(np.maximum(sflat, 0.0))
    used = np.flatnonzero(first < n)                    # row-major: later rows win ties
    owner[first[used].astype(np.int64) * m + used % m] = used // m
    owner = np.maximum.accumulate(owner.reshape(n, m), axis=0)
    q = np.arange(n, dtype=np.float64)[:, None]
    return (q - owner) ** 2 + f.ravel()[owner * m + lines]
