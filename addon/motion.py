"""RetargetResult → one Action per clip on a character's armature, with NLA bookkeeping.

Each clip gets an Action named `<character>|<clip>` holding, per bone, `rotation_euler[2]`
(the 2D angle), `location[2]` where the clip layers that bone toward the camera, and the
root bone's `location[0:2]` (root motion). Re-retargeting a clip rewrites only its own
Action in place (NLA strips that use it stay valid); the Action that was active before is
pushed onto an NLA track so earlier clips stay available for blending.
"""

from __future__ import annotations

import numpy as np
import bpy

from . import build_action
from .build_action import Channel

ROTATION_PATH = 'pose.bones["{}"].rotation_euler'
LOCATION_PATH = 'pose.bones["{}"].location'


def action_name(character_name: str, clip_name: str) -> str:
    return f"{character_name}|{clip_name}"


def result_channels(result, root_bone: str | None, bone_names_present) -> list[Channel]:
    """The F-curves a RetargetResult needs, skipping bones the armature lacks and layer
    offsets that stay zero (no F-curve clutter the user would have to scroll past)."""
    channels = []
    for column, bone in enumerate(result.bone_names):
        if bone not in bone_names_present:
            continue
        escaped = bpy.utils.escape_identifier(bone)
        channels.append(Channel(ROTATION_PATH.format(escaped), 2, bone, result.rotation[:, column]))
        if bone == root_bone:
            for axis in (0, 1):
                channels.append(Channel(LOCATION_PATH.format(escaped), axis, bone, result.root_location[:, axis]))
        offsets = result.layer_offset[:, column]
        if np.any(offsets != 0.0):
            channels.append(Channel(LOCATION_PATH.format(escaped), 2, bone, offsets))
    return channels


def clip_frames(result, scene_fps: float, frame_start: float = 1.0) -> np.ndarray:
    """Scene frame of each clip frame: clip time mapped onto the scene's frame rate."""
    return frame_start + np.arange(result.frame_count, dtype=np.float64) * (scene_fps / result.fps)


def apply_retarget(armature: bpy.types.Object, result, clip_name: str, *, root_bone: str | None,
                   scene_fps: float, frame_start: float = 1.0, interpolation: str = "LINEAR") -> bpy.types.Action:
    """Write `result` into the clip's Action and make it the armature's active action."""
    name = action_name(armature.animate_drawing.character_name or armature.name, clip_name)
    anim = armature.animation_data or armature.animation_data_create()
    action = bpy.data.actions.get(name) or bpy.data.actions.new(name)
    previous = anim.action
    slot = build_action.ensure_slot(action, armature)
    build_action.clear_fcurves(action, slot)
    build_action.write_channels(
        action, slot, clip_frames(result, scene_fps, frame_start),
        result_channels(result, root_bone, armature.pose.bones.keys()),
        interpolation=interpolation, cyclic=bool(result.cyclic))

    if previous is not None and previous != action:
        push_to_nla(anim, previous, anim.action_slot if hasattr(anim, "action_slot") else None)
    _remove_strips_of(anim, action)  # it becomes the active action: don't evaluate it twice
    anim.action = action
    if slot is not None:
        anim.action_slot = slot
    return action


def push_to_nla(anim: bpy.types.AnimData, action: bpy.types.Action, slot=None) -> bpy.types.NlaStrip:
    """Put `action` on a new NLA track named after it (unless a strip already plays it)."""
    for track in anim.nla_tracks:
        for strip in track.strips:
            if strip.action == action:
                return strip
    track = anim.nla_tracks.new()
    track.name = action.name
    strip = track.strips.new(action.name, int(action.frame_range[0]), action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    return strip


def _remove_strips_of(anim: bpy.types.AnimData, action: bpy.types.Action) -> None:
    for track in list(anim.nla_tracks):
        playing = [strip for strip in track.strips if strip.action == action]
        for strip in playing:
            track.strips.remove(strip)
        if playing and not track.strips:
            anim.nla_tracks.remove(track)

