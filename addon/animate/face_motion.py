"""The face rig's keys for a clip: `--face off | idle | video` decided in one place.

`video` follows the performer's face (`Motion.face`, found while the video was tracked, or
read from the face file beside a BVH written from a video, `motions.face_file`) on
every control the face rig has; when the motion is not a video, or the performer's face was
too small or turned away to follow, the character gets idle blinks instead and a note says
why (summary.json lists it under the item's warnings).
"""

from __future__ import annotations

import json

import bpy

from ...motions.face_track import face_keys
from ...motions.source import Motion
from ..build.build_face import face_notes, key_controls, key_idle_blinks


def key_face(armature: bpy.types.Object, mode: str, motion: Motion, first: int, last: int,
             fps: float, clip_start: int) -> str:
    """Key the character's face for `motion` over scene frames first..last; the performer's
    face starts at `clip_start` like the body's clip. Returns what was keyed: "off", "idle"
    or "video"."""
    if mode == "off" or "blink" not in armature.keys() and motion.face is None:
        return "off" if mode == "off" else _idle(armature, first, last, fps)
    if mode == "video":
        if motion.face is not None:
            frames, values = face_keys(motion.face, fps, clip_start)
            if key_controls(armature, frames, values):
                return "video"
        _note(armature, _why_not_video(motion))
    return _idle(armature, first, last, fps)


def _idle(armature, first: int, last: int, fps: float) -> str:
    key_idle_blinks(armature, first, last, fps)
    return "idle"


def _why_not_video(motion: Motion) -> str:
    if motion.source != "video":
        return (f"--face video needs a video as the motion, or a BVH written from one by `motion --face` "
                f"({motion.name} is a {motion.source} clip): idle blinks instead")
    return (f"the performer's face in {motion.name} was too small or hidden to follow "
            "(eyes under 12 px apart, turned away, or out of the picture): idle blinks instead")


def _note(armature: bpy.types.Object, note: str) -> None:
    """Add `note` last, once (the same video keyed again does not repeat it)."""
    notes = [earlier for earlier in face_notes(armature) if earlier != note]
    armature.animate_drawing.face_notes = json.dumps(notes + [note])
