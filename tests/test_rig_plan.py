"""RigPlan: pixel → world mapping, naming and the assembled fields."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from animate_drawing.formats.char_cfg import CharacterConfig, Joint
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.mesh import signed_areas
from animate_drawing.rig.plan import CHARACTER_HEIGHT, build_rig_plan, sanitize_name

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
BOY = ANNOTATED / "limefresh5455_animation_drawing__boyHERE"


def _plan():
    if not BOY.is_dir():
        pytest.skip("../shared/data is not beside the repository")
    texture, mask, config = load_character_dir(BOY)
    return build_rig_plan(texture[..., :3], mask, config, BOY / "texture.png"), mask


@pytest.mark.blender
def test_world_mapping_puts_feet_on_the_ground_and_root_on_the_axis():
    plan, mask = _plan()
    world = plan.vertices_world
    assert world.shape == (len(plan.vertices_uv), 3) and not world[:, 1].any()
    rows = np.nonzero(mask.any(axis=1))[0]
    assert abs(plan.origin_uv[1] - rows[-1]) <= 1.0
    assert plan.scale == pytest.approx(CHARACTER_HEIGHT / (rows[-1] - rows[0]), rel=0.01)
    assert world[:, 2].min() == pytest.approx(0.0, abs=1e-9)
    assert world[:, 2].max() == pytest.approx(CHARACTER_HEIGHT)
    root = plan.to_world(plan.config.joint("root").loc)
    assert root[0] == pytest.approx(0.0) and root[2] > 0.5
    # u grows to the right = +x; v grows down = −z.
    step = plan.to_world([[10.0, 10.0], [11.0, 10.0], [10.0, 11.0]])
    assert step[1, 0] - step[0, 0] == pytest.approx(plan.scale)
    assert step[2, 2] - step[0, 2] == pytest.approx(-plan.scale)
    assert plan.to_world(np.zeros((4, 5, 2))).shape == (4, 5, 3)


@pytest.mark.blender
def test_world_triangles_face_the_camera():
    plan, _ = _plan()
    world = plan.vertices_world
    p = world[plan.triangles]
    normals = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
    assert (normals[:, 1] < 0).all(), "normals point to −Y, toward the camera"
    assert np.allclose(signed_areas(plan.vertices_uv, plan.triangles) * plan.scale ** 2, -normals[:, 1] / 2)


@pytest.mark.blender
def test_plan_fields_are_consistent():
    plan, mask = _plan()
    assert plan.name == "texture"
    assert plan.texture.shape == mask.shape + (4,) and plan.texture.dtype == np.uint8
    assert np.array_equal(plan.texture[..., 3], np.where(mask, 255, 0))
    assert [b.name for b in plan.bones] == plan.config.names
    assert plan.weights.shape == (len(plan.vertices_uv), len(plan.bones))
    assert plan.triangles.dtype == np.int32 and plan.triangle_bone.shape == (len(plan.triangles),)
    for joint, vertex in zip(plan.config.joints, plan.joint_vertex):
        assert np.allclose(plan.vertices_uv[vertex], joint.loc)
        assert plan.bones[plan.config.index(joint.name)].head_uv == pytest.approx(joint.loc)


@pytest.mark.blender
def test_density_is_passed_through():
    texture = np.full((200, 100, 3), 128, np.uint8)
    mask = np.zeros((200, 100), bool)
    mask[20:190, 30:70] = True
    config = CharacterConfig(100, 200, [Joint("root", None, (50, 120)), Joint("torso", "root", (50, 40))])
    coarse = build_rig_plan(texture, mask, config, "a", density=0.5)
    fine = build_rig_plan(texture, mask, config, "a", density=2.0)
    assert len(fine.vertices_uv) > 3 * len(coarse.vertices_uv)
    assert np.allclose(coarse.weights.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("given, expected", [
    ("/photos/My Drawing (1).JPG", "My_Drawing_1"),
    ("kid's dog.png", "kid_s_dog"),
    ("Ünïcødé drawing.jpeg", "Unicde_drawing"),
    ("絵.png", "drawing"),
    ("...", "drawing"),
    ("folder/", "folder"),
    ("x" * 80 + ".png", "x" * 48),
    (Path("a/b/garlic.out.png"), "garlic_out"),
])
def test_sanitize_name(given, expected):
    assert sanitize_name(given) == expected
