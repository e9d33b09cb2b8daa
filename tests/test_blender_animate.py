"""One click: a drawing photo (or character folder) → analysed, rigged, animated character."""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import BVH_DIR, RAW_DRAWINGS, REPO_ROOT, annotated_biped_dirs

pytestmark = pytest.mark.blender

CLIP = BVH_DIR / "fair1" / "jumping.bvh"


def _new_data(bpy, before: dict) -> dict:
    return {name: len(getattr(bpy.data, name)) - count for name, count in before.items()}


def _counts(bpy) -> dict:
    return {name: len(getattr(bpy.data, name))
            for name in ("objects", "collections", "meshes", "armatures", "images", "materials", "actions")}


def test_animate_a_drawing_photo(blender):
    bpy = blender
    drawings = sorted(RAW_DRAWINGS.glob("*.png")) + sorted(RAW_DRAWINGS.glob("*.jp*g"))
    if not drawings or not CLIP.exists():
        pytest.skip("shared raw drawings or BVH clips missing")
    drawing = drawings[0]
    assert bpy.ops.animate_drawing.animate(filepath=str(drawing), clip=str(CLIP)) == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    props = armature.animate_drawing
    assert props.is_character and props.source_path == str(drawing)
    assert props.character_name.startswith(drawing.stem[:10].replace(" ", "_"))
    assert len(armature.data.bones) == 16
    action = armature.animation_data.action
    assert action.name == f"{props.character_name}|jumping"
    assert bpy.context.scene.frame_end > bpy.context.scene.frame_start
    # The analysis was kept for review (box, joints per figure).
    stored = bpy.context.scene.animate_drawing_analysis
    assert stored.figures and len(stored.figures[0]["joints"]) == 16


def test_animate_a_character_folder_with_the_default_library_clip(blender):
    bpy = blender
    from animate_drawing.addon.build.build_action import fcurve_collection
    from animate_drawing.motions.library import list_clips

    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared data missing")
    assert bpy.ops.animate_drawing.animate(filepath=str(dirs[0] / "char_cfg.yaml")) == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    anim = armature.animation_data
    assert anim.action.name == f"{armature.animate_drawing.character_name}|{list_clips()[0][0]}"
    fcurves = fcurve_collection(anim.action, getattr(anim, "action_slot", None)).fcurves
    assert len(fcurves) >= 16 and all(fc.modifiers[0].type == "CYCLES" for fc in fcurves)  # library clips loop


def test_animate_failure_after_building_rolls_everything_back(blender, tmp_path):
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared data missing")
    before = _counts(bpy)
    with pytest.raises(RuntimeError, match="missing.bvh"):  # the rig builds, the motion fails
        bpy.ops.animate_drawing.animate(filepath=str(dirs[0]), clip=str(tmp_path / "missing.bvh"))
    assert _new_data(bpy, before) == {name: 0 for name in before}


def _data_names(bpy) -> dict:
    return {name: sorted(id_.name for id_ in getattr(bpy.data, name))
            for name in ("objects", "collections", "actions", "images", "meshes", "armatures", "materials")}


def test_cancelling_animate_after_the_build_leaves_the_scene_as_it_was(blender):
    """Esc while the motion is still to come: the built character goes away again."""
    bpy = blender
    from animate_drawing.addon import jobs
    from animate_drawing.operators.animate import animate_job

    drawing = REPO_ROOT / "examples" / "drawing.png"
    user_mesh = bpy.data.meshes.new("user_mesh")
    bpy.context.scene.collection.objects.link(bpy.data.objects.new("user_object", user_mesh))
    before = _data_names(bpy)

    job = animate_job(bpy.context, str(drawing), "", 1.0)
    assert [stage.label for stage in job.stages] == [
        "Loading the drawing", "Finding the figure, its mask and joints", "Keeping the analysis",
        "Meshing and skin weights", "Building the character", "Retargeting the motion"]
    # Pillow decodes on the worker; only keeping the analysis in the scene is Blender's business.
    assert [stage.on_main_thread for stage in job.stages[:4]] == [False, False, True, False]
    while job.stage_label != "Retargeting the motion" and not job.finished:
        job.step()
        time.sleep(0.005)  # a worker stage is running
    assert job.state is jobs.JobState.RUNNING
    built = _data_names(bpy)
    assert len(built["objects"]) == len(before["objects"]) + 4  # armature, mesh, camera, face rig exist now
    assert len(built["images"]) == len(before["images"]) + 3  # texture, mask and the face rig's atlas

    job.cancel()
    jobs.run(job)
    assert job.state is jobs.JobState.CANCELLED
    assert _data_names(bpy) == before
    assert bpy.context.scene.animate_drawing_analysis.figures  # the analysis itself is kept


def test_animate_something_that_is_not_a_drawing(blender, tmp_path):
    bpy = blender
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("shopping list")
    before = _counts(bpy)
    with pytest.raises(RuntimeError, match="notes.png"):
        bpy.ops.animate_drawing.animate(filepath=str(not_an_image))
    assert _new_data(bpy, before) == {name: 0 for name in before}


def test_animate_uses_the_reviewed_joints(blender):
    """Joints corrected in review (stored in the scene) are the ones the character is rigged with,
    also when the session cache of the analysis is gone (re-found inside the reviewed box)."""
    bpy = blender
    import json

    from animate_drawing.addon.build import drawing_analysis

    drawings = sorted(RAW_DRAWINGS.glob("*.png"))
    if not drawings or not CLIP.exists():
        pytest.skip("shared raw drawings or BVH clips missing")
    drawing = str(drawings[0])
    assert bpy.ops.animate_drawing.analyze(filepath=drawing) == {"FINISHED"}
    stored = bpy.context.scene.animate_drawing_analysis
    figures = stored.figures
    joints = np.array(figures[0]["joints"])
    hand, elbow = 9, 8  # left_hand, left_elbow (AnimatedDrawings order)
    detected = np.linalg.norm(joints[hand] - joints[elbow])
    joints[hand] = joints[hand] + 0.5 * (joints[elbow] - joints[hand])
    figures[0]["joints"] = joints.tolist()
    stored.figures_json = json.dumps(figures)
    stored.joints_edited = True
    drawing_analysis._cache.clear()  # as after reopening the .blend

    assert bpy.ops.animate_drawing.animate(filepath=drawing, clip=str(CLIP)) == {"FINISHED"}
    config = json.loads(bpy.context.view_layer.objects.active.animate_drawing.config_json)
    locs = {j["name"]: np.array(j["loc"]) for j in config["skeleton"]}
    reviewed = np.linalg.norm(joints[hand] - joints[elbow])
    rigged = np.linalg.norm(locs["left_hand"] - locs["left_elbow"])
    assert detected - reviewed > 6.0
    assert rigged == pytest.approx(reviewed, abs=3.0)  # whole-pixel rounding and mask snapping


def _motion_boxes(bpy, props) -> np.ndarray:
    """(frames, 4) the figure's box (x0, y0, x1, y1) in its own camera's picture, every scene frame."""
    from animate_drawing.addon.output import scene_setup

    scene = bpy.context.scene
    depsgraph = bpy.context.evaluated_depsgraph_get()
    boxes = []
    for frame in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(frame)
        world = scene_setup.evaluated_world_vertices(props.mesh_object, depsgraph)
        pixels = scene_setup.project_to_pixels(props.camera_object, scene, world)[:, :2]
        boxes.append(np.concatenate([pixels.min(axis=0), pixels.max(axis=0)]))
    return np.array(boxes)


def _assert_framed(boxes: np.ndarray, width: int, height: int) -> None:
    """Every box inside the picture, and the motion filling it along one side (a camera
    framing far too much would pass the first check)."""
    assert boxes[:, :2].min() >= 0 and boxes[:, 2].max() <= width and boxes[:, 3].max() <= height
    filled = max((boxes[:, 2].max() - boxes[:, 0].min()) / width, (boxes[:, 3].max() - boxes[:, 1].min()) / height)
    assert filled > 0.8, f"the motion spans {filled:.0%} of the picture"


@pytest.mark.parametrize("clip", ["jump", str(CLIP)], ids=["jump", "jumping"])
def test_the_characters_camera_frames_every_frame_of_the_motion(blender, clip):
    """The character's own camera holds the whole clip, not only the rest pose (FAIR's jumping
    leaps forward out of it); a clip retargeted later reframes it (the run's strides)."""
    bpy = blender
    from conftest import ANNOTATED

    folder = ANNOTATED / "xkromkad_AnimatedDrawings-1__postava_out"
    if not folder.is_dir() or not CLIP.exists():
        pytest.skip("shared drawings or BVH clips missing")
    scene = bpy.context.scene
    width, height = scene.render.resolution_x, scene.render.resolution_y = 640, 480
    assert bpy.ops.animate_drawing.animate(filepath=str(folder / "char_cfg.yaml"), clip=clip) == {"FINISHED"}
    props = bpy.context.view_layer.objects.active.animate_drawing
    _assert_framed(_motion_boxes(bpy, props), width, height)
    assert bpy.ops.animate_drawing.retarget(clip="run") == {"FINISHED"}
    _assert_framed(_motion_boxes(bpy, props), width, height)


def test_a_hidden_character_keeps_its_camera_when_a_clip_is_retargeted(blender):
    """Nothing to frame (the artist hid the mesh) is no failure: the clip is keyed, the camera stays."""
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("shared data missing")
    assert bpy.ops.animate_drawing.animate(filepath=str(dirs[0] / "char_cfg.yaml"), clip="idle") == {"FINISHED"}
    props = bpy.context.view_layer.objects.active.animate_drawing
    props.mesh_object.hide_render = True
    aimed = (tuple(props.camera_object.location), props.camera_object.data.ortho_scale)
    assert bpy.ops.animate_drawing.retarget(clip="jump") == {"FINISHED"}
    assert (tuple(props.camera_object.location), props.camera_object.data.ortho_scale) == aimed
