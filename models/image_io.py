"""Load any user photo/scan of a drawing as 8-bit RGB (+ optional alpha mask).

Handles what phones, scanners and paint programs actually produce: EXIF-rotated JPEGs,
grayscale, 16-bit, CMYK JPEGs, palette/RGBA PNGs, huge photos. The pixel count is checked
from the file header *before* decoding so a decompression bomb is refused without
allocating gigabytes. Decoding is Pillow's (`imaging.image_file`): any thread may load.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..imaging.image_file import read_file_bytes, read_image
from ..imaging.resample import resize

MAX_PIXELS = 80_000_000          # refuse above this (a 12000 x 6700 photo is still fine)
MAX_LONG_SIDE = 2000             # larger images are downscaled: drawings need no more detail
MIN_SIDE = 16                    # below this there is nothing to rig
MIN_TRANSPARENT = 0.02           # alpha is a figure mask only if this much of the image is see-through


def load_image(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (rgb uint8 HxWx3, alpha uint8 HxW or None) with EXIF orientation applied.

    `alpha` is only returned when it carries information (enough pixels are see-through): a
    transparent PNG's alpha *is* the figure mask. Colour under transparent pixels is
    composited on white, the colour of paper.
    """
    path = Path(path)
    data = read_file_bytes(path)
    if not data:
        raise InputError(path, "the file is empty (0 bytes)")
    size = header_size(data)
    if size is not None:
        _check_pixel_count(path, *size)
    rgba, _ = read_image(path, check_size=_check_pixel_count)   # formats header_size does not know
    height, width = rgba.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise InputError(path, f"the image is too small ({width}x{height} px); "
                               f"it needs at least {MIN_SIDE} px on each side")
    rgb, alpha = _split_alpha(rgba)
    return _limit_size(rgb, alpha)


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from a PNG, JPEG, GIF, BMP, TIFF or WebP header, else None."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", data[16:24])
        if data[:3] == b"\xff\xd8\xff":
            return _jpeg_size(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:2] == b"BM":
            w, h = struct.unpack("<ii", data[18:26])
            return abs(w), abs(h)
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff_size(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":
                w = int.from_bytes(data[24:27], "little") + 1
                h = int.from_bytes(data[27:30], "little") + 1
                return w, h
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
    except struct.error:
        return None  # truncated header: let the decoder report the corruption
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    # First IFD: ImageWidth (256) and ImageLength (257), SHORT or LONG.
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd:ifd + 2])
    size = {}
    for i in range(count):
        tag, kind, _, value = struct.unpack(order + "HHI4s", data[ifd + 2 + 12 * i:ifd + 14 + 12 * i])
        if tag in (256, 257):
            size[tag] = struct.unpack(order + ("H" if kind == 3 else "I"), value[:2 if kind == 3 else 4])[0]
    return (size[256], size[257]) if len(size) == 2 else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the marker segments up to the first start-of-frame (SOF0..SOF15 minus DHT/JPG/DAC).
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:          # fill byte
            i += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        i += 2 + length
    return None


def _check_pixel_count(path, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise InputError(path, f"the image is too large ({width}x{height} = {width * height / 1e6:.0f} "
                               f"megapixels; the limit is {MAX_PIXELS / 1e6:.0f}). It may be a "
                               "decompression bomb; scale it down before importing")


def _split_alpha(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    alpha = rgba[..., 3]
    if alpha.min() == 255:
        return np.ascontiguousarray(rgba[..., :3]), None
    # A few see-through pixels (rounded corners, a stray eraser mark) do not make a cut-out.
    is_cutout = np.count_nonzero(alpha < 128) >= MIN_TRANSPARENT * alpha.size
    # Composite on white so that hidden colour under transparency never shows.
    a = alpha[:, :, None].astype(np.float32) / 255.0
    composited = (rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)
    return composited, np.ascontiguousarray(alpha) if is_cutout else None


def _limit_size(rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    h, w = rgb.shape[:2]
    long_side = max(h, w)
    if long_side <= MAX_LONG_SIDE:
        return rgb, alpha
    s = MAX_LONG_SIDE / long_side
    size = (max(1, round(w * s)), max(1, round(h * s)))
    rgb = resize(rgb, size, method="area")
    if alpha is not None:
        alpha = resize(alpha, size, method="area")
    return rgb, alpha
