"""BVH mapping table: auto-mapping shown, edited, saved as a preset and loaded back."""

from __future__ import annotations

import json

import pytest

from conftest import BVH_DIR

pytestmark = pytest.mark.blender

CMU = BVH_DIR / "cmu1" / "jumping_jacks.bvh"


@pytest.fixture
def cmu_clip(shared_data):
    if not CMU.exists():
        pytest.skip("CMU clip missing")
    return CMU


def test_loading_a_bvh_fills_the_table_from_auto_mapping(blender, cmu_clip):
    from animate_drawing.motions.mapping import OUR_JOINTS

    assert blender.ops.animate_drawing.ui_load_bvh(filepath=str(cmu_clip)) == {"FINISHED"}
    ui = blender.context.window_manager.animate_drawing_motion
    assert [row.joint for row in ui.rows] == list(OUR_JOINTS)
    table = ui.mapping()
    assert table["left_elbow"] == "LeftElbow" and table["right_foot"] == "RightAnkle"
    assert "LHipJoint" in {j.name for j in ui.clip_joints}
    assert ui.up_axis == "y"


def test_edited_mapping_round_trips_through_a_user_preset(blender, cmu_clip):
    from animate_drawing.operators import ui_mapping

    blender.ops.animate_drawing.ui_load_bvh(filepath=str(cmu_clip))
    ui = blender.context.window_manager.animate_drawing_motion
    row = next(r for r in ui.rows if r.joint == "torso")
    row.clip_joint = "Chest"  # the artist's fix
    assert blender.ops.animate_drawing.ui_save_mapping_preset(name="My CMU fix") == {"FINISHED"}
    saved = ui_mapping.user_preset_dir() / "my_cmu_fix.json"
    data = json.loads(saved.read_text())
    assert data["joints"]["torso"] == "Chest" and data["up"] == "y"

    row.clip_joint = "Chest2"
    ui.preset = str(saved)
    assert blender.ops.animate_drawing.ui_load_mapping_preset() == {"FINISHED"}
    assert ui.mapping()["torso"] == "Chest"
    assert json.loads(ui.mapping_json())["torso"] == "Chest"
    assert saved in ui_mapping.preset_files()


def test_a_broken_bvh_is_reported(blender, tmp_path):
    bad = tmp_path / "bad.bvh"
    bad.write_text("HIERARCHY\nROOT Hips\n{\n")
    with pytest.raises(RuntimeError, match="bad.bvh"):
        blender.ops.animate_drawing.ui_load_bvh(filepath=str(bad))
    assert len(blender.context.window_manager.animate_drawing_motion.rows) == 0


def test_apply_motion_file_uses_the_edited_table(blender, cmu_clip):
    from pathlib import Path

    from animate_drawing.addon.build.build_action import fcurve_collection

    bpy = blender
    example = Path(__file__).resolve().parents[1] / "examples" / "drawing.png"
    bpy.ops.animate_drawing.animate(filepath=str(example))
    armature = bpy.context.view_layer.objects.active
    bpy.ops.animate_drawing.ui_load_bvh(filepath=str(cmu_clip))
    ui = bpy.context.window_manager.animate_drawing_motion

    def elbow_keys(mapping_json):
        assert bpy.ops.animate_drawing.retarget(filepath=str(cmu_clip), mapping=mapping_json) == {"FINISHED"}
        anim = armature.animation_data
        curves = fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves  # slots: 4.4+
        return [k.co.y for k in curves.find('pose.bones["left_elbow"].rotation_euler', index=2).keyframe_points]

    automatic = elbow_keys(ui.mapping_json())
    next(r for r in ui.rows if r.joint == "left_elbow").clip_joint = "RightElbow"  # a deliberate swap
    next(r for r in ui.rows if r.joint == "left_hand").clip_joint = "RightWrist"
    swapped = elbow_keys(ui.mapping_json())
    assert len(automatic) == len(swapped) and automatic != swapped
