"""Motion sources: whatever names a motion (`--motion`, the Motion panel) → one joint track.

The joint track is `motions.bvh.BvhClip`, the only motion type the retarget consumes: the
skeleton (joint names, parents, rest offsets, channel order), per-frame channel values and the
frame rate; `world_transforms()` gives every joint's rotation and position on every frame.
Conventions every source follows: Y up, one file unit per length (the retarget compares
proportions, so units cancel), the performer facing +Z at rest.

A source is a `MotionSource`: which names it claims and how it opens one. This module holds the
two pure ones (shipped library clip, BVH file); a video of a person is one in
`addon/animate/video_source.py` (Blender decodes the video). Adding a source is one module with one
`MotionSource`, added to the list the caller passes (`pipeline.motion.sources`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .bvh import BvhClip, load_bvh
from .face_file import read_face_file
from .face_track import FaceTrack
from .library import library_clip_path, unknown_motion


@dataclass(frozen=True)
class Motion:
    track: BvhClip
    name: str           # what the Action is named after
    loops: bool         # a cycle (the library's clips): retargeted cyclic
    source: str         # the MotionSource.kind that opened it; "video" also for a BVH with a face file
    face: FaceTrack | None = None   # the performer's face (a video opened for `--face video`, a face file)


@dataclass(frozen=True)
class MotionSource:
    kind: str
    claims: Callable[[str], bool]      # the user's text (stripped) → whether this source opens it
    open: Callable[[str], Motion]      # raises InputError naming the file or the name


def _open_library_clip(text: str) -> Motion:
    path = library_clip_path(text)
    return Motion(load_bvh(path), Path(path).stem, loops=True, source="library")


def _open_bvh_file(text: str) -> Motion:
    """A BVH file; one written from a video with its face (`motions.face_file`) is that video's
    performer again, face track included (None when the face was looked for but not followed)."""
    from_video, face = read_face_file(text)
    return Motion(load_bvh(text), Path(text).stem, loops=False, source="video" if from_video else "bvh", face=face)


LIBRARY_CLIP = MotionSource("library", lambda text: library_clip_path(text) is not None, _open_library_clip)
BVH_FILE = MotionSource("bvh", lambda text: Path(text).is_file(), _open_bvh_file)
PURE_SOURCES = (LIBRARY_CLIP, BVH_FILE)


def open_motion(name_or_path: str | os.PathLike, sources: Sequence[MotionSource] = PURE_SOURCES) -> Motion:
    """The motion `name_or_path` names, opened by the first source that claims it."""
    text = os.fspath(name_or_path).strip()
    if not text:
        raise InputError(None, "choose a BVH file or a library clip")
    for source in sources:
        if source.claims(text):
            return source.open(text)
    raise unknown_motion(text)
