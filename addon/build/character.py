"""Assemble one character in the scene from a RigPlan, and rebuild it after user edits.

A character is a collection named after the drawing holding the armature (which carries the
`animate_drawing` metadata), the skinned mesh and an orthographic camera; its texture and
mask images are packed into the .blend when it is saved. Building either finishes completely
or removes everything it created, so a failure never leaves half a character behind.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import bpy

from ...errors import InputError
from ...formats.char_cfg import CharacterConfig, parse_char_cfg
from ...models.face import Face
from ...pipeline.plan import (
    character_dir_of,
    character_name_for,
    check_joints_inside,
    plan_from_character_dir,
)  # (callers reach the plan stage through here too)
from ...rig.plan import RigPlan, build_rig_plan
from ..jobs import DataSnapshot
from . import build_armature, build_camera, build_face, build_material, build_mesh, quality, rig_features


def config_to_json(config: CharacterConfig) -> str:
    """The char_cfg.yaml mapping as JSON (so `parse_char_cfg` validates it on the way back)."""
    return json.dumps({
        "width": int(config.width),
        "height": int(config.height),
        "skeleton": [{"name": j.name, "parent": j.parent, "loc": [float(j.loc[0]), float(j.loc[1])]}
                     for j in config.joints],
    })


def config_from_json(text: str, owner: str) -> CharacterConfig:
    return parse_char_cfg(json.loads(text), owner)


def build_character(context, plan: RigPlan, source_path: str | os.PathLike = "", density: float = 1.0,
                    parent_collection: bpy.types.Collection | None = None, face: bool = True) -> bpy.types.Object:
    """Create the character's collection and objects; returns its armature object. The rig is
    the body's `plan` assembled with its features (`addon.build.rig_features`): with `face`, the face
    found on the drawing gets a face rig (build_face; notes in `face_notes`).

    The collection gets the plan's name, or `name.001`… when that is taken; every datablock
    is named after the collection, so a second import of a drawing never touches the first.
    """
    snapshot = DataSnapshot()
    try:
        plan = rig_features.with_features(plan, rig_features.BODY_FEATURES + (["face"] if face else []))
        armature = _build(context, plan, source_path, density, parent_collection or context.scene.collection)
        rig_features.build_features(armature, plan, armature.users_collection[0])
        return armature
    except BaseException:
        snapshot.rollback()
        raise


def _build(context, plan, source_path, density, parent_collection) -> bpy.types.Object:
    collection = bpy.data.collections.new(plan.name)
    parent_collection.children.link(collection)
    name = collection.name
    texture_image = build_material.new_image(f"{name}_texture", plan.texture)
    mask_image = build_material.new_image(f"{name}_mask", build_material.mask_to_rgba(plan.mask), non_color=True)
    material = build_material.build_material(name, texture_image)

    armature = build_armature.build_armature(context, name, plan, collection)
    quality.remember_doubts(armature, plan.analysis_warnings)
    mesh_obj = bpy.data.objects.new(f"{name}_mesh", _skinned_mesh_data(f"{name}_mesh", plan, material))
    collection.objects.link(mesh_obj)
    build_mesh.assign_vertex_groups(mesh_obj, [bone.name for bone in plan.bones], plan.weights)
    build_armature.add_armature_modifier(mesh_obj, armature)

    camera = build_camera.build_camera(f"{name}_camera", plan.to_world(plan.vertices_uv), context.scene)
    collection.objects.link(camera)
    if context.scene.camera is None:
        context.scene.camera = camera

    props = armature.animate_drawing
    props.is_character = True
    props.character_name = name
    props.source_path = os.fspath(source_path)
    props.density = density
    props.mesh_object = mesh_obj
    props.camera_object = camera
    props.texture_image = texture_image
    props.mask_image = mask_image
    _store_plan_mapping(props, plan)
    return armature


def _skinned_mesh_data(name: str, plan: RigPlan, material: bpy.types.Material) -> bpy.types.Mesh:
    mesh = build_mesh.build_mesh_data(name, plan)
    mesh.materials.append(material)
    return mesh


def _store_plan_mapping(props, plan: RigPlan) -> None:
    props.config_json = config_to_json(plan.config)
    props.scale = float(plan.scale)
    props.origin_uv = tuple(float(c) for c in plan.origin_uv)
    # The artist's face is kept for rebuilds (a found face is looked for again on the new texture).
    props.edited_face_json = json.dumps(plan.edited_face.to_json()) if plan.edited_face is not None else ""


def plan_from_scene(context, armature: bpy.types.Object) -> RigPlan:
    """Re-plan a character from what the user sees now: joints at the current bone heads, the
    current (possibly repainted) mask image and the face placed in the review, if it was.
    Changes nothing in the scene."""
    props = armature.animate_drawing
    if armature.mode == "EDIT":  # edit bones are copied to `data.bones` only on leaving edit mode
        armature.update_from_editmode()
    owner = f"{armature.name} (stored character data)"
    if props.texture_image is None or props.mask_image is None:
        raise InputError(owner, "the character's texture or mask image was deleted")
    config = config_from_json(props.config_json, owner)
    moved = build_armature.joint_pixels(armature, props.scale, props.origin_uv)
    config = config.with_locs([moved.get(joint.name, joint.loc) for joint in config.joints])
    texture = build_material.read_image_rgba(props.texture_image)
    mask = build_material.read_mask(props.mask_image)
    if mask.shape != texture.shape[:2]:
        raise InputError(props.mask_image.name, f"mask image is {mask.shape[1]}x{mask.shape[0]} px but the "
                                                f"texture is {texture.shape[1]}x{texture.shape[0]} px")
    if not mask.any():
        raise InputError(props.mask_image.name, "mask image is empty (no figure pixels)")
    plan = build_rig_plan(texture, mask, config, props.character_name, density=props.density)
    plan.edited_face = Face.from_json(json.loads(props.edited_face_json)) if props.edited_face_json else None
    return plan


def rebuild_character(context, armature: bpy.types.Object) -> RigPlan:
    """Rebuild mesh, weights and rest bones from the current bones and mask.

    The armature object, its bones' names, Actions, NLA tracks and keyframes are kept: only
    rest positions, the mesh datablock and the vertex groups are replaced.
    """
    plan = plan_from_scene(context, armature)  # may raise: nothing has been touched yet
    plan = rig_features.with_features(plan, rig_features.BODY_FEATURES)
    props = armature.animate_drawing
    with build_armature.edit_mode(context, armature) as data:
        build_armature.set_edit_bones(data, plan)
    build_armature.set_pose_rotation_mode(armature)

    mesh_obj = props.mesh_object
    old_mesh = mesh_obj.data
    material = old_mesh.materials[0] if len(old_mesh.materials) else None
    new_mesh = build_mesh.build_mesh_data(old_mesh.name, plan)
    if material is not None:
        new_mesh.materials.append(material)
    mesh_obj.data = new_mesh
    if old_mesh.users == 0:
        bpy.data.meshes.remove(old_mesh)
    new_mesh.name = mesh_obj.name
    build_mesh.assign_vertex_groups(mesh_obj, [bone.name for bone in plan.bones], plan.weights)
    build_material.write_image_pixels(props.texture_image, plan.texture)
    _store_plan_mapping(props, plan)
    if props.face_object is not None:  # the face follows the rebuilt mesh's weights and texture
        collection = props.face_object.users_collection[0]
        build_face.remove_face_rig(armature)
        rig_features.build_features(armature, rig_features.with_features(plan, ["face"]), collection)
    return plan



@bpy.app.handlers.persistent
def pack_character_images(*_args) -> None:
    """Save handler: the .blend keeps every character's texture and (repainted) mask."""
    for obj in bpy.data.objects:
        props = getattr(obj, "animate_drawing", None)
        if props is None or not props.is_character:
            continue
        for image in (props.texture_image, props.mask_image, build_face.face_image(obj)):
            if image is not None:
                build_material.pack_if_modified(image)


def register_module() -> None:
    bpy.app.handlers.save_pre.append(pack_character_images)


def unregister_module() -> None:
    if pack_character_images in bpy.app.handlers.save_pre:
        bpy.app.handlers.save_pre.remove(pack_character_images)
