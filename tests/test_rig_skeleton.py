"""Bone rules from docs/ARCHITECTURE.md on real and synthetic joint sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from animate_drawing.formats.char_cfg import CharacterConfig, Joint, load_char_cfg
from animate_drawing.rig.skeleton import (
    LEAF_LENGTH_RATIO, ZERO_LENGTH_RATIO, bone_index, bone_moving_joint, plan_bones,
)

ANNOTATED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "drawings" / "annotated"
CFG_FILES = sorted(ANNOTATED.glob("*/char_cfg.yaml")) if ANNOTATED.is_dir() else []


def _by_name(bones):
    return {b.name: b for b in bones}


def _direction(a, b):
    d = np.subtract(b, a)
    return d / np.linalg.norm(d)


def _human() -> CharacterConfig:
    return load_char_cfg(ANNOTATED / "Ajaypawar02_AnimatedDrawings__garlic_out" / "char_cfg.yaml")


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
def test_sixteen_joint_figure_gets_the_documented_bones():
    config = _human()
    bones = plan_bones(config, character_height_px=400)
    assert [b.name for b in bones] == config.names
    assert [b.parent for b in bones] == [j.parent for j in config.joints]
    b = _by_name(bones)
    loc = {j.name: j.loc for j in config.joints}
    # Joints with children point at their primary child.
    assert b["hip"].tail_uv == loc["torso"] and b["torso"].tail_uv == loc["neck"]
    assert b["right_shoulder"].tail_uv == loc["right_elbow"] and b["left_knee"].tail_uv == loc["left_foot"]
    # root and hip coincide: a vertical tail, 0.1 × height long, pointing up the drawing (−v).
    assert b["root"].head_uv == loc["root"]
    assert np.allclose(np.subtract(b["root"].tail_uv, b["root"].head_uv), (0.0, -ZERO_LENGTH_RATIO * 400))
    assert not b["root"].deform and all(bone.deform for bone in bones if bone.name != "root")
    # Leaves continue their parent's direction at 0.35 × the parent bone's length.
    for leaf, parent in (("right_hand", "right_elbow"), ("left_foot", "left_knee"), ("neck", "torso")):
        assert b[leaf].head_uv == loc[leaf]
        assert b[leaf].length == pytest.approx(LEAF_LENGTH_RATIO * b[parent].length)
        assert np.allclose(_direction(b[leaf].head_uv, b[leaf].tail_uv), _direction(loc[parent], loc[leaf]))


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
@pytest.mark.parametrize("path", CFG_FILES, ids=lambda p: p.parent.name)
def test_every_annotated_skeleton_gives_one_bone_per_joint(path):
    config = load_char_cfg(path)
    bones = plan_bones(config)
    assert len(bones) == len(config.joints)
    assert all(bone.length > 0 for bone in bones)
    names = {bone.name for bone in bones}
    assert all(bone.parent is None or bone.parent in names for bone in bones)
    assert any(bone.deform for bone in bones)


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
def test_robot_variant_with_two_roots_and_face_joints():
    config = load_char_cfg(ANNOTATED / "martinbarry59_AnimatedDrawing__robot" / "char_cfg.yaml")
    b = _by_name(plan_bones(config))
    assert b["nose"].parent is None and b["root"].parent is None
    # root and hip are 2.8 px apart on a 759 px character: treated as coinciding.
    assert not b["root"].deform and b["root"].tail_uv[0] == b["root"].head_uv[0]
    # nose has two children (the eyes): the farther one is primary.
    assert b["nose"].tail_uv == config.joint("left_eye").loc
    assert b["right_ear"].length == pytest.approx(LEAF_LENGTH_RATIO * b["right_eye"].length)


def test_extra_arm_and_isolated_joint():
    config = CharacterConfig(100, 100, [
        Joint("root", None, (50, 80)), Joint("torso", "root", (50, 40)),
        Joint("arm_a", "torso", (20, 40)), Joint("arm_b", "torso", (80, 40)), Joint("arm_c", "torso", (50, 5)),
        Joint("tail", "root", (50, 80)), Joint("star", None, (5, 5)),
    ])
    b = _by_name(plan_bones(config, character_height_px=100))
    assert b["torso"].tail_uv == (50, 5)           # farthest child when no PRIMARY_CHILD rule applies
    assert b["root"].tail_uv == (50, 40)           # PRIMARY_CHILD does not apply: farthest child
    assert np.allclose(b["star"].tail_uv, (5, 5 - ZERO_LENGTH_RATIO * 100)) and not b["star"].deform
    # A leaf sitting on its parent joint continues the parent bone's direction.
    assert np.allclose(_direction(b["tail"].head_uv, b["tail"].tail_uv), (0.0, -1.0))
    assert b["arm_a"].tail_uv[0] < 20 and b["arm_b"].tail_uv[0] > 80


def test_joint_to_bone_mapping():
    config = CharacterConfig(10, 10, [Joint("root", None, (5, 5)), Joint("knee", "root", (5, 8)),
                                      Joint("foot", "knee", (5, 9))])
    bones = plan_bones(config)
    assert bone_index(bones) == {"root": 0, "knee": 1, "foot": 2}
    assert bone_moving_joint(config, "foot") == "knee"
    assert bone_moving_joint(config, "root") == "root"


@pytest.mark.skipif(not CFG_FILES, reason="../shared/data is not beside the repository")
def test_bones_folded_onto_the_spine_skin_nothing():
    """The garlic annotations put the "neck" (nose) below the "torso" joint: the torso and neck
    bones lie along the spine and would slice the body into strips if they carried weights."""
    config = load_char_cfg(ANNOTATED / "AnimatedDrawings_Server-Backend__garlic" / "char_cfg.yaml")
    b = _by_name(plan_bones(config))
    assert not b["torso"].deform and not b["neck"].deform
    assert b["hip"].deform and b["right_hand"].deform and b["left_foot"].deform
    # A leaf continuing its parent (beyond the parent's tail) is not a fold.
    human = _by_name(plan_bones(_human()))
    assert human["torso"].deform and human["neck"].deform and human["right_hand"].deform
