"""Retargeting BVH clips onto an imported character: Actions, keys, NLA, user edits, save/reload."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import BVH_DIR, annotated_biped_dirs

pytestmark = pytest.mark.blender

CLIP_A = BVH_DIR / "fair1" / "dab.bvh"
CLIP_B = BVH_DIR / "fair1" / "wave_hello.bvh"
SAMPLED = 7  # frames compared per clip


@pytest.fixture
def character(blender):
    dirs = annotated_biped_dirs()
    if not dirs or not CLIP_A.exists() or not CLIP_B.exists():
        pytest.skip("shared drawings or FAIR BVH clips missing")
    bpy = blender
    bpy.context.scene.render.fps = 30
    assert bpy.ops.animate_drawing.import_character(filepath=str(dirs[0])) == {"FINISHED"}
    return bpy.context.view_layer.objects.active


def _retarget(bpy, path, **options):
    assert bpy.ops.animate_drawing.retarget(filepath=str(path), **options) == {"FINISHED"}


def _expected(armature, path, **options):
    """The pure retarget of the same clip onto the same bones, lifted where the skinned drawing
    would sink below the ground (what the keys must hold)."""
    from animate_drawing.addon.build.build_armature import bone_plans
    from animate_drawing.addon.build.quality import plan_from_objects
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.ground import keep_above_ground
    from animate_drawing.motions.retarget import RetargetOptions, retarget

    props = armature.animate_drawing
    result = retarget(load_bvh(path), bone_plans(armature, props.scale, props.origin_uv),
                      options=RetargetOptions(fps=30.0, **options), scale=props.scale)
    keep_above_ground(plan_from_objects(armature), result)
    return result


def _slot(anim):
    """The assigned action slot; None on Blender 4.2/4.3, which have no slots."""
    return getattr(anim, "action_slot", None)


def _fcurves(action, slot):
    from animate_drawing.addon.build.build_action import fcurve_collection

    return fcurve_collection(action, slot).fcurves


def _check_keys(action, slot, result, frame_start: int) -> None:
    fcurves = _fcurves(action, slot)
    frames = np.linspace(0, result.frame_count - 1, SAMPLED).round().astype(int)
    for column, bone in enumerate(result.bone_names):
        curve = fcurves.find(f'pose.bones["{bone}"].rotation_euler', index=2)
        assert curve is not None, bone
        assert curve.group.name == bone
        got = np.array([curve.evaluate(frame_start + f) for f in frames])
        np.testing.assert_allclose(got, result.rotation[frames, column], atol=1e-5)
    layered = np.flatnonzero(np.any(result.layer_offset != 0.0, axis=0))
    for column in layered:
        curve = fcurves.find(f'pose.bones["{result.bone_names[column]}"].location', index=2)
        assert {kp.interpolation for kp in curve.keyframe_points} == {"CONSTANT"}
        got = np.array([curve.evaluate(frame_start + f) for f in frames])
        np.testing.assert_allclose(got, result.layer_offset[frames, column], atol=1e-6)
    root = fcurves.find('pose.bones["root"].location', index=0)
    up = fcurves.find('pose.bones["root"].location', index=1)
    np.testing.assert_allclose([root.evaluate(frame_start + f) for f in frames], result.root_location[frames, 0], atol=1e-5)
    np.testing.assert_allclose([up.evaluate(frame_start + f) for f in frames], result.root_location[frames, 1], atol=1e-5)


def test_retarget_writes_one_action_per_clip_with_exact_keys(blender, character, tmp_path):
    bpy = blender
    armature = character
    _retarget(bpy, CLIP_A)
    anim = armature.animation_data
    action_a = anim.action
    name = armature.animate_drawing.character_name
    assert action_a.name == f"{name}|dab"
    if hasattr(action_a, "slots"):  # Blender 4.4+
        assert anim.action_slot is not None and anim.action_slot.target_id_type == "OBJECT"
    _check_keys(action_a, _slot(anim), _expected(armature, CLIP_A), bpy.context.scene.frame_start)

    # The evaluated pose follows the keys: the right upper arm's angle at a sampled frame.
    result = _expected(armature, CLIP_A)
    column = result.bone_names.index("right_shoulder")
    frame = result.frame_count // 2
    bpy.context.scene.frame_set(bpy.context.scene.frame_start + frame)
    assert armature.pose.bones["right_shoulder"].rotation_euler[2] == pytest.approx(result.rotation[frame, column], abs=1e-5)

    object_name = armature.name
    path = tmp_path / "motion.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(path))
    armature = bpy.data.objects[object_name]
    action = bpy.data.actions[f"{name}|dab"]
    assert armature.animation_data.action == action
    _check_keys(action, _slot(armature.animation_data), result, bpy.context.scene.frame_start)


def test_user_edit_on_one_clip_survives_retargeting_another(blender, character):
    bpy = blender
    armature = character
    name = armature.animate_drawing.character_name
    _retarget(bpy, CLIP_A)
    anim = armature.animation_data
    action_a, slot_a = anim.action, _slot(anim)
    edited = _fcurves(action_a, slot_a).find('pose.bones["left_elbow"].rotation_euler', index=2)
    edited.keyframe_points[3].co[1] = 1.2345  # the user's hand edit
    edited.update()

    _retarget(bpy, CLIP_B, cyclic="ON", interpolation="BEZIER")
    action_b = anim.action
    assert action_b.name == f"{name}|wave_hello" and action_b != action_a
    strips = [strip for track in anim.nla_tracks for strip in track.strips]
    assert [s.action for s in strips] == [action_a]
    assert getattr(strips[0], "action_slot", None) == slot_a
    result_b = _expected(armature, CLIP_B, cyclic=True)
    _check_keys(action_b, _slot(anim), result_b, bpy.context.scene.frame_start)
    curve_b = _fcurves(action_b, _slot(anim)).find('pose.bones["right_elbow"].rotation_euler', index=2)
    assert [m.type for m in curve_b.modifiers] == ["CYCLES"]
    assert {kp.interpolation for kp in curve_b.keyframe_points} == {"BEZIER"}
    assert {kp.handle_left_type for kp in curve_b.keyframe_points} == {"AUTO_CLAMPED"}
    # Looping: one period later the pose repeats.
    period = result_b.frame_count
    assert curve_b.evaluate(5 + period) == pytest.approx(curve_b.evaluate(5), abs=1e-5)
    root_x = _fcurves(action_b, _slot(anim)).find('pose.bones["root"].location', index=0)
    assert root_x.evaluate(5 + period) == pytest.approx(root_x.evaluate(5) + result_b.root_cycle_offset[0], abs=1e-5)

    _retarget(bpy, CLIP_B)  # re-retargeting B replaces B in place, A untouched
    assert anim.action == action_b and len([a for a in bpy.data.actions if a.name.endswith("|wave_hello")]) == 1
    assert not _fcurves(action_b, _slot(anim)).find('pose.bones["right_elbow"].rotation_euler', index=2).modifiers
    assert edited.keyframe_points[3].co[1] == pytest.approx(1.2345)
    assert [s.action for track in anim.nla_tracks for s in track.strips] == [action_a]
    assert {a.name for a in bpy.data.actions} == {f"{name}|dab", f"{name}|wave_hello"}


def test_bad_bvh_is_cancelled_with_the_file_named(blender, character, tmp_path):
    bpy = blender
    broken = tmp_path / "broken.bvh"
    broken.write_text("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0\n")
    actions_before = len(bpy.data.actions)
    with pytest.raises(RuntimeError, match="broken.bvh"):
        bpy.ops.animate_drawing.retarget(filepath=str(broken))
    assert len(bpy.data.actions) == actions_before
    assert character.animation_data is None or character.animation_data.action is None


@pytest.mark.parametrize("mapping, problem", [
    ('{"left_elbow": ', "not valid JSON"),
    ('["left_elbow", "LeftElbow"]', "JSON object"),
    ('{"left_elbow": "NoSuchJoint"}', "NoSuchJoint"),
])
def test_a_bad_joint_mapping_is_reported_and_creates_nothing(blender, character, mapping, problem):
    bpy = blender
    actions_before = len(bpy.data.actions)
    with pytest.raises(RuntimeError, match=problem):
        bpy.ops.animate_drawing.retarget(filepath=str(CLIP_A), mapping=mapping)
    assert len(bpy.data.actions) == actions_before


def test_library_clip_by_label_loops_and_moves_the_root(blender, character):
    bpy = blender
    armature = character
    assert bpy.ops.animate_drawing.retarget(clip="Walk cycle") == {"FINISHED"}
    anim = armature.animation_data
    assert anim.action.name == f"{armature.animate_drawing.character_name}|walk"
    fcurves = _fcurves(anim.action, _slot(anim))
    root_x = fcurves.find('pose.bones["root"].location', index=0)
    assert root_x.modifiers[0].mode_after == "REPEAT_OFFSET"
    rotation = fcurves.find('pose.bones["right_hip"].rotation_euler', index=2)
    assert rotation.modifiers[0].mode_after == "REPEAT"
    assert bpy.context.scene.frame_end - bpy.context.scene.frame_start + 1 == len(rotation.keyframe_points) - 1
