"""Image files without OpenCV: decoding through Blender, PNG encoding with zlib + numpy.

`read_image` lets Blender's imbuf decode whatever Blender opens (PNG, JPEG, BMP, TIFF, WebP,
OpenEXR, ...). Blender ignores the JPEG EXIF orientation, so it is read from the APP1 segment
here and applied with numpy. bpy is not thread-safe: call `read_image` on the main thread.

`write_png` is a minimal encoder (8-bit grey/RGB/RGBA, one IDAT chunk) that every reader we
care about (Blender, OpenCV, AnimatedDrawings' PIL) accepts.
"""

from __future__ import annotations

import contextlib
import os
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

from ..errors import InputError

_ORIENTATION_TAG = 0x0112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPE = {1: 0, 3: 2, 4: 6}   # channels -> PNG colour type (grey, RGB, RGBA)


def read_image(path: str | os.PathLike) -> tuple[np.ndarray, bool]:
    """Decode an image file → (RGBA uint8 (H, W, 4) top-down with straight alpha, has_alpha_channel).

    16-bit and float images are reduced to 8 bits without any colour transform (values read
    raw, so a 16-bit PNG is not linearised). Files without alpha get alpha 255. JPEG EXIF
    orientation is applied. Raises InputError for a missing, empty, unreadable or corrupt file.
    """
    path = Path(path)
    magic = read_file_bytes(path, 3)
    if not magic:
        raise InputError(path, "the file is empty (0 bytes)")
    # JPEG bytes are needed twice: the EXIF orientation, and the truncation check (libjpeg decodes
    # a cut-off file without complaint, the missing part grey).
    jpeg = read_file_bytes(path) if magic == b"\xff\xd8\xff" else None
    if jpeg is not None and _jpeg_is_truncated(jpeg):
        raise InputError(path, "the JPEG file is truncated (it ends before the image data does)")
    import bpy  # here, not at module level: the numpy-only parts of the package must not need Blender

    with _stdout_to_stderr():
        try:
            image = bpy.data.images.load(str(path.resolve()), check_existing=False)
        except RuntimeError:
            raise InputError(path, _CORRUPT) from None
        try:
            # Before the pixels are first touched, so the buffer is decoded only once and raw.
            image.colorspace_settings.name = "Non-Color"
            width, height = image.size
            if image.source != "FILE" or width == 0 or height == 0:
                raise InputError(path, _CORRUPT)
            # Always 4 floats a pixel, whatever the file holds (grey, RGB, single-channel EXR...).
            flat = np.empty(width * height * 4, np.float32)
            image.pixels.foreach_get(flat)
            channels_in_file = image.depth // (32 if image.is_float else 8)
            is_float = image.is_float
        finally:
            bpy.data.images.remove(image)
    rgba = _to_rgba8(flat, width, height, is_float)
    has_alpha = channels_in_file in (2, 4) and jpeg is None   # a 4-channel JPEG is CMYK, never alpha
    if jpeg is not None:
        rgba = _apply_orientation(rgba, jpeg_orientation(jpeg))
    return np.ascontiguousarray(rgba), has_alpha


@contextlib.contextmanager
def _stdout_to_stderr():
    """Blender logs decoder failures on the C-level stdout, which `--json` output needs clean;
    they still reach the terminal through stderr (our InputError says the same, in words)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_CORRUPT = "not an image, or the image file is corrupt (supported: PNG, JPEG, BMP, TIFF, WebP)"


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


def _to_rgba8(flat: np.ndarray, width: int, height: int, is_float: bool) -> np.ndarray:
    """Blender's bottom-up float RGBA → top-down uint8, in place on `flat` (no 16-byte/pixel temporaries)."""
    if is_float:  # 16-bit / HDR: Blender hands out straight (not premultiplied) values here too
        np.nan_to_num(flat, copy=False)
        np.clip(flat, 0.0, 1.0, out=flat)
    np.multiply(flat, 255.0, out=flat)
    np.add(flat, 0.5, out=flat)
    return flat.astype(np.uint8).reshape(height, width, 4)[::-1]


def jpeg_orientation(data: bytes) -> int:
    """EXIF orientation (1..8) from the start of a JPEG file; 1 when absent or unreadable."""
    for marker, start, end in _jpeg_segments(data):
        if marker == 0xE1 and data[start:start + 6] == b"Exif\x00\x00":
            return _tiff_orientation(data[start + 6:end])
    return 1


def _jpeg_is_truncated(data: bytes) -> bool:
    """True when no end-of-image marker follows the image data (a download or copy cut short)."""
    scan_end = next((end for marker, _, end in _jpeg_segments(data) if marker == 0xDA), None)
    # Entropy-coded data escapes every 0xFF byte, so FF D9 after the scan header can only be the EOI.
    return scan_end is None or data.find(b"\xff\xd9", scan_end) < 0


def _jpeg_segments(data: bytes):
    """Yield (marker, payload start, payload end) of the header segments up to the first SOS.

    Walking by segment lengths skips an EXIF thumbnail, which is a whole JPEG of its own.
    """
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        if marker == 0xFF:                      # fill byte before a marker
            i += 1
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        yield marker, i + 4, i + 2 + length
        if marker in (0xDA, 0xD9):              # start of scan / end of image: headers are over
            return
        i += 2 + length


def _tiff_orientation(tiff: bytes) -> int:
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        (ifd,) = struct.unpack(order + "I", tiff[4:8])
        (count,) = struct.unpack(order + "H", tiff[ifd:ifd + 2])
        for entry in range(ifd + 2, ifd + 2 + 12 * count, 12):
            tag, kind = struct.unpack(order + "HH", tiff[entry:entry + 4])
            if tag == _ORIENTATION_TAG and kind == 3:   # SHORT, stored left-aligned in the value field
                (value,) = struct.unpack(order + "H", tiff[entry + 8:entry + 10])
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error):
        pass
    return 1


def _apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn the stored pixels into the upright picture the EXIF orientation describes."""
    if orientation in (5, 6, 7, 8):
        image = image.transpose(1, 0, 2)            # 5 is exactly a transpose
        if orientation in (6, 7):
            image = image[:, ::-1]                  # transpose + mirror = 90 degrees clockwise
        if orientation in (7, 8):
            image = image[::-1]
        return image
    if orientation in (2, 3):
        image = image[:, ::-1]
    if orientation in (3, 4):
        image = image[::-1]
    return image


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
    except OSError as exc:
        raise InputError(path, f"cannot write the image file ({exc.strerror or exc})") from None


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))
