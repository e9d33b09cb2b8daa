"""A video of a person as a motion source (`motions.source.MotionSource`): the performer is
tracked (Blender's FFmpeg decodes, so main thread) and turned into a joint track."""

from __future__ import annotations

from pathlib import Path

from ..motions.source import PURE_SOURCES, Motion, MotionSource
from .video_decode import is_video_path


def video_source(options=None) -> MotionSource:
    """The source for videos, tracked with `options` (`video_motion.VideoMotionOptions`,
    None = the defaults: the most central performer, the whole video, 30 fps)."""
    def open_video(text: str) -> Motion:
        from .video_motion import video_to_clip   # the pose models load only when a video is used

        result, _timings = video_to_clip(text, options)
        return Motion(result.clip, Path(text).stem, loops=False, source="video")
    return MotionSource("video", is_video_path, open_video)


# Every source, first claim wins: a video file must not be taken for a BVH file.
SOURCES = (video_source(), *PURE_SOURCES)
