"""Key a limbless figure's hop on its armature object (motions/squash_hop.py), looping."""

from __future__ import annotations

import numpy as np
import bpy

from ...motions.squash_hop import hop_curves
from ...rig.plan import CHARACTER_HEIGHT
from .. import compat
from ..build import build_action


def apply_hop(armature: bpy.types.Object, fps: float, offset: int = 0, frame_start: int = 1) -> int:
    """Make the hop the armature's active action, `offset` frames into its loop at `frame_start`;
    returns the hop's length in frames. The object's current location and scale are the rest."""
    curves = hop_curves(fps)
    count = len(curves["lift"])
    height = CHARACTER_HEIGHT * armature.scale[2]
    base_z, base_scale = armature.location[2], np.array(armature.scale)
    channels = [
        build_action.Channel("location", 2, "Object Transforms", base_z + height * curves["lift"],
                             cycle_mode="REPEAT"),
        build_action.Channel("scale", 0, "Object Transforms", base_scale[0] * curves["scale_x"], cycle_mode="REPEAT"),
        build_action.Channel("scale", 2, "Object Transforms", base_scale[2] * curves["scale_z"], cycle_mode="REPEAT"),
    ]
    name = f"{armature.animate_drawing.character_name or armature.name}_hop"
    action = bpy.data.actions.new(name)
    slot = build_action.ensure_slot(action, armature)
    # One extra key closes the loop, so the Cycles modifier's period is exactly `count` frames.
    frames = frame_start - offset + np.arange(count + 1, dtype=np.float64)
    for channel in channels:
        channel.values = np.append(channel.values, channel.values[0])
    build_action.write_channels(action, slot, frames, channels, interpolation="BEZIER")
    anim = armature.animation_data or armature.animation_data_create()
    anim.action = action
    compat.assign_slot(anim, slot)
    return count
