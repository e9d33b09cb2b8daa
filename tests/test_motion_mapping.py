"""Skeleton presets and auto-mapping on real clips and on skeletons written here."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from animate_drawing.errors import InputError
from animate_drawing.motions.bvh import BvhClip, BvhJoint, load_bvh
from animate_drawing.motions.mapping import (
    OUR_JOINTS, analyze_skeleton, auto_map, builtin_presets, detect_up_forward, find_preset, load_preset,
    save_preset,
)

BVH_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bvh"
needs_shared = pytest.mark.skipif(not BVH_DIR.is_dir(), reason="../shared/data is not beside the repository")

FAIR_EXPECTED = {
    "root": "Hips", "hip": "Hips", "torso": "Spine3", "neck": "Head",
    "right_shoulder": "RightArm", "right_elbow": "RightForeArm", "right_hand": "RightHand",
    "left_shoulder": "LeftArm", "left_elbow": "LeftForeArm", "left_hand": "LeftHand",
    "right_hip": "RightUpLeg", "right_knee": "RightLeg", "right_foot": "RightFoot",
    "left_hip": "LeftUpLeg", "left_knee": "LeftLeg", "left_foot": "LeftFoot",
}
CMU_EXPECTED = {
    "root": "Hips", "hip": "Hips", "torso": "Chest2", "neck": "Head",
    "right_shoulder": "RightShoulder", "right_elbow": "RightElbow", "right_hand": "RightWrist",
    "left_shoulder": "LeftShoulder", "left_elbow": "LeftElbow", "left_hand": "LeftWrist",
    "right_hip": "RightHip", "right_knee": "RightKnee", "right_foot": "RightAnkle",
    "left_hip": "LeftHip", "left_knee": "LeftKnee", "left_foot": "LeftAnkle",
}


def biped_clip(names: dict[str, str], *, up=(0, 1, 0), forward=(0, 0, 1), extra_spine=(),
               prefix="", frames=4) -> BvhClip:
    """A small humanoid: `names` maps roles (hips, spine, chest, neck, head, clavicle, arm,
    forearm, hand, upleg, leg, foot, toe) to name templates with {side} = Left/Right.
    The actor's own right is forward × up."""
    up, forward = np.array(up, float), np.array(forward, float)
    right = np.cross(forward, up)
    joints: list[BvhJoint] = []

    def add(role, parent, offset, side=None, end=None):
        name = prefix + names[role].format(side=side or "")
        joints.append(BvhJoint(name, parent, np.asarray(offset, float),
                               ["Xposition", "Yposition", "Zposition"] * (parent < 0) +
                               ["Zrotation", "Xrotation", "Yrotation"], end))
        return len(joints) - 1

    hips = add("hips", -1, up * 95)
    spine = hips
    for k, role in enumerate(("spine",) + tuple(extra_spine)):
        spine = add(role, spine, up * 10)
    chest = add("chest", spine, up * 12)
    neck = add("neck", chest, up * 12)
    add("head", neck, up * 8, end=up * 15)
    for side, sign in (("Left", -1), ("Right", 1)):
        clav = add("clavicle", chest, up * 8 + sign * right * 4, side)
        arm = add("arm", clav, sign * right * 12, side)
        fore = add("forearm", arm, sign * right * 27, side)
        add("hand", fore, sign * right * 25, side, end=sign * right * 15)
    for side, sign in (("Left", -1), ("Right", 1)):
        upleg = add("upleg", hips, sign * right * 9 - up * 5, side)
        leg = add("leg", upleg, -up * 42, side)
        foot = add("foot", leg, -up * 40, side)
        add("toe", foot, forward * 12 - up * 6, side, end=forward * 6)
    joints = _depth_first(joints)
    total = sum(len(j.channels) for j in joints)
    motion = np.zeros((frames, total))
    motion[:, :3] = up * 95
    return BvhClip("test.bvh", joints, 1 / 30, motion)


def _depth_first(joints):
    order = []

    def visit(i):
        order.append(i)
        for c, j in enumerate(joints):
            if j.parent == i:
                visit(c)
    visit(0)
    new = {old: k for k, old in enumerate(order)}
    return [BvhJoint(joints[o].name, new.get(joints[o].parent, -1), joints[o].offset, joints[o].channels,
                     joints[o].end_site) for o in order]


MIXAMO_NAMES = dict(hips="Hips", spine="Spine", spine1="Spine1", chest="Spine2", neck="Neck", head="Head",
                    clavicle="{side}Shoulder", arm="{side}Arm", forearm="{side}ForeArm", hand="{side}Hand",
                    upleg="{side}UpLeg", leg="{side}Leg", foot="{side}Foot", toe="{side}ToeBase")
ROKOKO_NAMES = dict(hips="Hips", spine="Spine1", spine2="Spine2", spine3="Spine3", chest="Spine4", neck="Neck",
                    head="Head", clavicle="{side}Shoulder", arm="{side}Arm", forearm="{side}ForeArm",
                    hand="{side}Hand", upleg="{side}UpLeg", leg="{side}Leg", foot="{side}Foot", toe="{side}Toe")
ODD_NAMES = dict(hips="pelvis", spine="spine_01", chest="spine_02", neck="neck_01", head="head",
                 clavicle="clavicle_{side}", arm="upperarm_{side}", forearm="lowerarm_{side}", hand="hand_{side}",
                 upleg="thigh_{side}", leg="calf_{side}", foot="foot_{side}", toe="ball_{side}")


def _expected(names, prefix=""):
    e = {"root": names["hips"], "hip": names["hips"], "torso": names["chest"], "neck": names["head"]}
    for side in ("Right", "Left"):
        for ours, role in (("shoulder", "arm"), ("elbow", "forearm"), ("hand", "hand"),
                           ("hip", "upleg"), ("knee", "leg"), ("foot", "foot")):
            e[f"{side.lower()}_{ours}"] = names[role].format(side=side)
    return {k: prefix + v for k, v in e.items()}


@needs_shared
@pytest.mark.parametrize("name, expected", [("fair1/dab.bvh", FAIR_EXPECTED), ("fair1/wave_hello.bvh", FAIR_EXPECTED),
                                            ("cmu1/jumping_jacks.bvh", CMU_EXPECTED)])
def test_real_clips_map_by_preset_and_by_shape_alike(name, expected):
    clip = load_bvh(BVH_DIR / name)
    assert auto_map(clip) == expected
    assert analyze_skeleton(clip).mapping(clip) == expected      # shape + names, no preset


@needs_shared
@pytest.mark.parametrize("name, expected", [("fair1/dab.bvh", FAIR_EXPECTED), ("cmu1/jumping_jacks.bvh", CMU_EXPECTED)])
def test_anonymous_joint_names_map_from_geometry_alone(name, expected):
    clip = load_bvh(BVH_DIR / name)
    anonymous = copy.deepcopy(clip)
    for i, joint in enumerate(anonymous.joints):
        joint.name = f"j{i}"
    parts = analyze_skeleton(anonymous)
    assert parts.sides_from == "geometry"
    assert parts.mapping(anonymous) == {k: f"j{clip.names.index(v)}" for k, v in expected.items()}


@needs_shared
def test_up_and_forward_detected_on_real_clips():
    up, forward = detect_up_forward(load_bvh(BVH_DIR / "fair1/dab.bvh"))
    assert list(up) == [0, 0, 1] and abs(forward[2]) < 1e-9 and abs(np.linalg.norm(forward) - 1) < 1e-9
    up, forward = detect_up_forward(load_bvh(BVH_DIR / "cmu1/jumping_jacks.bvh"))
    assert list(up) == [0, 1, 0] and forward[2] > 0.95     # CMU actors face +Z


@pytest.mark.parametrize("names, prefix, extra, preset", [
    (MIXAMO_NAMES, "mixamorig:", ("spine1",), "Mixamo"),
    (MIXAMO_NAMES, "", ("spine1",), "Mixamo"),
    (ROKOKO_NAMES, "", ("spine2", "spine3"), "Rokoko"),
    (ODD_NAMES, "", (), None),
])
def test_written_skeletons_map_to_the_right_chains(names, prefix, extra, preset):
    clip = biped_clip(names, prefix=prefix, extra_spine=extra)
    found = find_preset(clip)
    assert (found["name"] if found else None) == preset
    assert auto_map(clip) == _expected(names, prefix)
    assert analyze_skeleton(clip).mapping(clip) == _expected(names, prefix)


@pytest.mark.parametrize("up, forward", [((0, 0, 1), (0, -1, 0)), ((0, 1, 0), (0, 0, -1)), ((0, 0, 1), (1, 0, 0))])
def test_unnamed_skeleton_in_any_orientation(up, forward):
    names = {k: f"{k}{{side}}x" for k in ODD_NAMES}
    clip = biped_clip(names, up=up, forward=forward)
    for i, joint in enumerate(clip.joints):
        joint.name = f"bone{i:02d}"            # nothing left to read from names
    parts = analyze_skeleton(clip)
    mapping = parts.mapping(clip)
    rest = clip.rest_positions()
    right = np.cross(np.array(forward, float), np.array(up, float))
    for side, sign in (("right", 1), ("left", -1)):
        assert sign * np.dot(rest[clip.names.index(mapping[f"{side}_hand"])], right) > 40
        assert sign * np.dot(rest[clip.names.index(mapping[f"{side}_foot"])], right) > 5
    assert list(parts.up) == list(up)
    found_up, found_forward = detect_up_forward(clip)
    assert np.allclose(found_forward, forward)


def test_presets_round_trip_and_bad_presets_are_refused(tmp_path):
    assert {p["name"] for p in builtin_presets()} >= {"FAIR (AnimatedDrawings)", "CMU mocap", "Mixamo", "Rokoko",
                                                      "Blender Rigify metarig"}
    for preset in builtin_presets():
        assert set(preset["joints"]) == set(OUR_JOINTS)
    save_preset(tmp_path / "mine.json", "mine", FAIR_EXPECTED, up="z")
    loaded = load_preset(tmp_path / "mine.json")
    assert loaded["joints"] == FAIR_EXPECTED and loaded["up"] == "z" and loaded["name"] == "mine"
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="bad.json: not a JSON preset"):
        load_preset(tmp_path / "bad.json")
    (tmp_path / "empty.json").write_text('{"joints": {}}')
    with pytest.raises(InputError, match="non-empty 'joints'"):
        load_preset(tmp_path / "empty.json")
    (tmp_path / "axis.json").write_text('{"joints": {"root": "Hips"}, "up": "w"}')
    with pytest.raises(InputError, match="'up' must be one of"):
        load_preset(tmp_path / "axis.json")


def test_skeleton_without_legs_is_refused_cleanly():
    clip = BvhClip("snake.bvh", [BvhJoint(f"s{i}", i - 1, np.array([0, 1.0, 0]), ["Zrotation"]) for i in range(5)],
                   0.1, np.zeros((2, 5)))
    with pytest.raises(InputError, match="snake.bvh: cannot find a biped skeleton"):
        auto_map(clip)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=40), st.randoms(use_true_random=False))
def test_auto_map_on_random_trees_maps_everything_or_refuses(parents, rnd):
    """Whatever the tree, auto-mapping returns all 16 joints or an InputError, nothing else."""
    joints = [BvhJoint("j0", -1, np.zeros(3), ["Zrotation"])]
    for i, p in enumerate(parents, start=1):
        offset = np.array([rnd.choice([0.0, rnd.uniform(-10, 10)]) for _ in range(3)])
        joints.append(BvhJoint(f"{rnd.choice(['', 'Left', 'Right', 'l', 'R_'])}j{i}", min(p, i - 1), offset,
                               ["Zrotation"]))
    clip = BvhClip("tree.bvh", _depth_first(joints), 0.1, np.zeros((2, len(joints))))
    try:
        mapping = auto_map(clip)
    except InputError as err:
        assert str(err).startswith("tree.bvh: ")
        return
    assert set(mapping) == set(OUR_JOINTS) and set(mapping.values()) <= set(clip.names)
