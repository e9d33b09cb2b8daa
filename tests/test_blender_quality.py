"""The picture metrics against Blender itself: the numpy skinning equals the Armature modifier's
evaluated mesh, the quality travels with the Action into a .blend, and `inspect` reads it back."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import REPO_ROOT, annotated_biped_dirs

pytestmark = pytest.mark.blender

DRAWING = "xkromkad_AnimatedDrawings-1__postava_out"
CLIP = REPO_ROOT / "motions" / "clips" / "jump.bvh"


@pytest.fixture
def animated(blender):
    folder = next((d for d in annotated_biped_dirs() if d.name == DRAWING), None)
    if folder is None:
        pytest.skip("shared drawings missing")
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    from animate_drawing.addon.animate.motion import retarget_clip
    from animate_drawing.motions.retarget import RetargetOptions

    bpy = blender
    plan = plan_from_character_dir(folder)
    armature = build_character(bpy.context, plan, source_path=str(folder))
    action, result = retarget_clip(armature, str(CLIP), "jump", RetargetOptions(fps=30.0, cyclic=True))
    scene = bpy.context.scene
    scene.render.fps = 30
    scene.frame_start, scene.frame_end = 1, result.frame_count
    return bpy, plan, armature, action, result


def test_numpy_skinning_matches_blenders_evaluated_mesh(animated):
    from animate_drawing.addon.output.scene_setup import evaluated_world_vertices
    from animate_drawing.motions.quality import posed_vertices

    bpy, plan, armature, _, result = animated
    mesh_obj = armature.animate_drawing.mesh_object
    frames = [0, 7, 13, 24, 40]
    expected = posed_vertices(plan, result.rotation[frames], result.root_location[frames])
    for k, frame in enumerate(frames):
        bpy.context.scene.frame_set(1 + frame)
        seen = evaluated_world_vertices(mesh_obj, bpy.context.evaluated_depsgraph_get())
        assert np.abs(seen[:, [0, 2]] - expected[k]).max() < 1e-4        # of a 2-unit-tall figure


def test_a_sharply_bent_arm_is_skinned_as_numpy_skins_it_and_keeps_its_inside(animated):
    """Elbows bent 160° and 150° (the dab clip's): Blender's Armature modifier blends the bone
    rotations as the numpy skinning does, and the drawing folds under the target."""
    from animate_drawing.addon.output.scene_setup import evaluated_world_vertices
    from animate_drawing.motions.quality import TARGETS, measure, posed_vertices
    from animate_drawing.rig.underlay import drawn_triangles

    bpy, plan, armature, _, _ = animated
    armature.animation_data.action = None
    names = [b.name for b in plan.bones]
    rotation = np.zeros((1, len(names)))
    for name, degrees in {"left_shoulder": 60, "left_elbow": 160, "right_shoulder": -40, "right_elbow": -150,
                          "torso": 10}.items():
        rotation[0, names.index(name)] = np.radians(degrees)
        armature.pose.bones[name].rotation_euler[2] = rotation[0, names.index(name)]
    bpy.context.view_layer.update()
    seen = evaluated_world_vertices(armature.animate_drawing.mesh_object, bpy.context.evaluated_depsgraph_get())
    expected = posed_vertices(plan, rotation)
    assert np.abs(seen[:, [0, 2]] - expected[0]).max() < 1e-4
    drawn = drawn_triangles(plan.triangles, plan.vertex_depth)
    report, _ = measure(plan.vertices_world[:, [0, 2]], seen[None, :, [0, 2]], plan.triangles[drawn], 30.0)
    assert report.folded_max < TARGETS["folded_max"]


def test_the_action_carries_the_verdict_and_inspect_reads_it_from_the_saved_file(animated, tmp_path):
    from animate_drawing.addon.build import quality
    from animate_drawing.addon.build.inspect_file import inspect_blend

    bpy, plan, armature, action, result = animated
    info = quality.stored(action)
    assert info["verdict"] in ("good", "fair", "poor")
    assert info["quality"]["frames"] == result.frame_count
    assert set(info["contacts"]) == {"left_foot", "right_foot"}
    keys = quality.summary_keys(bpy.context.scene)
    assert keys["quality"]["stretch_p99"] == info["quality"]["stretch_p99"] and keys["warnings"] == info["warnings"]

    path = tmp_path / "jump.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    text = "\n".join(inspect_blend(path))
    # Blender's own evaluated mesh gives the numbers measured with numpy at retarget time.
    measured = float(text.split("stretch p99")[1].split()[0])
    assert measured == pytest.approx(info["quality"]["stretch_p99"], abs=0.01)
    assert f": {info['verdict']}" in text


def test_the_analysis_doubts_travel_with_the_character_into_the_verdict(animated, tmp_path):
    """A rig on doubted joints says so in every clip's warnings and is never judged "good"."""
    from animate_drawing.addon.build import quality
    from animate_drawing.addon.build.inspect_file import inspect_blend
    from animate_drawing.addon.animate.motion import retarget_clip
    from animate_drawing.motions.retarget import RetargetOptions

    bpy, _, armature, _, _ = animated
    doubt = "joints found with low confidence, check them: left knee (0.12)"
    quality.remember_doubts(armature, [doubt])
    action, _ = retarget_clip(armature, str(REPO_ROOT / "motions" / "clips" / "idle.bvh"), "idle",
                              RetargetOptions(fps=30.0, cyclic=True))
    info = quality.stored(action)
    assert info["warnings"][0] == doubt and info["verdict"] != "good"
    assert quality.summary_keys(bpy.context.scene)["warnings"][0] == doubt
    path = tmp_path / "doubted.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    assert f"warning: {doubt}" in "\n".join(inspect_blend(path))


def test_inspect_names_the_file_it_cannot_read(blender, tmp_path):
    from animate_drawing.addon.build.inspect_file import inspect_blend
    from animate_drawing.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        inspect_blend(tmp_path / "missing.blend")
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(InputError, match="reads a .blend"):
        inspect_blend(bad)


def test_an_artist_pins_a_limbs_side_with_a_keyed_bone_property(blender):
    """`animate_drawing_side` on a limb's first bone: -1 behind the body, 1 in front, 0 the clip's
    choice; keyed on the armature data, it survives re-retargeting the clip."""
    folder = next((d for d in annotated_biped_dirs() if d.name == DRAWING), None)
    if folder is None:
        pytest.skip("shared drawings missing")
    from animate_drawing.addon.build.character import build_character, plan_from_character_dir
    from animate_drawing.addon.animate.motion import SIDE_PIN, retarget_clip
    from animate_drawing.motions.retarget import RetargetOptions

    bpy = blender
    armature = build_character(bpy.context, plan_from_character_dir(folder), source_path=str(folder))
    bone = armature.data.bones["left_shoulder"]
    bone[SIDE_PIN] = 1.0
    bone.keyframe_insert(f'["{SIDE_PIN}"]', frame=1)
    bone[SIDE_PIN] = -1.0
    bone.keyframe_insert(f'["{SIDE_PIN}"]', frame=20)
    from animate_drawing.addon.build.build_action import fcurve_collection

    anim = armature.data.animation_data
    for key in fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves[0].keyframe_points:
        key.interpolation = "CONSTANT"                      # a switch, like the clip's own layer keys
    _, result = retarget_clip(armature, str(CLIP), "jump", RetargetOptions(fps=30.0, cyclic=True))
    side = np.sign(result.layer_offset[:, result.bone_names.index("left_shoulder")])
    assert np.all(side[:19] == 1) and np.all(side[19:] == -1)          # scene frames 1–19, then 20–48
    # The keys the armature plays hold the pinned sides too.
    pose_bone = armature.pose.bones["left_shoulder"]
    for frame, expected in ((5, 1), (30, -1)):
        bpy.context.scene.frame_set(frame)
        assert np.sign(pose_bone.location[2]) == expected
