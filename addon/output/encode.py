"""Rendered RGBA frames → MP4 (H.264), GIF, PNG sequence, written atomically.

Every sink writes under a hidden temporary name and renames on `close()`, so an
interrupted run never leaves a truncated file under the final name (and --resume can trust
that a final name means a finished output). MP4 streams frames into Blender's own FFmpeg
(movie_writer); GIF and PNG are written frame by frame as they come.
"""

from __future__ import annotations

import glob
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ...errors import InputError
from ...imaging.gif import GifWriter, build_palette
from ...imaging.image_file import read_image, write_png
from ...imaging.resample import resize
from ..places import check_written, discard, mp4_complete
from .movie_writer import VideoFrames, write_h264

NAMED_COLOURS = {
    "white": (255, 255, 255), "black": (0, 0, 0), "gray": (128, 128, 128), "grey": (128, 128, 128),
    "red": (255, 0, 0), "green": (0, 128, 0), "blue": (0, 0, 255),
}
VIDEO_DEFAULT_BACKGROUND = (255, 255, 255)  # MP4 has no alpha: paper white
PNG_LEVEL = 3  # zlib level of PNG sequences: see benchmarks/bench_image_file.py


def partial_path(final: Path) -> Path:
    """A hidden sibling of `final` with the same extension (Blender picks the container from it).
    Leftovers of an interrupted earlier run for the same output are removed first."""
    for stale in final.parent.glob(f".{glob.escape(final.stem)}.part-*{glob.escape(final.suffix)}"):
        discard(stale)
    return final.with_name(f".{final.stem}.part-{os.getpid()}{final.suffix}")


def publish(partial: Path, final: Path) -> None:
    """Atomically move a finished output to its final name (replacing an older one)."""
    if partial.is_dir():
        if final.exists():
            shutil.rmtree(final)
        partial.rename(final)
    else:
        os.replace(partial, final)


def parse_background(spec: str | None, width: int, height: int) -> np.ndarray | None:
    """`None`/"transparent" → None; a colour name, #RRGGBB or R,G,B, or an image file →
    an (H, W, 3) uint8 RGB backdrop (images scaled to cover the frame, centred)."""
    if spec is None or spec.lower() in ("", "none", "transparent"):
        return None
    colour = _parse_colour(spec)
    if colour is not None:
        return np.broadcast_to(np.array(colour, np.uint8), (height, width, 3)).copy()
    path = Path(spec)
    if not path.is_file():
        raise InputError(spec, "background is neither a colour (name, #RRGGBB, R,G,B) nor an image file")
    rgb = read_image(path)[0][..., :3]   # a transparent backdrop image shows its colour channels
    scale = max(width / rgb.shape[1], height / rgb.shape[0])
    resized = resize(rgb, (max(width, round(rgb.shape[1] * scale)), max(height, round(rgb.shape[0] * scale))),
                     method="area")
    top, left = (resized.shape[0] - height) // 2, (resized.shape[1] - width) // 2
    return np.ascontiguousarray(resized[top:top + height, left:left + width])


def _parse_colour(spec: str) -> tuple[int, int, int] | None:
    text = spec.strip().lower()
    if text in NAMED_COLOURS:
        return NAMED_COLOURS[text]
    if text.startswith("#") and len(text) == 7:
        try:
            return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            raise InputError(spec, "not a #RRGGBB colour") from None
    parts = text.split(",")
    if len(parts) == 3 and all(p.strip().isdigit() for p in parts):
        values = tuple(int(p) for p in parts)
        if all(0 <= v <= 255 for v in values):
            return values
        raise InputError(spec, "colour components must be 0..255")
    return None


def composite(rgba: np.ndarray, backdrop: np.ndarray | None) -> np.ndarray:
    """Straight-alpha RGBA over an opaque backdrop → RGBA with alpha 255 (or unchanged if None)."""
    if backdrop is None:
        return rgba
    alpha = rgba[..., 3:4].astype(np.uint16)
    # Integer "over" rounded like float maths: (x + 128 + ((x + 128) >> 8)) >> 8 == round(x / 255)
    # for x <= 255 * 255; 3x faster than float32 at 512 px.
    mixed = rgba[..., :3] * alpha + backdrop * (255 - alpha) + 128
    out = np.empty_like(rgba)
    out[..., :3] = (mixed + (mixed >> 8)) >> 8
    out[..., 3] = 255
    return out


class PngSequenceSink:
    """`<name>_frames/frame_0001.png`… with alpha."""

    def __init__(self, final: Path, backdrop: np.ndarray | None):
        self.final, self.backdrop = final, backdrop
        self.partial = partial_path(final)
        discard(self.partial)
        self.partial.mkdir(parents=True)

    def write(self, frame: int, rgba: np.ndarray) -> None:
        write_png(self.partial / f"frame_{frame:04d}.png", composite(rgba, self.backdrop), compress_level=PNG_LEVEL)

    def close(self) -> None:
        publish(self.partial, self.final)

    def abort(self) -> None:
        discard(self.partial)


class GifSink:
    def __init__(self, final: Path, backdrop: np.ndarray | None, width: int, height: int, fps: float,
                 colour_samples: np.ndarray):
        self.final, self.backdrop = final, backdrop
        self.partial = partial_path(final)
        samples = colour_samples if backdrop is None else np.concatenate([colour_samples, backdrop.reshape(-1, 3)])
        self.writer = GifWriter(self.partial, width, height, fps, build_palette(samples))

    def write(self, frame: int, rgba: np.ndarray) -> None:
        self.writer.write(composite(rgba, self.backdrop))

    def close(self) -> None:
        self.writer.close()
        publish(self.partial, self.final)

    def abort(self) -> None:
        try:
            self.writer.close()  # flushing fails when the disk is full: the partial goes anyway
        finally:
            discard(self.partial)


class Mp4Sink:
    """H.264 in MPEG-4 (yuv420p: dimensions must be even) through Blender's own FFmpeg, the
    only H.264 encoder a Blender install is sure to have. Frames stream straight into the
    encoder (movie_writer): nothing is written to disk but the video, and only the frames in
    flight are in memory. Unlike the other sinks it pulls: `encode` consumes an iterator of
    `prepare`d frames."""

    def __init__(self, final: Path, backdrop: np.ndarray | None, width: int, height: int, fps: float):
        if width % 2 or height % 2:
            raise ValueError(f"H.264 needs even dimensions, got {width}x{height}")
        self.final, self.width, self.height, self.fps = final, width, height, fps
        if backdrop is None:
            backdrop = np.broadcast_to(np.array(VIDEO_DEFAULT_BACKGROUND, np.uint8), (height, width, 3))
        self.prepare = VideoFrames(backdrop)  # a rendered frame as the encoder takes it
        self.partial = partial_path(final)

    def encode(self, frames: Iterator[np.ndarray], count: int) -> None:
        write_h264(frames, count, self.partial, self.width, self.height, self.fps)
        check_written(self.partial, mp4_complete(self.partial))  # FFmpeg says nothing when the disk fills

    def close(self) -> None:
        publish(self.partial, self.final)

    def abort(self) -> None:
        discard(self.partial)
