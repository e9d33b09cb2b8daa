"""A small animated-GIF writer (GIF89a, LZW) so GIF output needs no extra dependency.

Blender cannot write GIF. Frames are streamed: the palette is
fixed up front (from the colours the renders can contain: textures and background), so a
779-frame clip never has to sit in memory. Index 255 is reserved for transparency.
"""

from __future__ import annotations

import os
import struct

import numpy as np

TRANSPARENT_INDEX = 255
_MAX_COLOURS = 255
_LUT_BITS = 5  # RGB quantised to 5 bits per channel for the colour -> palette lookup table
_MAX_KMEANS_POINTS = 20000  # distinct colours clustered at most (bounds the palette's cost)
_LLOYD_STEPS = 8


def build_palette(colour_samples: np.ndarray, max_colours: int = _MAX_COLOURS) -> np.ndarray:
    """(N, 3) uint8 RGB samples -> (K <= max_colours, 3) uint8 palette: the distinct colours when
    there are few enough, else weighted k-means centres of them. Deterministic."""
    samples = np.asarray(colour_samples, np.uint8).reshape(-1, 3)
    if len(samples) == 0:
        return np.zeros((1, 3), np.uint8)
    colours, counts = _distinct_colours(samples)
    if len(colours) > _MAX_KMEANS_POINTS:  # e.g. a photo backdrop: a random subset is enough
        pick = np.random.default_rng(0).choice(len(samples), size=_MAX_KMEANS_POINTS, replace=False)
        colours, counts = _distinct_colours(samples[pick])
    if len(colours) <= max_colours:
        return colours
    centres = _kmeans(colours.astype(np.float64), counts.astype(np.float64), max_colours)
    return np.clip(np.rint(centres), 0, 255).astype(np.uint8)


def _distinct_colours(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct RGB rows (sorted) and how often each occurs; via one int per colour (fast)."""
    codes = (samples[:, 0].astype(np.int32) << 16) | (samples[:, 1].astype(np.int32) << 8) | samples[:, 2]
    unique, counts = np.unique(codes, return_counts=True)
    colours = np.stack([unique >> 16, (unique >> 8) & 0xFF, unique & 0xFF], 1).astype(np.uint8)
    return colours, counts


def _kmeans(points: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Weighted k-means (k <= len(points)): greedy k-means++ seeding, then a few Lloyd steps.

    Points are distinct colours weighted by how often they occur, which is the same as
    clustering every sample but far cheaper (a drawing's texture has a few thousand colours).
    """
    centres = _kmeans_pp_seeds(points, weights, k, np.random.default_rng(0))
    points32 = points.astype(np.float32)
    for _ in range(_LLOYD_STEPS):
        # Nearest centre = argmin of |c|^2 - 2 p.c (|p|^2 is the same for every centre).
        score = points32 @ (-2 * centres.T).astype(np.float32)
        score += np.einsum("ij,ij->i", centres, centres).astype(np.float32)
        label = score.argmin(1)
        mass = np.bincount(label, weights, k)
        sums = np.stack([np.bincount(label, weights * points[:, c], k) for c in range(points.shape[1])], 1)
        moved = centres.copy()
        filled = mass > 0
        moved[filled] = sums[filled] / mass[filled, None]
        # An empty cluster takes over the point worst served by its centre.
        served = ((points - centres[label]) ** 2).sum(1)
        moved[~filled] = points[np.argsort(-served)[:np.count_nonzero(~filled)]]
        shift = np.abs(moved - centres).max()
        centres = moved
        if shift < 0.5:  # below half a grey level the rounded palette no longer changes
            break
    return centres


def _kmeans_pp_seeds(points: np.ndarray, weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k starting centres: each new one drawn in proportion to weight x squared distance to the
    centres so far, best of a few draws (the one that lowers the total cost most)."""
    norms = np.einsum("ij,ij->i", points, points)

    def squared_distances(centres: np.ndarray) -> np.ndarray:  # (len(centres), len(points))
        d = np.einsum("ij,ij->i", centres, centres)[:, None] - 2 * centres @ points.T + norms
        return np.maximum(d, 0, out=d)  # rounding can dip below 0 for (nearly) equal points

    trials = 2 + int(np.log(k))
    centres = np.empty((k, points.shape[1]))
    centres[0] = points[np.searchsorted(np.cumsum(weights), rng.random() * weights.sum(), side="right")]
    nearest = squared_distances(centres[:1])[0]
    for i in range(1, k):
        cumulative = np.cumsum(weights * nearest)
        # side="right": a draw never lands on a zero-cost point (one already chosen).
        candidates = np.searchsorted(cumulative, rng.random(trials) * cumulative[-1], side="right")
        options = np.minimum(nearest, squared_distances(points[candidates]))
        best = int((options @ weights).argmin())
        centres[i], nearest = points[candidates[best]], options[best]
    return centres


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
    """GIF-flavoured variable-width LZW of a byte string (codes packed LSB first).

    Runs of one index (most of a frame: the transparent or paper background) are consumed a
    table entry at a time rather than a pixel at a time: the table's chain of codes for
    s, ss, sss, ... is kept per index, so a run costs one step per code it emits. The output
    is the same as the textbook symbol-by-symbol encoder's.
    """
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    out = bytearray()
    bit_buffer = bit_count = 0
    code_size = min_code_size + 1
    table: dict[int, int] = {}  # (prefix code << 8 | symbol) -> code
    chains: dict[int, list[int]] = {}  # symbol s -> codes of s, ss, sss, ... (all in the table)
    run_of: dict[int, tuple[int, int]] = {}  # code of s^j (j >= 2) -> (s, j)
    next_code = end + 1

    def emit(code: int) -> None:
        nonlocal bit_buffer, bit_count
        bit_buffer |= code << bit_count
        bit_count += code_size
        while bit_count >= 8:
            out.append(bit_buffer & 0xFF)
            bit_buffer >>= 8
            bit_count -= 8

    def add(prefix: int, symbol: int) -> None:
        """After emitting `prefix`: the entry prefix + symbol, or a table reset when full."""
        nonlocal next_code, code_size
        if next_code < 4096:
            table[(prefix << 8) | symbol] = next_code
            run = (prefix, 1) if prefix < clear else run_of.get(prefix)
            if run is not None and run[0] == symbol:  # prefix is the longest run of symbol so far
                chains.setdefault(symbol, [symbol]).append(next_code)
                run_of[next_code] = (symbol, run[1] + 1)
            next_code += 1
            # The decoder adds each entry one code later, so widen once the entry past the
            # current width exists (GIF has no "early change").
            if next_code > (1 << code_size) and code_size < 12:
                code_size += 1
        else:
            emit(clear)
            table.clear()
            chains.clear()
            run_of.clear()
            next_code = end + 1
            code_size = min_code_size + 1

    emit(clear)
    if not indices:
        emit(end)
        if bit_count:
            out.append(bit_buffer & 0xFF)
        return bytes(out)
    data = np.frombuffer(indices, np.uint8)
    starts = np.concatenate([[0], np.flatnonzero(data[1:] != data[:-1]) + 1])
    lengths = np.diff(np.append(starts, len(data))).tolist()
    lengths[0] -= 1  # the first symbol is the first prefix
    prefix = int(data[0])
    for symbol, remaining in zip(data[starts].tolist(), lengths):
        while remaining:
            run = None if remaining == 1 else (prefix, 1) if prefix < clear else run_of.get(prefix)
            if run is not None and run[0] == symbol:  # extend the run along its chain
                chain = chains.get(symbol, [symbol])
                if run[1] + remaining <= len(chain):
                    prefix = chain[run[1] + remaining - 1]
                    break
                remaining -= len(chain) - run[1] + 1
                emit(chain[-1])
                add(chain[-1], symbol)
                prefix = symbol
                continue
            remaining -= 1
            found = table.get((prefix << 8) | symbol)
            if found is not None:
                prefix = found
                continue
            emit(prefix)
            add(prefix, symbol)
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
