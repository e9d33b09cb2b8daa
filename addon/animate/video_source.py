"""A video of a person as a motion source (`motions.source.MotionSource`): the performer is
tracked (Blender's FFmpeg decodes, so main thread) and turned into a joint track."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ...motions.source import PURE_SOURCES, Motion, MotionSource
from ...motions.video_clip import is_video_path


def video_source(options=None, face: bool = False) -> MotionSource:
    """The source for videos, tracked with `options` (`video_motion.VideoMotionOptions`,
    None = the defaults: the most central performer, the whole video, 30 fps); with `face` the
    performer's face too."""
    def open_video(text: str) -> Motion:
        from .video_motion import VideoMotionOptions, video_to_clip   # the pose models load only when a video is used

        chosen = options or VideoMotionOptions()
        result, _timings = video_to_clip(text, replace(chosen, face=face or chosen.face))
        return Motion(result.clip, Path(text).stem, loops=False, source="video", face=result.face)
    return MotionSource("video", is_video_path, open_video)


def sources(face: bool = False) -> tuple[MotionSource, ...]:
    """Every source, first claim wins (a video file must not be taken for a BVH file); with
    `face`, a video's performer is followed by the face too (`Motion.face`)."""
    return (video_source(face=face), *PURE_SOURCES)


SOURCES = sources()
