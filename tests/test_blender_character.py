"""Importing AnimatedDrawings characters into real Blender: skinning, persistence, bad input."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from animate_drawing.rig.plan import sanitize_name
from animate_drawing.rig.underlay import UNDERLAY_DEPTH
from conftest import annotated_biped_dirs

pytestmark = pytest.mark.blender

ARM_CHAIN = ("right_shoulder", "right_elbow", "right_hand")
POSE_ANGLE = math.radians(45.0)


def _import(bpy, directory) -> "bpy.types.Object":
    result = bpy.ops.animate_drawing.import_character(filepath=str(directory))
    assert result == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    assert armature.type == "ARMATURE" and armature.animate_drawing.is_character
    return armature


def _evaluated_vertices(bpy, obj) -> np.ndarray:
    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = obj.evaluated_get(depsgraph).to_mesh()
    try:
        co = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
        mesh.vertices.foreach_get("co", co)
    finally:
        obj.evaluated_get(depsgraph).to_mesh_clear()
    return co.reshape(-1, 3)


def _rest_vertices(obj) -> np.ndarray:
    co = np.empty(len(obj.data.vertices) * 3, dtype=np.float64)
    obj.data.vertices.foreach_get("co", co)
    return co.reshape(-1, 3)


def _group_weights(obj, names) -> np.ndarray:
    """(N,) sum of each vertex's weights in the named vertex groups."""
    indices = {obj.vertex_groups[name].index for name in names if name in obj.vertex_groups}
    return np.array([sum(g.weight for g in v.groups if g.group in indices) for v in obj.data.vertices])


def _check_arm_pose(bpy, armature) -> None:
    """With the right upper arm turned +45°, fully arm-skinned vertices turn rigidly about the
    shoulder, counter-clockwise as the camera sees it; vertices without arm weight stay put."""
    mesh_obj = armature.animate_drawing.mesh_object
    rest = _rest_vertices(mesh_obj)
    posed = _evaluated_vertices(bpy, mesh_obj)
    arm_weight = _group_weights(mesh_obj, ARM_CHAIN)
    shoulder = np.array(armature.data.bones["right_shoulder"].head_local)
    hand = np.array(armature.data.bones["right_hand"].head_local)
    arm_length = np.linalg.norm(hand - shoulder)

    rigid = arm_weight > 0.999
    offset = rest[rigid] - shoulder
    cos, sin = math.cos(POSE_ANGLE), math.sin(POSE_ANGLE)
    expected = shoulder + np.column_stack([cos * offset[:, 0] - sin * offset[:, 2], offset[:, 1],
                                           sin * offset[:, 0] + cos * offset[:, 2]])
    np.testing.assert_allclose(posed[rigid], expected, atol=1e-3)  # 0.05 % of the height

    near_hand = rigid & (np.linalg.norm(rest - hand, axis=1) < 0.25 * arm_length)
    assert near_hand.sum() >= 3
    moved = np.linalg.norm(posed[near_hand] - rest[near_hand], axis=1)
    assert moved.min() > 0.5 * arm_length  # chord of 45° at the hand ≈ 0.77 × arm length

    still = arm_weight == 0.0
    assert still.mean() > 0.3
    np.testing.assert_allclose(posed[still], rest[still], atol=1e-6)


@pytest.mark.parametrize("directory", annotated_biped_dirs(), ids=lambda d: d.name[:40])
def test_import_skins_the_drawing_so_the_arm_bends(blender, directory):
    bpy = blender
    armature = _import(bpy, directory)
    armature.pose.bones["right_shoulder"].rotation_euler[2] = POSE_ANGLE
    _check_arm_pose(bpy, armature)


def test_character_survives_save_and_reload(blender, tmp_path):
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("no annotated drawings")
    armature = _import(bpy, dirs[0])
    armature.pose.bones["right_shoulder"].rotation_euler[2] = POSE_ANGLE
    before = _evaluated_vertices(bpy, armature.animate_drawing.mesh_object)
    name = armature.name
    path = tmp_path / "character.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(path))

    armature = bpy.data.objects[name]
    props = armature.animate_drawing
    assert props.is_character and props.character_name == sanitize_name(dirs[0].name)
    assert props.texture_image.packed_file is not None and props.mask_image.packed_file is not None
    assert "right_shoulder" in props.config_json
    from animate_drawing.addon.build.build_material import read_image_rgba, read_mask
    from animate_drawing.rig.character import load_character_dir

    texture, mask, _config = load_character_dir(dirs[0])
    np.testing.assert_array_equal(read_mask(props.mask_image), mask)
    np.testing.assert_array_equal(read_image_rgba(props.texture_image)[mask], texture[mask])
    np.testing.assert_allclose(_evaluated_vertices(bpy, props.mesh_object), before, atol=1e-6)
    _check_arm_pose(bpy, armature)


def test_second_import_gets_its_own_collection_and_keeps_the_first(blender):
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("no annotated drawings")
    user_object = bpy.data.objects.new(sanitize_name(dirs[0].name), None)  # the user's own object, same name
    bpy.context.scene.collection.objects.link(user_object)
    first = _import(bpy, dirs[0])
    second = _import(bpy, dirs[0] / "char_cfg.yaml")
    first_props, second_props = first.animate_drawing, second.animate_drawing
    assert first_props.character_name != second_props.character_name
    assert second_props.character_name.startswith(first_props.character_name + ".")
    for props in (first_props, second_props):
        collection = bpy.data.collections[props.character_name]
        assert {o.type for o in collection.objects} == {"ARMATURE", "MESH", "CAMERA"}
    assert first_props.mesh_object != second_props.mesh_object
    assert bpy.data.objects.get(user_object.name) == user_object
    assert len(first_props.mesh_object.data.vertices) > 0


def _broken_copy(source: Path, tmp_path: Path, breakage: str) -> tuple[Path, str]:
    """A copy of a character folder broken one way; returns (folder, file the error must name)."""
    import cv2

    target = tmp_path / "broken"
    shutil.copytree(source, target)
    mask_path = target / "mask.png"
    if breakage == "missing mask":
        mask_path.unlink()
        return target, "mask.png"
    if breakage == "corrupt mask":
        mask_path.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
        return target, "mask.png"
    if breakage == "empty mask":
        mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
        cv2.imwrite(str(mask_path), np.zeros_like(mask))
        return target, "mask.png"
    if breakage == "mismatched sizes":
        mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
        cv2.imwrite(str(mask_path), cv2.resize(mask, (mask.shape[1] // 2, mask.shape[0] // 2)))
        return target, "mask.png"
    if breakage == "joints outside the image":
        import yaml

        cfg_path = target / "char_cfg.yaml"
        cfg = yaml.safe_load(cfg_path.read_text())
        cfg["skeleton"][6]["loc"] = [cfg["width"] * 3, -cfg["height"]]
        cfg_path.write_text(yaml.safe_dump(cfg))
        return target, "char_cfg.yaml"
    raise ValueError(breakage)


@pytest.mark.parametrize("breakage", ["missing mask", "corrupt mask", "empty mask", "mismatched sizes",
                                      "joints outside the image"])
def test_bad_character_folder_is_cancelled_and_leaves_nothing(blender, tmp_path, breakage):
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("no annotated drawings")
    folder, named_file = _broken_copy(dirs[0], tmp_path, breakage)
    before = {name: len(getattr(bpy.data, name)) for name in
              ("objects", "collections", "meshes", "armatures", "images", "materials", "cameras")}
    with pytest.raises(RuntimeError) as raised:  # bpy.ops turns an ERROR report into RuntimeError
        bpy.ops.animate_drawing.import_character(filepath=str(folder))
    assert named_file in str(raised.value)
    after = {name: len(getattr(bpy.data, name)) for name in before}
    assert after == before


def test_layer_offset_moves_a_limb_toward_the_camera(blender):
    """A bone's location[2] (how clips layer limbs) brings its part in front, toward −Y."""
    bpy = blender
    dirs = annotated_biped_dirs()
    if not dirs:
        pytest.skip("no annotated drawings")
    armature = _import(bpy, dirs[0])
    armature.pose.bones["right_shoulder"].location[2] = 0.04
    mesh_obj = armature.animate_drawing.mesh_object
    posed = _evaluated_vertices(bpy, mesh_obj)
    arm_weight = _group_weights(mesh_obj, ARM_CHAIN)
    np.testing.assert_allclose(posed[arm_weight > 0.999, 1], -0.04, atol=1e-5)
    rest = posed[arm_weight == 0.0, 1]                  # the rest: the drawing, or the underlay behind it
    assert np.all(np.isclose(rest, 0.0, atol=1e-6) | np.isclose(rest, UNDERLAY_DEPTH, atol=1e-6))
    assert np.isclose(rest, 0.0, atol=1e-6).mean() > 0.8
