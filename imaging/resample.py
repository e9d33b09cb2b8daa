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
    if not kernels:
        return image.copy()
    return _cast_like(_separable(image, kernels), image.dtype)


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(P, C) float32 bilinear lookups of `image` at float pixel coordinates x, y (P each).

    Coordinates outside the image see the border pixels (cv2.remap BORDER_REPLICATE);
    a 2-D image gives C = 1.
    """
    image = np.asarray(image)
    h, w = image.shape[:2]
    x0, x1, fx = _neighbours(np.ravel(x), w)
    y0, y1, fy = _neighbours(np.ravel(y), h)
    gather = _channel_gatherer(image)
    row0, row1 = y0 * w, y1 * w
    top = _lerp_into(gather(row0 + x0), gather(row0 + x1), fx)
    bottom = _lerp_into(gather(row1 + x0), gather(row1 + x1), fx)
    return _lerp_into(top, bottom, fy).T


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
        out = _separable(image, kernels)
    else:
        src_x = m[0, 0] * xs[None, :] + m[0, 1] * ys[:, None] + m[0, 2]
        src_y = m[1, 0] * xs[None, :] + m[1, 1] * ys[:, None] + m[1, 2]
        out = sample_bilinear(image, src_x, src_y).reshape((height, width) + image.shape[2:])
    return _cast_like(out, image.dtype)


def _work_dtype(dtype: np.dtype) -> type:
    return np.float64 if dtype == np.float64 else np.float32


def _neighbours(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left/right sample indices and the float32 weight of the right one, border replicated."""
    c = np.clip(np.asarray(coords, np.float64), 0.0, n - 1.0)
    i0 = np.clip(np.floor(c).astype(np.intp), 0, max(n - 2, 0))
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, (c - i0).astype(np.float32)


def _lerp_into(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a + (b - a) * t, computed in b's buffer (a fresh gather) to save allocations."""
    b -= a
    b *= t
    b += a
    return b


def _channel_gatherer(image: np.ndarray):
    """idx (P,) -> (C, P) float32 texel values; channel-major so the arithmetic runs along P."""
    h, w = image.shape[:2]
    if image.dtype == np.uint8 and image.shape[2:] == (4,):
        # One 32-bit load per RGBA texel: the fastest gather, and no planar copy per call.
        packed = np.ascontiguousarray(image).view(np.uint32).reshape(-1)
        return lambda idx: np.ascontiguousarray(packed[idx].view(np.uint8).reshape(-1, 4).T, dtype=np.float32)
    # Gathering rows of a few bytes is slow in numpy; one planar copy makes each gather 1-D.
    planes = np.ascontiguousarray(np.moveaxis(image.reshape(h, w, -1), -1, 0)).reshape(-1, h * w)
    return lambda idx: planes.take(idx, axis=1).astype(np.float32, copy=False)


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
    return first, (overlap * (new / n)).astype(np.float32)


def _separable(image: np.ndarray, kernels: dict) -> np.ndarray:
    """Apply per-axis kernels {axis: (first, weights)}, the pass giving the smaller array first."""
    order = sorted(kernels, key=lambda axis: len(kernels[axis][0]) / image.shape[axis])
    out = image
    for axis in order:
        out = _apply_along(out, axis, *kernels[axis])
    return out


def _apply_along(image: np.ndarray, axis: int, first: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """out[k] = sum_j weights[k, j] * image[first[k] + j] along axis 0 or 1 (clamped)."""
    n = image.shape[axis]
    work = _work_dtype(image.dtype)
    weights = weights.astype(work, copy=False)
    index = np.minimum(first[:, None] + np.arange(weights.shape[1]), n - 1)
    shape_out = list(image.shape)
    shape_out[axis] = len(first)
    if axis == 1 and image.ndim == 3:
        # Fold the channels into the columns: index and weight every (column, channel).
        channels = image.shape[2]
        index = (index[:, None, :] * channels + np.arange(channels)[:, None]).reshape(-1, index.shape[1])
        weights = np.repeat(weights, channels, axis=0)
        image = image.reshape(image.shape[0], -1)
    spread = (-1, 1) if axis == 0 else (1, -1)
    out = None
    for tap in range(weights.shape[1]):
        w = weights[:, tap]
        if not w.any():
            continue
        term = np.take(image, index[:, tap], axis) * w.reshape(spread + (1,) * (image.ndim - 2))
        out = term if out is None else np.add(out, term, out=out)
    return out.astype(work, copy=False).reshape(shape_out)


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
