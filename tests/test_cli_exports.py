"""Single-file exports from the command line: .glb re-imports with skin and animation, .blend
reopens with the Action and packed images; both deform the mesh the same way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ANNOTATED, BVH_DIR

pytestmark = pytest.mark.blender
CHARACTER = ANNOTATED / "AnimatedDrawings_Server-Backend__example1"
FRAMES = 30


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    if not (CHARACTER.is_dir() and BVH_DIR.is_dir()):
        pytest.skip("../shared/data is not beside the repository")
    folder = tmp_path_factory.mktemp("exports")
    paths = {}
    for ext in ("glb", "blend", "fbx"):
        paths[ext] = folder / f"hero.{ext}"
        done = subprocess.run(
            [sys.executable, "-m", "animate_drawing.cli", "animate", str(CHARACTER), "--motion",
             str(BVH_DIR / "fair1" / "jumping.bvh"), "--out", str(paths[ext]), "--frames", str(FRAMES),
             "--size", "64", "--json"],
            capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    return paths


def _mesh_bounds(bpy, mesh_object, frame):
    scene = bpy.context.scene
    scene.frame_set(frame)
    evaluated = mesh_object.evaluated_get(bpy.context.evaluated_depsgraph_get())
    co = np.empty(len(evaluated.data.vertices) * 3)
    evaluated.data.vertices.foreach_get("co", co)
    world = co.reshape(-1, 3) @ np.array(evaluated.matrix_world)[:3, :3].T + np.array(evaluated.matrix_world)[:3, 3]
    return np.concatenate([world.min(0), world.max(0)])


def _character_mesh(bpy):
    return next(ob for ob in bpy.data.objects if ob.type == "MESH" and ob.find_armature() is not None)


def test_blend_reopens_with_action_and_packed_images(blender, exported):
    bpy = blender
    bpy.ops.wm.open_mainfile(filepath=str(exported["blend"]))
    armature = next(ob for ob in bpy.data.objects if ob.type == "ARMATURE")
    action = armature.animation_data.action
    assert action is not None and action.name.endswith("|jumping")
    assert action.frame_range[1] > FRAMES  # the whole clip is kept, only the render was cut
    images = [image for image in bpy.data.images if image.users]
    assert images and all(image.packed_file for image in images)
    assert bpy.context.scene.frame_end - bpy.context.scene.frame_start + 1 == FRAMES
    mesh = _character_mesh(bpy)
    assert np.abs(_mesh_bounds(bpy, mesh, 1) - _mesh_bounds(bpy, mesh, FRAMES)).max() > 0.01


def test_glb_reimports_skinned_and_animated_like_the_blend(blender, exported):
    bpy = blender
    bpy.ops.wm.open_mainfile(filepath=str(exported["blend"]))
    mesh = _character_mesh(bpy)
    expected = {frame: _mesh_bounds(bpy, mesh, frame) for frame in (1, FRAMES // 2, FRAMES)}

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.context.scene.render.fps = 30  # glTF stores seconds: import on the same frame grid
    bpy.ops.import_scene.gltf(filepath=str(exported["glb"]))
    imported = _character_mesh(bpy)
    assert len(imported.vertex_groups) > 5
    armature = imported.find_armature()
    assert armature.animation_data is not None and armature.animation_data.action is not None
    assert any(node.type == "TEX_IMAGE" and node.image and node.image.size[0] > 0
               for node in imported.active_material.node_tree.nodes)  # the drawing travels along
    for frame, bounds in expected.items():
        np.testing.assert_allclose(_mesh_bounds(bpy, imported, frame), bounds, atol=2e-3)


def test_fbx_reimports_skinned_and_animated_like_the_blend(blender, exported):
    bpy = blender
    bpy.ops.wm.open_mainfile(filepath=str(exported["blend"]))
    mesh = _character_mesh(bpy)
    expected = {frame: _mesh_bounds(bpy, mesh, frame) for frame in (1, FRAMES)}

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.context.scene.render.fps = 30
    bpy.ops.import_scene.fbx(filepath=str(exported["fbx"]))
    imported = _character_mesh(bpy)
    assert imported.find_armature().animation_data.action is not None
    for frame, bounds in expected.items():
        np.testing.assert_allclose(_mesh_bounds(bpy, imported, frame), bounds, atol=2e-3)


def test_a_batch_blend_opens_on_a_character_camera_that_frames_the_whole_motion(blender, tmp_path):
    """The character's own camera in a CLI .blend framed the rest pose (the figure a third of the
    frame, a jump's top free to leave it); it now frames every pose of the clip as the render did."""
    if not CHARACTER.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    from animate_drawing.addon.output.scene_setup import evaluated_world_vertices, project_to_pixels

    target = tmp_path / "jump.blend"
    done = subprocess.run([sys.executable, "-m", "animate_drawing.cli", "animate", str(CHARACTER), "--motion", "jump",
                           "--out", str(target), "--size", "64"],
                          capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    bpy = blender
    bpy.ops.wm.open_mainfile(filepath=str(target))
    scene = bpy.context.scene
    armature = next(ob for ob in bpy.data.objects if ob.type == "ARMATURE")
    camera, mesh = armature.animate_drawing.camera_object, armature.animate_drawing.mesh_object
    size = np.array([scene.render.resolution_x, scene.render.resolution_y])
    low, high = np.full(2, np.inf), np.full(2, -np.inf)
    for frame in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(frame)
        pixels = project_to_pixels(camera, scene, evaluated_world_vertices(mesh, bpy.context.evaluated_depsgraph_get()))
        low, high = np.minimum(low, pixels[:, :2].min(0)), np.maximum(high, pixels[:, :2].max(0))
    assert np.all(low >= 0) and np.all(high <= size)             # every frame's figure inside
    assert np.max((high - low) / size) > 0.8                     # the motion fills the frame
    render = scene.camera                                        # one character: the render's framing
    assert camera.data.ortho_scale == pytest.approx(render.data.ortho_scale, rel=1e-4)
    assert np.allclose(camera.location, render.location, atol=1e-4)


def test_rig_writes_a_blend_with_the_character_and_no_motion(blender, tmp_path):
    if not CHARACTER.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    target = tmp_path / "rigged.blend"
    done = subprocess.run([sys.executable, "-m", "animate_drawing.cli", "rig", str(CHARACTER), "--out", str(target)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    bpy = blender
    bpy.ops.wm.open_mainfile(filepath=str(target))
    armature = next(ob for ob in bpy.data.objects if ob.type == "ARMATURE")
    assert len(armature.data.bones) >= 16 and armature.animation_data is None
    assert _character_mesh(bpy).find_armature() == armature


def test_annotate_writes_character_folders(tmp_path):
    drawing = ANNOTATED.parent / "raw" / "input_0010.png"
    if not drawing.is_file():
        pytest.skip("../shared/data is not beside the repository")
    done = subprocess.run([sys.executable, "-m", "animate_drawing.cli", "annotate", str(drawing), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    folders = [Path(line) for line in done.stdout.split()]
    assert folders and all((f / "char_cfg.yaml").is_file() and (f / "texture.png").is_file() for f in folders)
    bad = subprocess.run([sys.executable, "-m", "animate_drawing.cli", "annotate", str(tmp_path / "nope.png"),
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "nope.png" in bad.stderr
