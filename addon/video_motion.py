"""Video file → tracked performer → BVH clip: the Blender-side driver of motion from video.

Decoding uses Blender's FFmpeg (video_decode), so `track_video` runs on the main thread;
the pose models and `motions.video_clip` are pure. `video_to_bvh` is what the command line
(`animate-drawing motion`, `--motion VIDEO`) and the operator call.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import InputError
from .video_decode import DEFAULT_MAX_SIDE, probe_video, read_video
from ..models.human_pose import PoseTracker
from ..motions.bvh import write_bvh
from ..motions.video_clip import PoseTrack, VideoClip, VideoClipOptions, clip_from_track


MAX_PENDING_FRAMES = 64   # decoded frames waiting for the pose models (~250 KB each)


@dataclass
class VideoMotionOptions:
    person: int = 1            # 1 = largest and most central performer, 2 = the next, ...
    start: float = 0.0         # seconds
    end: float | None = None   # seconds; None = to the end
    mirror: bool = False
    fps: float = 30.0          # of the clip written
    max_side: int = DEFAULT_MAX_SIDE


def track_video(path: str | os.PathLike, options: VideoMotionOptions,
                progress: Callable[[float], None] | None = None,
                timings: dict[str, float] | None = None) -> PoseTrack:
    """Decode `path` and follow one performer through it (main thread: Blender decodes).
    `timings`, when given, receives decode_ms and pose_ms (time spent waiting for the pose
    models beyond decoding)."""
    path = os.fspath(path)
    info = probe_video(path)
    end = info.duration if options.end is None else min(options.end, info.duration)
    if options.start < 0 or options.start >= end:
        raise InputError(path, f"--start {options.start:g} s is outside the video (0 to {info.duration:.2f} s)")
    tracker = PoseTracker(person=options.person)
    times, world, image, vis, size = [], [], [], [], (info.width, info.height)
    total = max(1.0, (end - options.start) * info.fps)
    decode_s = pose_s = 0.0
    # The pose models run on a worker thread while Blender decodes the next frames on this
    # one (onnxruntime releases the GIL); a bounded queue keeps memory flat on long videos.
    pending: deque = deque()
    frames = read_video(path, options.max_side, options.start, end)
    with ThreadPoolExecutor(max_workers=1) as worker:
        while True:
            t0 = time.perf_counter()
            frame = next(frames, None)
            decode_s += time.perf_counter() - t0
            if frame is not None:
                pending.append((frame.time, frame.rgb.shape, worker.submit(tracker.track, frame.rgb)))
            while pending and (frame is None or len(pending) > MAX_PENDING_FRAMES):
                frame_time, shape, future = pending.popleft()
                t1 = time.perf_counter()
                pose = future.result()
                pose_s += time.perf_counter() - t1
                times.append(frame_time)
                world.append(pose.world)
                image.append(pose.image_xy)
                vis.append(pose.visibility)
                size = (shape[1], shape[0])
                if progress is not None:
                    progress(min(1.0, len(times) / total))
            if frame is None:
                break
    if timings is not None:
        timings.update(decode_ms=decode_s * 1000.0, pose_ms=pose_s * 1000.0)
    return PoseTrack(path, np.array(times), np.array(world), np.array(image), np.array(vis), size)


def video_to_clip(path: str | os.PathLike, options: VideoMotionOptions | None = None,
                  progress: Callable[[float], None] | None = None) -> tuple[VideoClip, dict[str, float]]:
    """The BVH clip of the video's performer, and timings in ms (decode, pose, clip)."""
    options = options or VideoMotionOptions()
    timings: dict[str, float] = {}
    track = track_video(path, options, progress, timings)
    start = time.perf_counter()
    result = clip_from_track(track, VideoClipOptions(fps=options.fps, mirror=options.mirror))
    timings["clip_ms"] = (time.perf_counter() - start) * 1000.0
    return result, timings


def video_to_bvh(path: str | os.PathLike, out: str | os.PathLike, options: VideoMotionOptions | None = None,
                 progress: Callable[[float], None] | None = None) -> VideoClip:
    """Write the performer's motion in `path` as the BVH file `out`."""
    result, _ = video_to_clip(path, options, progress)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.clip.path = str(out)
    write_bvh(result.clip, out)
    return result
