"""The face rig in Blender: `rig.face_rig`'s overlay mesh as an object `<character>_face`,
skinned like the drawing, with one shape key per face move, each driven by a keyable control
on the armature (`blink`, `smile`, `mouth_open`, `gaze_x`, `gaze_y`).

Shape keys with drivers show the same in every place: Blender's own engines evaluate them,
the flat renderer reads the evaluated mesh (so it needs nothing of its own), the .blend keeps
them, and the glTF exporter writes them as morph targets. Driver expressions stay simple
(`max(0, v)`): Blender evaluates those without Python, so they work in files opened with
scripts disabled.
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import bpy

from ...rig.face_rig import CONTROLS, SHAPE_KEYS, idle_blinks
from .. import compat
from . import build_action, build_armature, build_material, build_mesh

FACE_GROUP = "Face"     # F-curve group of the controls' keys


def build_face_feature(armature: bpy.types.Object, plan, feature, collection: bpy.types.Collection) -> None:
    """The face feature's build step (`pipeline.features.plan_face` planned it): the overlay
    mesh, skinned like the drawing, its shape keys driven by the armature's controls (which
    `addon.build.rig_features` adds first). The notes go on the armature either way."""
    props = armature.animate_drawing
    props.face_notes = json.dumps(feature.notes)
    face_plan = feature.data
    if face_plan is None:
        return
    name = props.character_name or armature.name
    image = build_material.new_image(f"{name}_face", face_plan.atlas)
    material = build_material.build_material(f"{name}_face", image)
    if hasattr(material, "surface_render_method"):
        # EEVEE sorts blended surfaces by object origin, and the face shares the drawing's:
        # dithered (depth-tested) keeps the face in front of the blended drawing.
        material.surface_render_method = "DITHERED"
    world = plan.to_world(face_plan.vertices_uv)
    world[:, 1] = -face_plan.depth                     # in front of the drawing
    mesh = build_mesh.triangle_mesh(f"{name}_face", world, face_plan.triangles, face_plan.corner_uv)
    mesh.materials.append(material)
    obj = bpy.data.objects.new(f"{name}_face", mesh)
    collection.objects.link(obj)
    _add_shape_keys(obj, plan, face_plan)
    build_mesh.assign_vertex_groups(obj, [bone.name for bone in plan.bones], face_plan.weights)
    build_armature.add_armature_modifier(obj, armature)
    _drive_shape_keys(obj, armature)
    props.face_object = obj


def _add_shape_keys(obj: bpy.types.Object, plan, face_plan) -> None:
    obj.shape_key_add(name="Basis", from_mix=False)
    for key_name, positions in face_plan.keys.items():
        world = plan.to_world(positions)
        world[:, 1] = -face_plan.depth
        block = obj.shape_key_add(name=key_name, from_mix=False)
        block.data.foreach_set("co", world.astype(np.float32).ravel())
        block.slider_min, block.slider_max = 0.0, 1.0


def _drive_shape_keys(obj: bpy.types.Object, armature: bpy.types.Object) -> None:
    for block in obj.data.shape_keys.key_blocks[1:]:
        control, sign = SHAPE_KEYS[block.name]
        curve = block.driver_add("value")
        driver = curve.driver
        driver.type = "SCRIPTED"
        variable = driver.variables.new()
        variable.name = "v"
        variable.type = "SINGLE_PROP"
        variable.targets[0].id_type = "OBJECT"
        variable.targets[0].id = armature
        variable.targets[0].data_path = f'["{control}"]'
        driver.expression = "max(0, v)" if sign > 0 else "max(0, -v)"


def remove_face_rig(armature: bpy.types.Object) -> None:
    """Delete the face object, its mesh, material and atlas (the controls and their keys stay)."""
    props = armature.animate_drawing
    obj = props.face_object
    if obj is None:
        return
    mesh = obj.data
    materials = [m for m in mesh.materials if m is not None]
    images = [face_image(armature)] if face_image(armature) is not None else []
    bpy.data.objects.remove(obj)
    if mesh.users == 0:
        bpy.data.meshes.remove(mesh)
    for material in materials:
        if material.users == 0:
            bpy.data.materials.remove(material)
    for image in images:
        if image.users == 0:
            bpy.data.images.remove(image)
    props.face_object = None


def face_image(armature: bpy.types.Object) -> bpy.types.Image | None:
    """The face rig's atlas (packed into the .blend with the drawing's texture)."""
    obj = armature.animate_drawing.face_object
    if obj is None or not obj.data.materials or obj.data.materials[0] is None:
        return None
    tree = obj.data.materials[0].node_tree
    return next((n.image for n in tree.nodes if n.type == "TEX_IMAGE" and n.image is not None), None) if tree else None


def face_controls(armature: bpy.types.Object) -> list[str]:
    """The face rig's controls the character has (none: no face rig; a partial rig lacks some)."""
    return [name for name in CONTROLS if name in armature.keys()]


def face_notes(armature: bpy.types.Object) -> list[str]:
    text = armature.animate_drawing.face_notes
    return json.loads(text) if text else []


def summary_notes(scene: bpy.types.Scene, mode: str) -> list[str]:
    """The face notes of the scene's characters, for summary.json warnings."""
    notes = []
    if mode != "off":
        for ob in scene.objects:
            if ob.type == "ARMATURE" and ob.animate_drawing.is_character:
                notes += [f"face: {note}" for note in face_notes(ob)]
    return notes


def key_idle_blinks(armature: bpy.types.Object, first: int, last: int, fps: float) -> int:
    """Key natural blinks on the armature's `blink` over frames first..last in its active
    action (seeded by the character's name: the same drawing blinks the same way every run).
    Returns the number of blinks; 0 when the character has no eyelids."""
    if "blink" not in armature.keys():
        return 0
    seed = zlib.crc32((armature.animate_drawing.character_name or armature.name).encode())
    frames, values = idle_blinks(first, last, fps, seed)
    if not key_controls(armature, frames, {"blink": values}, loop_with_clip=True):
        return 0
    return int((values == 1.0).sum())


def key_controls(armature: bpy.types.Object, frames: np.ndarray, values: dict[str, np.ndarray],
                 loop_with_clip: bool = False) -> list[str]:
    """Key face controls (name → values at `frames`) in the armature's active action, replacing
    their earlier keys; controls the character's face rig lacks are left out. With
    `loop_with_clip` they loop when the body's clip does. Returns the controls keyed."""
    anim = armature.animation_data
    if anim is None or anim.action is None:
        return []
    names = [name for name in values if name in armature.keys()]
    slot = compat.active_slot(anim) or build_action.ensure_slot(anim.action, armature)
    container = compat.fcurve_collection(anim.action, slot)
    paths = {f'["{name}"]' for name in names}
    for fcurve in [f for f in container.fcurves if f.data_path in paths]:
        container.fcurves.remove(fcurve)
    # A looping clip loops its blinks too (first and last key are open: the seam does not show).
    loops = loop_with_clip and any(m.type == "CYCLES" for f in container.fcurves for m in f.modifiers)
    channels = [build_action.Channel(f'["{name}"]', 0, FACE_GROUP, np.asarray(values[name], np.float64),
                                     cycle_mode="REPEAT" if loops else None) for name in names]
    if channels:
        build_action.write_channels(anim.action, slot, np.asarray(frames, np.float64), channels)
    return names
