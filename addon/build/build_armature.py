"""RigPlan bones → armature; armature ↔ pixel joint positions.

Bones lie in the XZ plane with their local Z axis rolled to −Y (toward the camera), so a 2D
rotation of a bone is its `rotation_euler[2]` in mode 'XYZ', and a positive angle turns it
counter-clockwise as the camera sees it. Bones are not connected: a connected bone ignores
its pose location, and limb layering is keyed as location[2].
"""

from __future__ import annotations

import contextlib

import numpy as np
import bpy

from ...rig.skeleton import BonePlan

TOWARD_CAMERA = (0.0, -1.0, 0.0)


@contextlib.contextmanager
def edit_mode(context, armature_obj: bpy.types.Object):
    """The armature active and in edit mode (yields its data); the previously active object
    and its mode are restored after. Edit bones exist only in edit mode, and `mode_set` needs
    the object active in the view layer; this works in background mode too."""
    view_layer = context.view_layer
    previous = view_layer.objects.active
    previous_mode = previous.mode if previous is not None else "OBJECT"
    if previous is not None and context.mode != "OBJECT":
        bpy.ops.object.mode_set(mode="OBJECT")
    view_layer.objects.active = armature_obj
    bpy.ops.object.mode_set(mode="EDIT")
    try:
        yield armature_obj.data
    finally:
        bpy.ops.object.mode_set(mode="OBJECT")  # copies edit bones into `data.bones`
        if previous is not None and previous.name in view_layer.objects:
            view_layer.objects.active = previous
            if previous_mode != "OBJECT":
                bpy.ops.object.mode_set(mode=previous_mode)


def set_edit_bones(armature: bpy.types.Armature, plan) -> None:
    """Create or move edit bones so they match the plan (bones keep their names)."""
    edit_bones = armature.edit_bones
    heads = plan.to_world(np.array([b.head_uv for b in plan.bones], dtype=np.float64))
    tails = plan.to_world(np.array([b.tail_uv for b in plan.bones], dtype=np.float64))
    wanted = {b.name for b in plan.bones}
    for stale in [eb for eb in edit_bones if eb.name not in wanted]:
        edit_bones.remove(stale)
    for bone, head, tail in zip(plan.bones, heads, tails):
        edit_bone = edit_bones.get(bone.name) or edit_bones.new(bone.name)
        edit_bone.head = head
        edit_bone.tail = tail
        edit_bone.use_connect = False
        edit_bone.align_roll(TOWARD_CAMERA)
        edit_bone.use_deform = bone.deform
    for bone in plan.bones:
        edit_bones[bone.name].parent = edit_bones[bone.parent] if bone.parent else None


def build_armature(context, name: str, plan, collection: bpy.types.Collection) -> bpy.types.Object:
    """A new armature object linked to `collection`, bones from the plan, pose ready for 2D keys."""
    data = bpy.data.armatures.new(name)
    data.display_type = "STICK"
    obj = bpy.data.objects.new(name, data)
    collection.objects.link(obj)
    obj.show_in_front = True
    with edit_mode(context, obj) as armature:
        set_edit_bones(armature, plan)
    set_pose_rotation_mode(obj)
    return obj


def set_pose_rotation_mode(armature_obj: bpy.types.Object) -> None:
    for pose_bone in armature_obj.pose.bones:
        pose_bone.rotation_mode = "XYZ"


def joint_pixels(armature_obj: bpy.types.Object, scale: float, origin_uv) -> dict[str, tuple[float, float]]:
    """Current rest head of every bone, in texture pixels (inverse of RigPlan.to_world).

    Every joint has a bone of its own name whose head sits on it, so this is where the user
    has moved the joints to. Reads `data.bones`, so the armature must not be in edit mode.
    """
    origin_u, origin_v = origin_uv
    return {
        bone.name: (float(bone.head_local.x / scale + origin_u), float(origin_v - bone.head_local.z / scale))
        for bone in armature_obj.data.bones
    }


def bone_plans(armature_obj: bpy.types.Object, scale: float, origin_uv) -> list[BonePlan]:
    """The armature's current rest bones back in pixels, in bone order (what retargeting needs)."""
    origin_u, origin_v = origin_uv

    def pixels(point) -> tuple[float, float]:
        return float(point.x / scale + origin_u), float(origin_v - point.z / scale)

    return [BonePlan(bone.name, bone.parent.name if bone.parent else None, pixels(bone.head_local),
                     pixels(bone.tail_local), bone.use_deform)
            for bone in armature_obj.data.bones]


def add_armature_modifier(mesh_obj: bpy.types.Object, armature_obj: bpy.types.Object) -> None:
    mesh_obj.parent = armature_obj
    modifier = mesh_obj.modifiers.new("Armature", "ARMATURE")
    modifier.object = armature_obj
    modifier.use_vertex_groups = True
    # Dual quaternion blending: an elbow bent past 90° keeps its inside instead of folding it
    # over (motions.quality.blend_dual_quaternions is the same blend in numpy).
    modifier.use_deform_preserve_volume = True
