"""The GIF writer: LZW round trip through an independent decoder, file structure, transparency."""

from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from animate_drawing.imaging.gif import TRANSPARENT_INDEX, GifWriter, build_palette, lzw_encode

CHARACTER = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
             / "AnimatedDrawings_Server-Backend__example1")


def lzw_decode(data: bytes, min_code_size: int = 8) -> bytes:
    """Textbook GIF LZW decoder (written from the spec, independent of the encoder's table)."""
    clear, end = 1 << min_code_size, (1 << min_code_size) + 1
    pos = 0
    size = min_code_size + 1
    table: list[bytes] = []
    out = bytearray()
    previous = None
    value = int.from_bytes(data, "little")
    total_bits = len(data) * 8
    while pos + size <= total_bits:
        code = (value >> pos) & ((1 << size) - 1)
        pos += size
        if code == clear:
            table = [bytes([i]) for i in range(clear)] + [b"", b""]
            size, previous = min_code_size + 1, None
            continue
        if code == end:
            break
        if previous is None:
            entry = table[code]
        else:
            entry = table[code] if code < len(table) else previous + previous[:1]
            if len(table) < 4096:
                table.append(previous + entry[:1])
        out += entry
        previous = entry
        if len(table) == (1 << size) and size < 12:
            size += 1
    return bytes(out)


@pytest.mark.parametrize("kind", ["runs", "noise", "empty", "single", "long_run", "runs_and_resets"])
def test_lzw_round_trip(kind):
    rng = np.random.default_rng(1)
    data = {
        "runs": np.repeat(rng.integers(0, 255, 3000), rng.integers(1, 60, 3000)).astype(np.uint8).tobytes(),
        "noise": rng.integers(0, 256, 40_000).astype(np.uint8).tobytes(),  # forces table resets
        "empty": b"",
        "single": b"\x07",
        "long_run": b"\xff" * 250_000,  # a transparent frame: consumed along the run's chain of codes
        # Runs long and short across several table resets (run chains are dropped with the table).
        "runs_and_resets": np.repeat(rng.integers(0, 4, 20_000), rng.integers(1, 400, 20_000) ** 2 // 400 + 1)
        .astype(np.uint8).tobytes(),
    }[kind]
    assert lzw_decode(lzw_encode(data)) == data


def _gif_frames(path) -> list[np.ndarray]:
    """Minimal GIF reader for our files: global palette, full frames, index images."""
    blob = open(path, "rb").read()
    assert blob[:6] == b"GIF89a" and blob[-1:] == b"\x3b"
    width, height = struct.unpack("<HH", blob[6:10])
    pos, frames = 13 + 256 * 3, []
    while blob[pos] != 0x3B:
        if blob[pos] == 0x21:  # extension: skip its sub-blocks
            pos += 2
            while blob[pos]:
                pos += blob[pos] + 1
            pos += 1
            continue
        assert blob[pos] == 0x2C
        pos += 10
        min_code, pos = blob[pos], pos + 1
        data = bytearray()
        while blob[pos]:
            data += blob[pos + 1:pos + 1 + blob[pos]]
            pos += blob[pos] + 1
        pos += 1
        frames.append(np.frombuffer(lzw_decode(bytes(data), min_code), np.uint8).reshape(height, width))
    return frames


def test_gif_writer_frames_colours_and_transparency(tmp_path):
    frames = []
    for i in range(6):
        rgba = np.zeros((40, 50, 4), np.uint8)
        cv2.circle(rgba, (10 + 5 * i, 20), 8, (200, 30, 40, 255), -1)
        rgba[30:, :] = (20, 120, 220, 255)
        frames.append(rgba)
    palette = build_palette(np.array([[200, 30, 40], [20, 120, 220]], np.uint8))
    path = tmp_path / "a.gif"
    with GifWriter(path, 50, 40, 30, palette) as gif:
        for rgba in frames:
            gif.write(rgba)
    decoded = _gif_frames(path)
    assert len(decoded) == 6
    for rgba, index in zip(frames, decoded):
        np.testing.assert_array_equal(index == TRANSPARENT_INDEX, rgba[..., 3] < 128)
        opaque = index != TRANSPARENT_INDEX
        np.testing.assert_array_equal(palette[index[opaque]], rgba[..., :3][opaque])
    assert not np.array_equal(decoded[0], decoded[-1])
    # FFmpeg (through OpenCV) reads the file too: an independent decoder agrees on the count.
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    assert count == 6


def test_palette_reduces_many_colours_to_255_close_ones():
    rng = np.random.default_rng(0)
    samples = rng.integers(0, 256, (50_000, 3)).astype(np.uint8)
    palette = build_palette(samples)
    assert palette.shape == (255, 3)
    nearest = ((samples[:2000, None].astype(int) - palette[None].astype(int)) ** 2).sum(-1).min(1)
    assert np.sqrt(nearest).mean() < 25


def _mean_error(samples: np.ndarray, palette: np.ndarray) -> float:
    d = ((samples[:, None].astype(np.int32) - palette[None].astype(np.int32)) ** 2).sum(-1).min(1)
    return float(np.sqrt(d).mean())


def test_palette_keeps_few_colours_exactly_and_is_deterministic():
    rng = np.random.default_rng(3)
    few = rng.integers(0, 256, (200, 3)).astype(np.uint8)
    samples = few[rng.integers(0, 200, 5000)]
    palette = build_palette(samples)
    assert sorted(map(tuple, palette)) == sorted(set(map(tuple, few)))
    many = rng.integers(0, 256, (30_000, 3)).astype(np.uint8)
    np.testing.assert_array_equal(build_palette(many), build_palette(many.copy()))
    assert len(np.unique(build_palette(many), axis=0)) == 255   # no centre wasted on a duplicate


def test_palette_spends_its_colours_where_the_samples_are():
    # 95 % of the samples are shades of one colour: most centres must go there.
    rng = np.random.default_rng(4)
    shades = np.clip(rng.normal((200, 60, 40), 12, (19_000, 3)), 0, 255).astype(np.uint8)
    rest = rng.integers(0, 256, (1_000, 3)).astype(np.uint8)
    palette = build_palette(np.concatenate([shades, rest]))
    near_shades = np.abs(palette.astype(int) - (200, 60, 40)).max(1) < 40
    assert near_shades.sum() > 100
    assert _mean_error(shades, palette) < 6 < 15 < _mean_error(rest, palette)


@pytest.mark.skipif(not CHARACTER.is_dir(), reason="shared test data missing")
def test_palette_of_a_real_texture_is_as_close_as_opencv_kmeans():
    texture = cv2.cvtColor(cv2.imread(str(CHARACTER / "texture.png")), cv2.COLOR_BGR2RGB)
    mask = cv2.imread(str(CHARACTER / "mask.png"), cv2.IMREAD_GRAYSCALE) > 127
    samples = texture[mask]
    assert len(np.unique(samples, axis=0)) > 255
    ours = build_palette(samples)
    cv2.setRNGSeed(0)
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 8, 1.0)
    pick = samples[np.random.default_rng(0).choice(len(samples), min(len(samples), 20_000), replace=False)]
    _, _, centres = cv2.kmeans(pick.astype(np.float32), 255, None, criteria, 1, cv2.KMEANS_PP_CENTERS)
    theirs = np.clip(np.rint(centres), 0, 255).astype(np.uint8)
    assert _mean_error(samples, ours) <= 1.05 * _mean_error(samples, theirs)
