"""Resampling on numpy: area-average and bilinear resize, bilinear point lookups, affine warps.

Semantics follow OpenCV's (INTER_AREA when shrinking, INTER_LINEAR, remap/warpAffine with
BORDER_REPLICATE) so results match what the code computed with cv2 before, within one grey
level for uint8. Pixel (col i, row j) has its centre at (i, j).

Everything is separable where the geometry allows it (resize, axis-aligned warps): one pass
per axis, each O(pixels). The area pass sums whole source pixels with `np.add.reduceat` and
adds the two partly covered end pixels, which is the exact area integral of a box filter.
Bilinear interpolation with a replicated border is the same as clamping the sample
coordinate to [0, n - 1] first, which is how every lookup here handles the border.
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
    out = image
    for axis, new in ((0, height), (1, width)):
        old = image.shape[axis]
        if new == old:
            continue
        if method == "area" and new < old:
            out = _area_along(out, axis, new)
        else:
            out = _linear_along(out, axis, (np.arange(new) + 0.5) * (old / new) - 0.5)
    return image.copy() if out is image else _cast_like(out, image.dtype)


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(P, C) float32 bilinear lookups of `image` at float pixel coordinates x, y (P each).

    Coordinates outside the image see the border pixels (cv2.remap BORDER_REPLICATE);
    a 2-D image gives C = 1.
    """
    image = np.asarray(image)
    h, w = image.shape[:2]
    texels = image.reshape(h * w, -1)
    x0, x1, fx = _neighbours(np.ravel(x), w)
    y0, y1, fy = _neighbours(np.ravel(y), h)
    row0, row1 = y0 * w, y1 * w
    top = _lerp(texels[row0 + x0], texels[row0 + x1], fx[:, None])
    bottom = _lerp(texels[row1 + x0], texels[row1 + x1], fx[:, None])
    return _lerp(top, bottom, fy[:, None])


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
        # Scale + shift only: two 1-D passes instead of a lookup per output pixel.
        out = _linear_along(image, 0, m[1, 1] * ys + m[1, 2])
        out = _linear_along(out, 1, m[0, 0] * xs + m[0, 2])
    else:
        src_x = m[0, 0] * xs[None, :] + m[0, 1] * ys[:, None] + m[0, 2]
        src_y = m[1, 0] * xs[None, :] + m[1, 1] * ys[:, None] + m[1, 2]
        out = sample_bilinear(image, src_x, src_y).reshape((height, width) + image.shape[2:])
    return _cast_like(out, image.dtype)


def _work_dtype(dtype: np.dtype) -> type:
    return np.float64 if dtype == np.float64 else np.float32


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    work = _work_dtype(a.dtype)
    a = a.astype(work, copy=False)
    return a + (b.astype(work, copy=False) - a) * t.astype(work, copy=False)


def _neighbours(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Left/right sample indices and the weight of the right one, border replicated."""
    c = np.clip(np.asarray(coords, np.float64), 0.0, n - 1.0)
    i0 = np.clip(np.floor(c).astype(np.intp), 0, max(n - 2, 0))
    i1 = np.minimum(i0 + 1, n - 1)
    return i0, i1, c - i0


def _along(weights: np.ndarray, axis: int, ndim: int) -> np.ndarray:
    """1-D weights shaped to broadcast along `axis` of an ndim array."""
    shape = [1] * ndim
    shape[axis] = -1
    return weights.reshape(shape)


def _linear_along(image: np.ndarray, axis: int, coords: np.ndarray) -> np.ndarray:
    """Linear interpolation of `image` along one axis at float positions `coords`."""
    i0, i1, f = _neighbours(coords, image.shape[axis])
    return _lerp(np.take(image, i0, axis), np.take(image, i1, axis), _along(f, axis, image.ndim))


def _area_along(image: np.ndarray, axis: int, new: int) -> np.ndarray:
    """Box-filter shrink of one axis from n to new (< n) samples: exact area averages.

    Output k covers source [k·n/new, (k+1)·n/new); the bounds are kept as integer fractions
    over `new` so that the whole/partial split is exact.
    """
    n, work = image.shape[axis], _work_dtype(image.dtype)
    k = np.arange(new, dtype=np.int64)
    lo_num, hi_num = k * n, (k + 1) * n
    first_whole = -(-lo_num // new)  # ceil(lo)
    end_whole = hi_num // new  # floor(hi): one past the last whole pixel
    # reduceat sums [idx[i], idx[i+1]); interleaving starts and ends gives each output's
    # whole pixels at the even slots (the last sum runs to the end of the axis by itself).
    bounds = np.empty(2 * new - 1, np.intp)
    bounds[0::2] = first_whole
    bounds[1::2] = end_whole[:-1]
    sums = np.add.reduceat(image, bounds, axis=axis, dtype=work)
    out = np.take(sums, np.arange(0, 2 * new - 1, 2), axis)
    empty = end_whole <= first_whole  # reduceat returns the start element for an empty range
    if empty.any():
        out *= _along((~empty).astype(work), axis, out.ndim)
    lead = ((first_whole * new - lo_num) / new).astype(work)  # covered part of pixel floor(lo)
    tail = ((hi_num - end_whole * new) / new).astype(work)  # covered part of pixel floor(hi)
    lead_pixels = np.take(image, lo_num // new, axis).astype(work, copy=False)
    tail_pixels = np.take(image, np.minimum(end_whole, n - 1), axis).astype(work, copy=False)
    out += lead_pixels * _along(lead, axis, out.ndim)
    out += tail_pixels * _along(tail, axis, out.ndim)
    out *= work(new / n)
    return out


def _cast_like(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float results back to the input dtype: integers rounded and clipped, bool at 0.5."""
    if dtype == np.bool_:
        return values >= 0.5
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype, copy=False)
