"""Resampling on numpy: area-average and bilinear resize, bilinear point lookups, affine warps.

Semantics follow OpenCV's (INTER_AREA when shrinking, INTER_LINEAR, remap/warpAffine with
BORDER_REPLICATE) so results match what the code computed with cv2 before, within one grey
level for uint8. Pixel (col i, row j) has its centre at (i, j).

Everything is separable where the geometry allows it (resize, axis-aligned warps): one pass
per axis, each a short 1-D kernel (output k = sum over taps j of weight[k, j] times source
first[k] + j). The area kernel weights are the exact overlaps of the output pixel's box with
the source pixels; the linear kernel has two taps. Passes gather whole rows, or columns with
the channels folded in, so numpy's inner loops run along long rows (broadcasting over a
3-long channel axis is several times slower). Bilinear interpolation with a replicated border
is the same as clamping the sample coordinate to [0, n - 1] first, which is how every lookup
here handles the border.
"""

from __future__ import annotations

import numpy as np

POINTS_PER_CHUNK = 8192  # lookups per chunk: every temporary stays in cache
ELEMENTS_PER_BLOCK = 1 << 15  # output values per row block of a separable pass


def resize(image: np.ndarray, size: tuple[int, int], method: str = "area") -> np.ndarray:
    """`image` (H, W) or (H, W, C) resized to size=(width, height); same dtype out.

    "area": average over the source area each output pixel covers (an axis that grows is
    interpolated linearly instead); "linear": bilinear at pixel centres. uint8 is rounded;
    bool is interpolated as 0/1 and kept where the result reaches 0.5.
    """
    if method not in ("area", "linear"):
        raise ValueError(f"resize method must be 'area' or 'linear', not {method!r}")
    image = np.asarray(image)
    width, height = int(size[0]), int(size[1])
    if width < 1 or height < 1:
        raise ValueError(f"resize target must be at least 1x1 pixel, got {width}x{height}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"cannot resize an empty image of shape {image.shape}")
    kernels = {}
    for axis, new in ((0, height), (1, width)):
        old = image.shape[axis]
        if new != old:
            shrink_by_area = method == "area" and new < old
            kernels[axis] = _area_kernel(old, new) if shrink_by_area else \
                _linear_kernel(old, (np.arange(new) + 0.5) * (old / new) - 0.5)
    return _separable(image, kernels) if kernels else image.copy()


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(P, C) float32 bilinear lookups of `image` at float pixel coordinates x, y (P each).

    Coordinates outside the image see the border pixels (cv2.remap BORDER_REPLICATE);
    a 2-D image gives C = 1.
    """
    image = np.asarray(image)
    x, y = np.ravel(x), np.ravel(y)
    gather = _TexelGatherer(image)
    out = np.empty((gather.channels, len(x)), np.float32)
    for start in range(0, len(x), POINTS_PER_CHUNK):
        part = slice(start, start + POINTS_PER_CHUNK)
        _bilinear_chunk(gather, x[part], y[part], out[:, part])
    return out.T


def _bilinear_chunk(gather: _TexelGatherer, x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    x0, x1, fx = _neighbours(x, gather.width)
    y0, y1, fy = _neighbours(y, gather.height)
    row0, row1 = y0 * gather.width, y1 * gather.width
    top = _lerp_into(gather(row0 + x0), gather(row0 + x1), fx)
    bottom = _lerp_into(gather(row1 + x0), gather(row1 + x1), fx)
    np.copyto(out, _lerp_into(top, bottom, fy))


def warp_affine(image: np.ndarray, matrix: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Output pixel (x, y) = bilinear sample of `image` at matrix @ (x, y, 1); same dtype out.

    matrix (2, 3) maps OUTPUT to INPUT pixels (cv2 WARP_INVERSE_MAP); size = (width, height);
    the border is replicated.
    """
    image = np.asarray(image)
    m = np.asarray(matrix, np.float64).reshape(2, 3)
    width, height = int(size[0]), int(size[1])
    xs, ys = np.arange(width), np.arange(height)
    if m[0, 1] == 0 and m[1, 0] == 0:
        # Scale + shift only: two 1-D passes instead of four lookups per output pixel.
        kernels = {0: _linear_kernel(image.shape[0], m[1, 1] * ys + m[1, 2]),
                   1: _linear_kernel(image.shape[1], m[0, 0] * xs + m[0, 2])}
        return _separable(image, kernels)
    src_x = m[0, 0] * xs[None, :] + m[0, 1] * ys[:, None] + m[0, 2]
    src_y = m[1, 0] * xs[None, :] + m[1, 1] * ys[:, None] + m[1, 2]
    out = sample_bilinear(image, src_x, src_y).reshape((height, width) + image.shape[2:])
    return _cast_like(out, image.dtype)


def _work_dtype(dtype: np.dtype) -> type:
    return np.float64 if dtype == np.float64 else np.float32


def _neighbours(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left/right sample indices and the float32 weight of the right one, border replicated."""
    # In place, and fmin/fmax rather than np.clip (slower on numpy 1.x); they also send a
    # NaN coordinate to the border instead of to an invalid index.
    c = np.array(coords, np.float64).ravel()
    np.fmax(c, 0.0, out=c)
    np.fmin(c, n - 1.0, out=c)
    i0 = c.astype(np.intp)  # c >= 0: truncation is floor
    np.minimum(i0, max(n - 2, 0), out=i0)
    c -= i0
    i1 = i0 + 1
    np.minimum(i1, n - 1, out=i1)
    return i0, i1, c.astype(np.float32)


def _lerp_into(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a + (b - a) * t, computed in b's buffer (a fresh gather) to save allocations."""
    b -= a
    b *= t
    b += a
    return b


class _TexelGatherer:
    """idx (P,) -> (C, P) float32 texel values; channel-major so the arithmetic runs along P."""

    def __init__(self, image: np.ndarray):
        self.height, self.width = image.shape[:2]
        pixels = image.reshape(self.height * self.width, -1)
        self.channels = pixels.shape[1]
        self.packed = None
        if image.dtype == np.uint8 and self.channels == 4:
            # One 32-bit load per RGBA texel: the fastest gather, and no planar copy per call.
            self.packed = np.ascontiguousarray(pixels).view(np.uint32).reshape(-1)
        else:
            # Gathering rows of a few bytes is slow in numpy; one planar copy makes each gather 1-D.
            self.planes = np.ascontiguousarray(pixels.T)

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        if self.packed is not None:
            return np.ascontiguousarray(self.packed[idx].view(np.uint8).reshape(-1, 4).T, dtype=np.float32)
        return self.planes.take(idx, axis=1).astype(np.float32, copy=False)


def _linear_kernel(n: int, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-tap kernel sampling a length-n axis at float positions, border replicated."""
    i0, _, f = _neighbours(coords, n)
    return i0, np.stack([1 - f, f], 1)


def _area_kernel(n: int, new: int) -> tuple[np.ndarray, np.ndarray]:
    """Box-filter kernel shrinking a length-n axis to new (< n): exact area averages.

    Output k covers source [k·n/new, (k+1)·n/new); each tap's weight is the covered part of
    its source pixel over the box length.
    """
    k = np.arange(new, dtype=np.int64)
    first = k * n // new
    taps = int((-(-(k + 1) * n // new) - first).max())  # ceil(hi) - floor(lo)
    pixel = first[:, None] + np.arange(taps)
    lo, hi = (k * n / new)[:, None], ((k + 1) * n / new)[:, None]
    overlap = np.clip(np.minimum(hi, pixel + 1) - np.maximum(lo, pixel), 0.0, 1.0)
    return first, overlap * (new / n)


def _separable(image: np.ndarray, kernels: dict) -> np.ndarray:
    """Apply per-axis kernels {axis: (first, weights)}, the pass giving the smaller array first;
    the result has the image's dtype."""
    order = sorted(kernels, key=lambda axis: len(kernels[axis][0]) / image.shape[axis])
    out = image
    for count, axis in enumerate(order, 1):
        out = _apply_along(out, axis, *kernels[axis], image.dtype if count == len(order) else None)
    return out


def _apply_along(image: np.ndarray, axis: int, first: np.ndarray, weights: np.ndarray, dtype) -> np.ndarray:
    """out[k] = sum_j weights[k, j] * image[first[k] + j] along axis 0 or 1 (clamped), as
    `dtype` (None: the float working type)."""
    work = _work_dtype(image.dtype)
    dtype = dtype or work
    taps = np.flatnonzero(weights.any(0))  # e.g. a linear kernel at integer positions needs one
    weights = weights[:, taps].astype(work)
    index = np.minimum(first[:, None] + taps, image.shape[axis] - 1)
    if axis == 0:
        return _rows_pass(image, index, weights, dtype)
    if image.ndim == 2:
        return _columns_pass(image, index, weights, dtype)
    # Fold the channels into the columns: index and weight every (column, channel).
    h, w, channels = image.shape
    index = (index[:, None, :] * channels + np.arange(channels)[:, None]).reshape(-1, len(taps))
    weights = np.repeat(weights, channels, axis=0)
    return _columns_pass(image.reshape(h, w * channels), index, weights, dtype).reshape(h, -1, channels)


# Both passes run over blocks of output rows so that every temporary stays small: in cache,
# and without fresh pages from the allocator for each whole-image temporary.
def _rows_pass(image: np.ndarray, index: np.ndarray, weights: np.ndarray, dtype) -> np.ndarray:
    """out[k] = sum_j weights[k, j] * image[index[k, j]] over whole rows."""
    out = np.empty((len(index),) + image.shape[1:], dtype)
    spread = (-1,) + (1,) * (image.ndim - 1)
    for rows in _row_blocks(out):
        acc = image[index[rows, 0]] * weights[rows, 0].reshape(spread)
        for j in range(1, index.shape[1]):
            acc += image[index[rows, j]] * weights[rows, j].reshape(spread)
        out[rows] = _cast_like(acc, dtype)
    return out


def _columns_pass(image: np.ndarray, index: np.ndarray, weights: np.ndarray, dtype) -> np.ndarray:
    """out[:, k] = sum_j weights[k, j] * image[:, index[k, j]] for a 2-D image."""
    out = np.empty((len(image), len(index)), dtype)
    for rows in _row_blocks(out):
        block = image[rows]
        acc = np.take(block, index[:, 0], 1) * weights[:, 0]
        for j in range(1, index.shape[1]):
            acc += np.take(block, index[:, j], 1) * weights[:, j]
        out[rows] = _cast_like(acc, dtype)
    return out


def _row_blocks(out: np.ndarray):
    step = max(1, ELEMENTS_PER_BLOCK // max(1, out[0].size))
    return (slice(start, start + step) for start in range(0, len(out), step))


def _cast_like(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float results back to the input dtype: integers rounded and clipped, bool at 0.5."""
    if dtype == np.bool_:
        return values >= 0.5
    if dtype == np.uint8:
        # Results are convex combinations of uint8 values, so + 0.5 and truncation rounds.
        return np.add(values, 0.5, out=values if values.dtype.kind == "f" else None).astype(np.uint8)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype, copy=False)
