"""RetargetResult → one Action per clip on a character's armature, with NLA bookkeeping.

Each clip gets an Action named `<character>|<clip>` holding, per bone, `rotation_euler[2]`
(the 2D angle), `location[2]` where the clip layers that bone toward the camera, and the
root bone's `location[0:2]` (root motion). Re-retargeting a clip rewrites only its own
Action in place (NLA strips that use it stay valid); the Action that was active before is
pushed onto an NLA track so earlier clips stay available for blending.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import bpy

from ...errors import InputError
from ...motions.body_mapping import body_mapping, options_for_body
from ...motions.bvh import BvhClip, load_bvh
from ...motions.extra_limbs import follow_extra_limbs
from ...motions.ground import keep_above_ground
from ...motions.library import resolve_motion
from ...motions.retarget import RetargetOptions, pin_limb_sides, retarget
from .. import compat
from ..build import build_action, quality
from ..build.build_action import Channel
from ..build.build_armature import bone_plans

ROTATION_PATH = 'pose.bones["{}"].rotation_euler'
LOCATION_PATH = 'pose.bones["{}"].location'
# On a limb's first bone (Armature ▸ Bone ▸ Custom Properties, keyable): 1 keeps the limb in front
# of the body, -1 behind it, 0 follows the clip. On the armature data, so the clip's own Action
# (rewritten by every retarget) never holds it.
SIDE_PIN = "animate_drawing_side"


def resolve_clip(file_or_clip_id: str) -> tuple[str, str, bool]:
    """(BVH path, clip name, from the library?) for a .bvh path or a library clip id/label."""
    if not file_or_clip_id:
        raise InputError(None, "choose a BVH file or a library clip")
    path = resolve_motion(file_or_clip_id)
    from_library = Path(path).resolve() != Path(file_or_clip_id).resolve()
    return path, Path(path).stem, from_library


def retarget_clip(armature: bpy.types.Object, bvh_path: str, clip_name: str, options: RetargetOptions,
                  interpolation: str = "LINEAR", frame_start: float = 1.0,
                  mapping: dict[str, str] | None = None):
    """Load a BVH and `retarget_track` it: (Action, RetargetResult)."""
    return retarget_track(armature, load_bvh(bvh_path), clip_name, options, interpolation, frame_start, mapping)


def retarget_track(armature: bpy.types.Object, track: BvhClip, clip_name: str, options: RetargetOptions,
                   interpolation: str = "LINEAR", frame_start: float = 1.0,
                   mapping: dict[str, str] | None = None):
    """Retarget a joint track (from any motion source) onto the character's current bones and key
    it: (Action, RetargetResult). `mapping` is {character joint: clip joint}, None = found
    automatically for the character's body. Nothing is created when the clip cannot be retargeted (InputError)."""
    props = armature.animate_drawing
    if mapping is None:   # a quadruped follows a two-legged clip with its legs only (motions/body_mapping.py)
        mapping = body_mapping(track, props.body)
    options = options_for_body(track, props.body, options)
    bones = bone_plans(armature, props.scale, props.origin_uv)
    result = retarget(track, bones, mapping, options, scale=props.scale)
    follow_extra_limbs(result, bones, props.scale)   # a sixth arm moves like the arm beside it, a tail follows through
    if options.ground_contact:
        keep_above_ground(quality.plan_from_objects(armature), result)
    pin_limb_sides(result, limb_pins(armature, clip_frames(result, options.fps, frame_start)[:result.frame_count]))
    action = apply_retarget(armature, result, clip_name, scene_fps=options.fps,
                            frame_start=frame_start, interpolation=interpolation)
    quality.store(action, quality.measure_motion(armature, result))   # summary.json, panel, inspect
    return action, result


def limb_pins(armature: bpy.types.Object, frames: np.ndarray) -> dict[str, np.ndarray]:
    """{bone: pin at each scene frame} for bones with a `SIDE_PIN` property, keyed or not."""
    anim = armature.data.animation_data
    curves = {}
    if anim is not None and anim.action is not None:
        keyed = build_action.fcurve_collection(anim.action, getattr(anim, "action_slot", None))
        curves = {c.data_path: c for c in keyed.fcurves}
    pins = {}
    for bone in armature.data.bones:
        if SIDE_PIN not in bone:
            continue
        curve = curves.get(f'bones["{bpy.utils.escape_identifier(bone.name)}"]["{SIDE_PIN}"]')
        pins[bone.name] = (np.array([curve.evaluate(f) for f in frames]) if curve is not None
                           else np.full(len(frames), float(bone[SIDE_PIN])))
    return pins


def action_name(character_name: str, clip_name: str) -> str:
    return f"{character_name}|{clip_name}"


def keyed_frames(result):
    """The result's frames to key as arrays: for a looping clip one extra closing key (the first
    pose again, the root one loop further on) so the Cycles modifier's period is exactly the
    clip's `frame_count` frames and the root keeps travelling loop after loop."""
    rotation, root, layer = result.rotation, result.root_location, result.layer_offset
    if result.cyclic:
        turns = 2.0 * np.pi * np.round((rotation[-1] - rotation[0]) / (2.0 * np.pi))  # a spinning bone
        rotation = np.vstack([rotation, rotation[:1] + turns])
        root = np.vstack([root, root[:1] + result.root_cycle_offset])
        layer = np.vstack([layer, layer[:1]])
    return rotation, root, layer


def result_channels(result, root_bone: str | None, bone_names_present,
                    root_basis: np.ndarray | None = None) -> list[Channel]:
    """The F-curves a RetargetResult needs, skipping bones the armature lacks and layer
    offsets that stay zero (no F-curve clutter the user would have to scroll past).

    Layer offsets change step-wise (a limb jumps in front of the body), hence CONSTANT keys.
    `root_basis` turns world (dx, dz) into the root bone's local (x, y) (`bone_plane_basis`).
    """
    rotation, root, layer = keyed_frames(result)
    root_xy = root if root_basis is None else root @ root_basis
    cycle = "REPEAT" if result.cyclic else None
    channels = []
    for column, bone in enumerate(result.bone_names):
        if bone not in bone_names_present:
            continue
        escaped = bpy.utils.escape_identifier(bone)
        channels.append(Channel(ROTATION_PATH.format(escaped), 2, bone, rotation[:, column], cycle_mode=cycle))
        if bone == root_bone:
            for axis in (0, 1):
                channels.append(Channel(LOCATION_PATH.format(escaped), axis, bone, root_xy[:, axis],
                                        cycle_mode="REPEAT_OFFSET" if cycle else None))
        if np.any(layer[:, column] != 0.0):
            channels.append(Channel(LOCATION_PATH.format(escaped), 2, bone, layer[:, column],
                                    interpolation="CONSTANT", cycle_mode=cycle))
    return channels


def clip_frames(result, scene_fps: float, frame_start: float = 1.0) -> np.ndarray:
    """Scene frame of every keyed clip frame (the result is sampled at `result.fps`)."""
    count = result.frame_count + (1 if result.cyclic else 0)
    return frame_start + np.arange(count, dtype=np.float64) * (scene_fps / result.fps)


def root_bone_of(armature: bpy.types.Object) -> str | None:
    """The bone root motion moves: the first parentless bone (as `motions.retarget` uses)."""
    return next((bone.name for bone in armature.data.bones if bone.parent is None), None)


def bone_plane_basis(armature: bpy.types.Object, bone_name: str) -> np.ndarray:
    """(2, 2) matrix taking world (dx, dz) rows to the bone's local (x, y) location. Identity
    for the usual vertical root bone; needed when the root joint lies off the hip and its bone
    is tilted."""
    rest = np.array(armature.data.bones[bone_name].matrix_local.to_3x3())  # columns: local axes
    return rest[[0, 2]][:, :2]  # world X and Z components of local X and local Y


def apply_retarget(armature: bpy.types.Object, result, clip_name: str, *, scene_fps: float,
                   frame_start: float = 1.0, interpolation: str = "LINEAR") -> bpy.types.Action:
    """Write `result` into the clip's Action and make it the armature's active action."""
    name = action_name(armature.animate_drawing.character_name or armature.name, clip_name)
    anim = armature.animation_data or armature.animation_data_create()
    action = bpy.data.actions.get(name) or bpy.data.actions.new(name)
    previous = anim.action
    previous_slot = compat.active_slot(anim)
    slot = build_action.ensure_slot(action, armature)
    build_action.clear_fcurves(action, slot)
    root_bone = root_bone_of(armature)
    channels = result_channels(result, root_bone, armature.pose.bones.keys(),
                               bone_plane_basis(armature, root_bone) if root_bone else None)
    build_action.write_channels(action, slot, clip_frames(result, scene_fps, frame_start), channels,
                                interpolation=interpolation)

    if previous is not None and previous != action:
        push_to_nla(anim, previous, previous_slot)
    _remove_strips_of(anim, action)  # it becomes the active action: don't evaluate it twice
    anim.action = action
    compat.assign_slot(anim, slot)
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
    compat.assign_slot(strip, slot)
    return strip


def _remove_strips_of(anim: bpy.types.AnimData, action: bpy.types.Action) -> None:
    for track in list(anim.nla_tracks):
        playing = [strip for strip in track.strips if strip.action == action]
        for strip in playing:
            track.strips.remove(strip)
        if playing and not track.strips:
            anim.nla_tracks.remove(track)

