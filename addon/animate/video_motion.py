"""Video file → tracked performer → BVH clip: the Blender-side driver of motion from video.

Decoding uses Blender's FFmpeg (video_decode), so tracking runs on the main thread; the pose
models and `motions.video_clip` are pure. `VideoTracking` follows the performer one stretch
of frames at a time (the operator's job makes each stretch a stage, so Esc is heard between
them); `track_video` runs all of it, `video_to_clip` / `video_to_bvh` are what the command
line (`animate-drawing motion`, `--motion VIDEO`) calls. With `face`, the performer's face
mesh is found on every frame too (models.face_landmarks) and becomes `VideoClip.face`; the
frames are then decoded larger (`FACE_MAX_SIDE`): at 384 px a face is a few pixels wide.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ...errors import InputError
from ...models.face_landmarks import MIN_EYE_SPAN_PX, FaceLandmarker
from ...models.human_pose import PoseTracker
from ...motions.bvh import write_bvh
from ...motions.face_file import remove_face_file, write_face_file
from ...motions.face_track import FaceTrack, face_track
from ...motions.video_clip import PoseTrack, VideoClip, VideoClipOptions, clip_from_track
from .video_decode import DEFAULT_MAX_SIDE, frame_range, probe_video, read_video_chunks


@dataclass
class VideoMotionOptions:
    person: int = 1            # 1 = largest and most central performer, 2 = the next, ...
    start: float = 0.0         # seconds
    end: float | None = None   # seconds; None = to the end
    mirror: bool = False
    fps: float = 30.0          # of the clip written
    max_side: int = DEFAULT_MAX_SIDE
    face: bool = False         # follow the performer's face too (blink, smile, mouth, gaze)


FACE_MAX_SIDE = 1280   # decoded frame size when the face is followed (eyelids need pixels)


# Frames tracked per `VideoTracking.step`, one stage of the operator's job: Esc is heard
# between stages, measured 0.45 s apart (median) on the shared 2-core machine; a stage that
# also decodes the next 120 frames takes 1-3 s (Blender's render call cannot be cut short).
STEP_FRAMES = 15


class VideoTracking:
    """One performer followed through a video, a few frames per `step` call. The decoding
    scene stays open between steps: call `close` when done (or cancelled)."""

    def __init__(self, path: str | os.PathLike, options: VideoMotionOptions):
        self.path = os.fspath(path)
        self.options = options
        self.info = probe_video(self.path)
        if options.start < 0 or options.start >= self.info.duration:
            raise InputError(self.path, f"--start {options.start:g} s is outside the video "
                                        f"(0 to {self.info.duration:.2f} s)")
        self.first, self.last = frame_range(self.info, options.start, options.end)
        self.tracker = PoseTracker(person=options.person)
        self.faces = FaceLandmarker() if options.face else None
        self.max_side = max(options.max_side, FACE_MAX_SIDE) if options.face else options.max_side
        self.times, self.world, self.image, self.visibility, self.face_points = [], [], [], [], []
        self.size = (self.info.width, self.info.height)
        self.timings = {"decode_ms": 0.0, "pose_ms": 0.0}
        self._chunks = None
        self._decoded: deque = deque()

    @property
    def frame_total(self) -> int:
        return self.last - self.first + 1

    def step_count(self, frames_each: int = STEP_FRAMES) -> int:
        return math.ceil(self.frame_total / frames_each)

    def step(self, frames: int = STEP_FRAMES, progress: Callable[[float], None] | None = None) -> None:
        """Track the next `frames` frames (main thread: Blender decodes). Decoding and the pose
        models take turns, a decoded chunk at a time: overlapping them on a worker thread
        crashed Blender's renderer (Python threads must not run while it renders)."""
        if self._chunks is None:
            self._chunks = read_video_chunks(self.path, self.first, self.last, self.max_side)
        for _ in range(frames):
            if not self._decoded:
                start = time.perf_counter()
                self._decoded.extend(next(self._chunks, ()))
                self.timings["decode_ms"] += (time.perf_counter() - start) * 1000.0
                if not self._decoded:
                    self.close()
                    return
            frame = self._decoded.popleft()
            start = time.perf_counter()
            pose = self.tracker.track(frame.rgb)
            if self.faces is not None:
                self.face_points.append(self.faces.track(frame.rgb, pose).points)
            self.timings["pose_ms"] += (time.perf_counter() - start) * 1000.0
            self.times.append(frame.time)
            self.world.append(pose.world)
            self.image.append(pose.image_xy)
            self.visibility.append(pose.visibility)
            self.size = (frame.rgb.shape[1], frame.rgb.shape[0])
            if progress is not None:
                progress(min(1.0, len(self.times) / self.frame_total))

    def close(self) -> None:
        """Remove the decoding scene (main thread)."""
        if self._chunks is not None:
            self._chunks.close()
            self._chunks = None
        self._decoded.clear()

    def track(self) -> PoseTrack:
        """What was tracked so far, as the pure pipeline's input."""
        return PoseTrack(self.path, np.array(self.times), np.array(self.world), np.array(self.image),
                         np.array(self.visibility), self.size)

    def face_track(self) -> FaceTrack | None:
        """The face controls of what was tracked so far; None when the face was not followed
        or was seen too rarely (too small, turned away, out of the picture)."""
        if self.faces is None or not self.times:
            return None
        return face_track(np.array(self.times), np.array(self.face_points), self.options.mirror)


def run_tracking(path: str | os.PathLike, options: VideoMotionOptions,
                 progress: Callable[[float], None] | None = None) -> VideoTracking:
    """Decode `path` and follow one performer through it (main thread)."""
    tracking = VideoTracking(path, options)
    try:
        tracking.step(tracking.frame_total, progress)
    finally:
        tracking.close()
    return tracking


def track_video(path: str | os.PathLike, options: VideoMotionOptions,
                progress: Callable[[float], None] | None = None,
                timings: dict[str, float] | None = None) -> PoseTrack:
    """Decode `path` and follow one performer through it (main thread). `timings`, when given,
    receives decode_ms and pose_ms (time in the pose models)."""
    tracking = run_tracking(path, options, progress)
    if timings is not None:
        timings.update(tracking.timings)
    return tracking.track()


def clip_options(options: VideoMotionOptions) -> VideoClipOptions:
    return VideoClipOptions(fps=options.fps, mirror=options.mirror)


def video_to_clip(path: str | os.PathLike, options: VideoMotionOptions | None = None,
                  progress: Callable[[float], None] | None = None) -> tuple[VideoClip, dict[str, float]]:
    """The BVH clip of the video's performer, and timings in ms (decode, pose, clip)."""
    options = options or VideoMotionOptions()
    tracking = run_tracking(path, options, progress)
    timings = dict(tracking.timings)
    start = time.perf_counter()
    result = clip_from_track(tracking.track(), clip_options(options))
    result.face = tracking.face_track()
    timings["clip_ms"] = (time.perf_counter() - start) * 1000.0
    return result, timings


def video_to_bvh(path: str | os.PathLike, out: str | os.PathLike, options: VideoMotionOptions | None = None,
                 progress: Callable[[float], None] | None = None) -> VideoClip:
    """Write the performer's motion in `path` as the BVH file `out`; with `options.face`, their
    face as `motions.face_file` beside it (a face file from an earlier clip there is removed)."""
    options = options or VideoMotionOptions()
    result, _ = video_to_clip(path, options, progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.clip.path = str(out)
    write_bvh(result.clip, out)
    if not options.face:
        remove_face_file(out)
        return result
    write_face_file(out, result.face)
    if result.face is None:
        result.warnings.append(f"{path}: the performer's face was too small or hidden to follow (eyes under "
                               f"{MIN_EYE_SPAN_PX:g} px apart, turned away, or out of the picture): no face track")
    return result
