"""`rebuild_rig` after the user moved a joint in edit mode or repainted the mask."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import annotated_biped_dirs

pytestmark = pytest.mark.blender


@pytest.fixture
def character(blender):
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("no annotated drawings")
    bpy = blender
    assert bpy.ops.animate_drawing.import_character(filepath=str(dirs[0])) == {"FINISHED"}
    return bpy.context.view_layer.objects.active


def _key_two_actions(bpy, armature):
    """A hand-keyed action pushed to the NLA plus an active one: what rebuild must keep."""
    from animate_drawing.addon.animate import motion

    pose_bone = armature.pose.bones["left_elbow"]
    anim = armature.animation_data_create()
    for name, value in (("edited_a", 0.7), ("edited_b", -0.4)):
        anim.action = bpy.data.actions.new(name)
        pose_bone.rotation_euler[2] = value
        pose_bone.keyframe_insert("rotation_euler", index=2, frame=5)
        if name == "edited_a":
            motion.push_to_nla(anim, anim.action, getattr(anim, "action_slot", None))
    return anim


def _keys(action, armature):
    from animate_drawing.addon.build.build_action import fcurve_collection

    fcurves = fcurve_collection(action, action.slots[0] if hasattr(action, "slots") else None).fcurves
    return sorted((fc.data_path, fc.array_index, tuple(kp.co)) for fc in fcurves for kp in fc.keyframe_points)


def _joint_pixels(armature) -> dict:
    return {j["name"]: j["loc"] for j in json.loads(armature.animate_drawing.config_json)["skeleton"]}


def test_rebuild_follows_a_moved_joint_and_keeps_animation(blender, character):
    bpy = blender
    armature = character
    anim = _key_two_actions(bpy, armature)
    keys_before = {a.name: _keys(a, armature) for a in bpy.data.actions}
    mesh_obj = armature.animate_drawing.mesh_object
    joints_before = _joint_pixels(armature)

    # The user drags the hand joint 30 % of the way toward the elbow, in edit mode.
    bpy.ops.object.mode_set(mode="EDIT")
    edit_bones = armature.data.edit_bones
    hand, elbow = edit_bones["right_hand"], edit_bones["right_elbow"]
    new_head = hand.head + 0.3 * (elbow.head - hand.head)
    hand.tail += new_head - hand.head
    hand.head = new_head
    expected = np.array(new_head)
    assert bpy.ops.animate_drawing.rebuild_rig() == {"FINISHED"}
    assert armature.mode == "EDIT"  # the user stays where they were
    bpy.ops.object.mode_set(mode="OBJECT")

    bones = armature.data.bones
    np.testing.assert_allclose(bones["right_hand"].head_local, expected, atol=0.02)
    np.testing.assert_allclose(bones["right_elbow"].tail_local, bones["right_hand"].head_local, atol=1e-5)
    joints_after = _joint_pixels(armature)
    moved = np.subtract(joints_after["right_hand"], joints_before["right_hand"])
    assert np.hypot(*moved) > 3.0
    assert joints_after["left_hand"] == pytest.approx(joints_before["left_hand"], abs=1.0)
    # The mesh was rebuilt around the new joint: a vertex sits on it (joints are mesh vertices).
    rest = np.array([v.co for v in mesh_obj.data.vertices])
    assert np.linalg.norm(rest - np.array(bones["right_hand"].head_local), axis=1).min() < 1e-4
    assert armature.animate_drawing.mesh_object == mesh_obj and mesh_obj.modifiers["Armature"].object == armature

    assert {a.name: _keys(a, armature) for a in bpy.data.actions} == keys_before
    assert anim.action.name == "edited_b"
    assert [s.action.name for t in anim.nla_tracks for s in t.strips] == ["edited_a"]


def test_rebuild_follows_a_repainted_mask(blender, character):
    bpy = blender
    armature = character
    from animate_drawing.addon.build.build_material import (
        mask_to_rgba,
        read_image_rgba,
        read_mask,
        write_image_pixels,
    )

    props = armature.animate_drawing
    mask = read_mask(props.mask_image)
    hand_u, hand_v = _joint_pixels(armature)["left_hand"]
    # Paint out everything right of the left hand's column: the end of that arm disappears.
    erase = np.zeros_like(mask)
    erase[:, int(hand_u) + 3:] = True
    write_image_pixels(props.mask_image, mask_to_rgba(mask & ~erase))
    assert bpy.ops.animate_drawing.rebuild_rig() == {"FINISHED"}

    vertices_u = np.array([v.co.x for v in props.mesh_object.data.vertices]) / props.scale + props.origin_uv[0]
    assert vertices_u.max() <= int(hand_u) + 3 + 0.5
    alpha = read_image_rgba(props.texture_image)[..., 3]
    assert not alpha[erase].any() and alpha[mask & ~erase].all()


def test_rebuild_with_an_emptied_mask_is_cancelled_and_changes_nothing(blender, character):
    bpy = blender
    armature = character
    from animate_drawing.addon.build.build_material import mask_to_rgba, read_mask, write_image_pixels

    props = armature.animate_drawing
    mesh_before = props.mesh_object.data
    write_image_pixels(props.mask_image, mask_to_rgba(np.zeros_like(read_mask(props.mask_image))))
    with pytest.raises(RuntimeError, match=props.mask_image.name):
        bpy.ops.animate_drawing.rebuild_rig()
    assert props.mesh_object.data == mesh_before
