"""Image files: decoding with Pillow (any thread, plain Python), PNG encoding with zlib + numpy.

`read_image` decodes whatever Pillow opens (PNG, JPEG, BMP, TIFF, WebP, GIF, ...) to straight
RGBA uint8 with the EXIF orientation applied. It touches no Blender data, so the pure layers
and the UI's worker threads decode for themselves. The extension ships a Pillow wheel cut to
the decoders (build_addon.py drops its font and colour-management libraries).

`write_png` is a minimal encoder (8-bit grey/RGB/RGBA, one IDAT chunk) that every reader we
care about (Blender, OpenCV, AnimatedDrawings' PIL) accepts.
"""

from __future__ import annotations

import os
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import InputError, place_error

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPE = {1: 0, 3: 2, 4: 6}   # channels -> PNG colour type (grey, RGB, RGBA)
_CORRUPT = "not an image, or the image file is corrupt (supported: PNG, JPEG, BMP, TIFF, WebP)"
_TRUNCATED = "the {} file is truncated (it ends before the image data does)"
# Modes whose alpha Pillow keeps premultiplied: converted to straight alpha first.
_PREMULTIPLIED = {"RGBa": "RGBA", "La": "LA"}
_WITH_ALPHA = {"RGBA", "LA", "PA"}


def read_image(path: str | os.PathLike,
               check_size: Callable[[Path, int, int], None] | None = None) -> tuple[np.ndarray, bool]:
    """Decode an image file → (RGBA uint8 (H, W, 4) top-down with straight alpha, has_alpha_channel).

    `check_size(path, width, height)` runs on the header's size before any pixel is decoded (a
    decompression bomb is refused there). 16-bit and float images are reduced to 8 bits without
    any colour transform (values read raw, so a 16-bit PNG is not linearised). Files without
    alpha get alpha 255. Raises InputError for a missing, empty, unreadable or corrupt file.
    """
    path = Path(path)
    if not read_file_bytes(path, 1):
        raise InputError(path, "the file is empty (0 bytes)")
    try:
        with Image.open(path) as image:
            if check_size is not None:
                check_size(path, *image.size)
            image.load()
            return _to_rgba8(_upright(image))
    except UnidentifiedImageError:
        raise InputError(path, _CORRUPT) from None
    except Image.DecompressionBombError:
        raise InputError(path, "the image is too large: it may be a decompression bomb") from None
    except (OSError, SyntaxError, ValueError, struct.error) as exc:
        if "truncated" in str(exc):
            raise InputError(path, _TRUNCATED.format(_format_name(path))) from None
        raise InputError(path, _CORRUPT) from None


def _format_name(path: Path) -> str:
    suffix = path.suffix.lstrip(".").upper()
    return {"JPG": "JPEG", "TIF": "TIFF"}.get(suffix, suffix or "image")


def _upright(image: Image.Image) -> Image.Image:
    """The picture the EXIF orientation describes (phones store it sideways); a broken EXIF block
    is ignored, as every viewer does (quietly: Pillow would warn on stderr)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, struct.error, KeyError, TypeError):
        return image


def _to_rgba8(image: Image.Image) -> tuple[np.ndarray, bool]:
    mode = _PREMULTIPLIED.get(image.mode)
    if mode is not None:
        image = image.convert(mode)
    has_alpha = image.mode in _WITH_ALPHA or "transparency" in image.info
    if image.mode.startswith("I") or image.mode == "F":     # 16-bit grey (I;16*), 32-bit int or float
        rgba = np.empty((image.height, image.width, 4), np.uint8)
        rgba[..., :3] = _grey_to_8bit(np.asarray(image), image.mode)[..., None]
        rgba[..., 3] = 255
        return rgba, has_alpha
    if image.mode != "RGBA":
        image = image.convert("RGBA")
    return np.array(image), has_alpha        # a writable copy: asarray would be read-only


def _grey_to_8bit(values: np.ndarray, mode: str) -> np.ndarray:
    """Raw values to 8 bits, rounded to nearest: 16-bit grey as v / 257, float grey as 0..1."""
    if mode == "F":
        scaled = np.nan_to_num(values.astype(np.float32)) * 255.0
    else:
        scaled = values.astype(np.float32) / 257.0
    return (np.clip(scaled, 0.0, 255.0) + 0.5).astype(np.uint8)


def read_file_bytes(path: Path, limit: int = -1) -> bytes:
    """The file's first `limit` bytes (all by default); InputError naming what went wrong."""
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not an image file") from None
    except OSError as exc:
        raise InputError(path, f"cannot read the file ({exc.strerror or exc})") from None


def write_png(path: str | os.PathLike, pixels: np.ndarray, compress_level: int = 6) -> None:
    """Write uint8 (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA as an 8-bit PNG.

    Every row uses the "Up" filter: one vectorised subtraction. On a 500 px RGBA frame at zlib
    level 3 it gave the smallest file of the vectorisable filters (184 KiB; None 190, Sub 191)
    at None's speed (7 ms; Sub 13). benchmarks/bench_image_file.py compares it with OpenCV.
    """
    path = Path(path)
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8:
        raise ValueError(f"write_png needs uint8 pixels, got {pixels.dtype}")
    channels = 1 if pixels.ndim == 2 else pixels.shape[2] if pixels.ndim == 3 else 0
    if channels not in _PNG_COLOUR_TYPE or min(pixels.shape[:2]) == 0:
        raise ValueError(f"write_png needs a non-empty (H, W), (H, W, 3) or (H, W, 4) array, got {pixels.shape}")
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), np.uint8)
    filtered[:, 0] = 2                                  # filter type "Up"
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])  # uint8 wraps modulo 256, as PNG wants
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOUR_TYPE[channels], 0, 0, 0)
    data = b"".join((_PNG_SIGNATURE, _chunk(b"IHDR", header),
                     _chunk(b"IDAT", zlib.compress(filtered.data, compress_level)), _chunk(b"IEND", b"")))
    try:
        path.write_bytes(data)
    except OSError as exc:   # a PlaceError: a full disk mid-batch stops the batch in one line
        raise place_error(exc, path) from None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))
