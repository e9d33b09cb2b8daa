"""Write keyframes into an Action fast: numpy arrays → F-curves via `foreach_set`.

Blender 5.0+ reaches F-curves through a channelbag per action slot (5.0 removed `Action.fcurves`);
4.2-4.5 through the action itself: `compat` is the only place that knows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import bpy

from ..compat import ensure_slot, fcurve_collection, new_fcurve  # noqa: F401 - callers use build_action.ensure_slot

INTERPOLATIONS = ("CONSTANT", "LINEAR", "BEZIER")


@dataclass
class Channel:
    """One animated property: `values[i]` at `frames[i]`."""

    data_path: str
    index: int
    group: str
    values: np.ndarray
    interpolation: str | None = None   # None: the interpolation `write_channels` is given
    cycle_mode: str | None = None      # "REPEAT" / "REPEAT_OFFSET": loop past the last key


def clear_fcurves(action: bpy.types.Action, slot) -> None:
    container = fcurve_collection(action, slot)
    for fcurve in list(container.fcurves):
        container.fcurves.remove(fcurve)


def _enum_value(struct, prop: str, identifier: str) -> int:
    return struct.bl_rna.properties[prop].enum_items[identifier].value


def write_channels(action: bpy.types.Action, slot, frames: np.ndarray, channels: list[Channel],
                   interpolation: str = "LINEAR") -> list[bpy.types.FCurve]:
    """Add one F-curve per channel with keys at `frames`, grouped by `Channel.group`.

    BEZIER keys get auto-clamped handles (Blender's default for new keys), computed by
    `fcurve.update()`; a channel's `cycle_mode` adds a Cycles modifier so it loops.
    """
    frames = np.asarray(frames, dtype=np.float32)
    count = len(frames)
    if count == 0:
        raise ValueError("no frames to key")
    coords = np.empty((count, 2), dtype=np.float32)
    coords[:, 0] = frames
    codes: dict[str, np.ndarray] = {}
    fcurves = []
    for channel in channels:
        fcurve = new_fcurve(action, slot, channel.data_path, channel.index, channel.group)
        points = fcurve.keyframe_points
        points.add(count)
        coords[:, 1] = channel.values
        points.foreach_set("co", coords.ravel())
        mode = channel.interpolation or interpolation
        if mode not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, not {mode!r}")
        if mode not in codes:
            codes[mode] = np.full(count, _enum_value(points[0], "interpolation", mode), np.int32)
        points.foreach_set("interpolation", codes[mode])
        if channel.cycle_mode:
            cycles = fcurve.modifiers.new("CYCLES")
            cycles.mode_before = cycles.mode_after = channel.cycle_mode
        fcurve.update()
        fcurves.append(fcurve)
    return fcurves
