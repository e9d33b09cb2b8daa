"""Frames from Python straight into Blender's movie writer (FFmpeg): no frame files.

Blender exposes its movie writer only through an animation render. So a throw-away scene
renders frames 1..N with a tiny render engine whose `render()` takes the next frame from a
Python iterator and puts it in the Combined pass: Blender then writes it to the MP4 exactly
as it would any render, one frame in memory at a time. The scene uses the Raw view
transform and no dithering, so the frame's sRGB bytes reach the encoder unchanged.

An exception raised inside `render()` would be printed and swallowed by Blender, so one from
the iterator is kept, the engine reports an error (which ends the animation render after that
frame) and the exception is raised again once the render returns. Signals wait for the whole
render (`signals_deferred`: a handler raising at any Python line Blender calls would be lost);
the feed stops at the next frame when one is pending, and it is raised once the render returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import bpy

from .. import compat
from ..interrupt import interrupt_pending, signals_deferred
from ..places import raise_if_disk_full
from .render import quiet_blender
from .scene_setup import fps_pair

ENGINE_ID = "ANIMATE_DRAWING_STREAM"
SCENE_NAME = "AnimateDrawing_encode"


class _Feed:
    """The frames of one movie and the first error raised while producing them."""

    def __init__(self, frames: Iterator[np.ndarray]):
        self.frames = frames
        self.error: BaseException | None = None
        self.delivered = 0

    def next_pixels(self) -> np.ndarray | None:
        if self.error is not None or interrupt_pending():
            return None
        try:
            pixels = next(self.frames)
        except StopIteration:
            self.error = RuntimeError("the frame source ended before the movie did")
        except BaseException as exc:  # KeyboardInterrupt included: Blender would swallow it
            self.error = exc
        else:
            self.delivered += 1
            return pixels
        return None


_FEEDS: dict[str, _Feed] = {}


class StreamEngine(bpy.types.RenderEngine):
    """Render engine of the encode scene: each frame is the next array of its feed."""

    bl_idname = ENGINE_ID
    bl_label = "Animate Drawing (stream)"
    bl_use_preview = False

    def render(self, depsgraph):
        scene = depsgraph.scene
        feed = _FEEDS.get(scene.name)
        try:
            pixels = feed.next_pixels() if feed is not None else None
            if pixels is None:
                self.report({"ERROR"}, "no frame to encode")  # stops the animation render
                return
            render = scene.render
            result = self.begin_result(0, 0, render.resolution_x, render.resolution_y)
            result.layers[0].passes["Combined"].rect.foreach_set(pixels)
            self.end_result(result)
        except BaseException as exc:  # a signal raised here would be printed and lost by Blender
            if feed is not None and feed.error is None:
                feed.error = exc
            self.report({"ERROR"}, "frame failed")


def ensure_registered() -> None:
    """Registered on first use, not with the extension: it is no engine to pick in the UI."""
    if not StreamEngine.is_registered:
        bpy.utils.register_class(StreamEngine)


def register_module() -> None:
    """Nothing at extension start (see ensure_registered); the hook makes unregister run."""


def unregister_module() -> None:
    if StreamEngine.is_registered:
        bpy.utils.unregister_class(StreamEngine)


class VideoFrames:
    """Straight-alpha RGBA frames over an opaque backdrop, as the flat float32 RGBA a render
    pass holds (rows bottom-up, values 0..1). The backdrop is converted once; `paint` only
    touches the pixels a figure covers (pure numpy: callable from any thread or process).

    A pass pixel is 4 float32 = 16 bytes, moved as one complex128 item: numpy scatters and
    gathers single items several times faster than rows of 4."""

    def __init__(self, backdrop: np.ndarray):
        self.height, self.width = backdrop.shape[:2]
        self.base = np.empty((self.height * self.width, 4), np.float32)
        self.base[:, :3] = backdrop[::-1].reshape(-1, 3) * np.float32(1 / 255)
        self.base[:, 3] = 1.0
        self.base_items = self.base.view(np.complex128).reshape(-1)
        # Top-down flat pixel index -> bottom-up one, looked up instead of divided out.
        self.bottom_up = np.arange(self.height * self.width, dtype=np.int32).reshape(self.height, self.width)[::-1].ravel()

    def paint(self, out: np.ndarray, pixel: np.ndarray, colours: np.ndarray, previous: np.ndarray | None) -> np.ndarray:
        """Write the frame whose covered pixels (flat, rows top-down) have `colours` (P, 4)
        uint8 into `out`, which holds an earlier frame whose `paint` returned `previous`
        (None: unknown). Returns what to pass as `previous` next time `out` is painted."""
        items = out.view(np.complex128).reshape(-1)
        if previous is None:
            items[:] = self.base_items
        else:
            items[previous] = self.base_items[previous]
        target = self.bottom_up[pixel]
        painted = _UNIT[colours]  # == colours / 255 in float32, as one gather
        painted[:, 3] = 1.0
        # Opaque pixels are their colour (colour * 1 + backdrop * 0): blend only the others.
        see_through = np.flatnonzero(colours[:, 3] != 255)
        if len(see_through):
            alpha = _UNIT[colours[see_through, 3]][:, None]
            painted[see_through, :3] = painted[see_through, :3] * alpha + self.base[target[see_through], :3] * (1 - alpha)
        items[target] = painted.view(np.complex128).reshape(-1)
        return target

    def __call__(self, rgba: np.ndarray) -> np.ndarray:
        """One (H, W, 4) frame, painted into a new buffer."""
        covered = np.flatnonzero(rgba[..., 3])
        out = np.empty(self.height * self.width * 4, np.float32)
        self.paint(out, covered, rgba.reshape(-1, 4)[covered], None)
        return out


_UNIT = np.arange(256, dtype=np.float32) * np.float32(1 / 255)  # byte value -> 0..1


def write_h264(frames: Iterator[np.ndarray], count: int, target: Path, width: int, height: int, fps: float) -> None:
    """Encode `count` frames (each from `VideoFrames`) to an H.264 MP4 at `target`."""
    if count < 1:
        raise ValueError("no frames to encode")
    ensure_registered()
    scene = bpy.data.scenes.new(SCENE_NAME)
    camera = bpy.data.objects.new(SCENE_NAME, None)  # Blender refuses to render a scene without a camera
    feed = _Feed(frames)
    try:
        scene.camera = camera
        _configure(scene, count, target, width, height, fps)
        _FEEDS[scene.name] = feed
        with signals_deferred():
            try:
                with quiet_blender():
                    bpy.ops.render.render(animation=True, scene=scene.name)
            except RuntimeError:
                if feed.error is None and not interrupt_pending():
                    raise_if_disk_full(target)
                    raise
    finally:
        _FEEDS.pop(scene.name, None)
        bpy.data.scenes.remove(scene)
        bpy.data.objects.remove(camera)
    if feed.error is not None:
        raise feed.error
    if feed.delivered != count:  # Blender stopped the render on its own: never a short movie that looks done
        raise RuntimeError(f"Blender's movie render stopped after {feed.delivered} of {count} frames")
    if not target.exists():
        raise RuntimeError(f"Blender's FFmpeg wrote no video to {target}")


def _configure(scene: bpy.types.Scene, count: int, target: Path, width: int, height: int, fps: float) -> None:
    scene.frame_start, scene.frame_end = 1, count
    render = scene.render
    render.engine = ENGINE_ID
    render.resolution_x, render.resolution_y, render.resolution_percentage = width, height, 100
    render.fps, render.fps_base = fps_pair(fps)
    render.dither_intensity = 0.0
    render.use_compositing = False
    render.use_sequencer = False
    scene.view_settings.view_transform = "Raw"  # the frames already hold display (sRGB) values
    scene.view_settings.look = "None"
    settings = render.image_settings
    compat.set_video_output(settings)
    render.ffmpeg.format = "MPEG4"
    render.ffmpeg.codec = "H264"
    render.ffmpeg.constant_rate_factor = "HIGH"
    render.ffmpeg.ffmpeg_preset = "REALTIME"
    render.ffmpeg.audio_codec = "NONE"
    render.use_file_extension = False
    render.filepath = str(target)
