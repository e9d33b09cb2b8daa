"""A small animated-GIF writer (GIF89a, LZW) so GIF output needs no extra dependency.

Blender cannot write GIF and OpenCV cannot either. Frames are streamed: the palette is
fixed up front (from the colours the renders can contain: textures and background), so a
779-frame clip never has to sit in memory. Index 255 is reserved for transparency.
"""

from __future__ import annotations

import os
import struct

import cv2
import numpy as np

TRANSPARENT_INDEX = 255
_MAX_COLOURS = 255
_LUT_BITS = 5  # RGB quantised to 5 bits per channel for the colour -> palette lookup table


def build_palette(colour_samples: np.ndarray, max_colours: int = _MAX_COLOURS) -> np.ndarray:
    """(N, 3) uint8 RGB samples -> (K <= 255, 3) uint8 palette (k-means when there are more)."""
    samples = np.asarray(colour_samples, np.uint8).reshape(-1, 3)
    if len(samples) == 0:
        return np.zeros((1, 3), np.uint8)
    unique = np.unique(samples, axis=0)
    if len(unique) <= max_colours:
        return unique
    rng = np.random.default_rng(0)  # deterministic palette for identical inputs
    pick = samples[rng.choice(len(samples), size=min(len(samples), 20000), replace=False)]
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 8, 1.0)
    _, _, centres = cv2.kmeans(pick.astype(np.float32), max_colours, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    return np.clip(np.rint(centres), 0, 255).astype(np.uint8)


def _palette_lookup(palette: np.ndarray) -> np.ndarray:
    """Nearest palette index for every 5-bit-per-channel RGB cell (32768 entries)."""
    levels = (np.arange(1 << _LUT_BITS) << (8 - _LUT_BITS)) + (1 << (7 - _LUT_BITS))
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    cells = np.stack([r.ravel(), g.ravel(), b.ravel()], 1).astype(np.int32)
    pal = palette.astype(np.int32)
    lut = np.empty(len(cells), np.uint8)
    for start in range(0, len(cells), 4096):  # chunks keep the distance matrix small
        d = ((cells[start:start + 4096, None, :] - pal[None]) ** 2).sum(-1)
        lut[start:start + 4096] = d.argmin(1)
    return lut


def lzw_encode(indices: bytes, min_code_size: int = 8) -> bytes:
    """GIF-flavoured variable-width LZW of a byte string (codes packed LSB first)."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    out = bytearray()
    bit_buffer = bit_count = 0
    code_size = min_code_size + 1
    table: dict[int, int] = {}
    next_code = end + 1

    def emit(code: int) -> None:
        nonlocal bit_buffer, bit_count
        bit_buffer |= code << bit_count
        bit_count += code_size
        while bit_count >= 8:
            out.append(bit_buffer & 0xFF)
            bit_buffer >>= 8
            bit_count -= 8

    emit(clear)
    if not indices:
        emit(end)
        if bit_count:
            out.append(bit_buffer & 0xFF)
        return bytes(out)
    prefix = indices[0]
    for symbol in indices[1:]:
        key = (prefix << 8) | symbol
        found = table.get(key)
        if found is not None:
            prefix = found
            continue
        emit(prefix)
        if next_code < 4096:
            table[key] = next_code
            next_code += 1
            # The decoder adds each entry one code later, so widen once the entry past the
            # current width exists (GIF has no "early change").
            if next_code > (1 << code_size) and code_size < 12:
                code_size += 1
        else:
            emit(clear)
            table.clear()
            next_code = end + 1
            code_size = min_code_size + 1
        prefix = symbol
    emit(prefix)
    emit(end)
    if bit_count:
        out.append(bit_buffer & 0xFF)
    return bytes(out)


def _sub_blocks(data: bytes) -> bytes:
    chunks = [bytes([len(data[i:i + 255])]) + data[i:i + 255] for i in range(0, len(data), 255)]
    return b"".join(chunks) + b"\x00"


class GifWriter:
    """Streams RGBA frames into an animated GIF; pixels with alpha < 128 become transparent."""

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: float, palette: np.ndarray):
        self.path = os.fspath(path)
        self.width, self.height = width, height
        self.palette = np.asarray(palette, np.uint8)[:_MAX_COLOURS]
        self._lut = _palette_lookup(self.palette)
        self._centiseconds = 100.0 / fps
        self._elapsed = 0.0
        self._frames_written = 0
        self._file = open(self.path, "wb")
        table = np.zeros((256, 3), np.uint8)
        table[: len(self.palette)] = self.palette
        header = b"GIF89a" + struct.pack("<HHBBB", width, height, 0xF7, TRANSPARENT_INDEX, 0)
        loop_forever = b"\x21\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", 0) + b"\x00"
        self._file.write(header + table.tobytes() + loop_forever)

    def indices(self, rgba: np.ndarray) -> np.ndarray:
        """Palette index per pixel of an (H, W, 4) uint8 RGBA frame."""
        q = rgba[..., :3] >> (8 - _LUT_BITS)
        cell = (q[..., 0].astype(np.int32) << (2 * _LUT_BITS)) | (q[..., 1].astype(np.int32) << _LUT_BITS) | q[..., 2]
        idx = self._lut[cell]
        idx[rgba[..., 3] < 128] = TRANSPARENT_INDEX
        return idx

    def write(self, rgba: np.ndarray) -> None:
        # Delays are whole centiseconds: accumulate so the average matches the frame rate.
        start = round(self._elapsed)
        self._elapsed += self._centiseconds
        delay = max(1, round(self._elapsed) - start)
        # Disposal 2 (restore background) so transparent pixels never show the previous frame.
        control = b"\x21\xf9\x04" + struct.pack("<BHB", (2 << 2) | 1, delay, TRANSPARENT_INDEX) + b"\x00"
        descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, self.width, self.height, 0)
        data = lzw_encode(self.indices(rgba).tobytes())
        self._file.write(control + descriptor + b"\x08" + _sub_blocks(data))
        self._frames_written += 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.write(b"\x3b")
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
