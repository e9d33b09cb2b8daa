"""`animate-drawing inspect OUT.blend`: the picture metrics of every animated character in a
saved result, measured on the mesh Blender evaluates frame by frame."""

from __future__ import annotations

import os
from pathlib import Path

import bpy

from ...errors import InputError
from ...motions.quality import TARGETS, verdict
from .quality import doubts, inspect_character


def inspect_blend(path: str | os.PathLike) -> list[str]:
    """Lines of text: one block per animated character in the file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    if path.suffix.lower() != ".blend":
        raise InputError(path, "inspect reads a .blend file saved by `animate-drawing animate` or the add-on")
    try:
        bpy.ops.wm.open_mainfile(filepath=str(path), load_ui=False)
    except RuntimeError as exc:
        raise InputError(path, f"cannot be opened by Blender ({str(exc).strip().splitlines()[-1]})") from None
    scene = bpy.context.scene
    characters = [ob for ob in scene.objects if ob.type == "ARMATURE" and ob.animate_drawing.is_character
                  and ob.animation_data and ob.animation_data.action and ob.animate_drawing.mesh_object]
    if not characters:
        raise InputError(path, "holds no animated character")
    lines = [f"{path}: frames {scene.frame_start}-{scene.frame_end} at {scene.render.fps / scene.render.fps_base:g} fps"]
    for armature in characters:
        report, warnings = inspect_character(scene, armature)
        doubted = doubts(armature)
        warnings = doubted + warnings
        lines += [f"{armature.animate_drawing.character_name or armature.name} "
                  f"({armature.animation_data.action.name}): {verdict(report, doubted)}",
                  f"  stretch p99        {report.stretch_p99:8.2f}   target ≤ {TARGETS['stretch_p99']}",
                  f"  folded mean / max  {report.folded_mean:8.2%} / {report.folded_max:.2%}   "
                  f"target ≤ {TARGETS['folded_mean']:.1%} / {TARGETS['folded_max']:.1%}",
                  f"  side flips / s     {report.flips_per_s:8.2f}   target ≤ {TARGETS['flips_per_s']}",
                  f"  foot slide / frame {report.foot_slide:8.2%}   target ≤ {TARGETS['foot_slide']:.1%} of the height",
                  f"  below ground       {report.ground_penetration:8.2%}   of the height",
                  f"  worst frame        {scene.frame_start + report.worst_frame:8d}"]
        lines += [f"  warning: {w}" for w in warnings]
    return lines
