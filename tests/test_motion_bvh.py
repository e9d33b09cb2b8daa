"""BVH parser and forward kinematics: real clips, odd formatting, malformed files, fuzzing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from animate_drawing.errors import InputError
from animate_drawing.motions.bvh import BvhClip, BvhJoint, load_bvh, parse_bvh, write_bvh

BVH_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "bvh"
REAL_CLIPS = {  # file: (frames, joints, channels, fps)
    "fair1/dab.bvh": (339, 27, 84, 30.0),
    "fair1/jumping.bvh": (654, 27, 84, 119.88),
    "fair1/wave_hello.bvh": (839, 27, 84, 119.88),
    "cmu1/jumping_jacks.bvh": (125, 31, 96, 30.0),
}
needs_shared = pytest.mark.skipif(not BVH_DIR.is_dir(), reason="../shared/data is not beside the repository")

SMALL = """HIERARCHY
ROOT Hips
{
\tOFFSET 0 0 0
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
\tJOINT Spine
\t{
\t\tOFFSET 0 10 0
\t\tCHANNELS 3 Yrotation Xrotation Zrotation
\t\tEnd Site
\t\t{
\t\t\tOFFSET 0 5 0
\t\t}
\t}
\tJOINT Leg
\t{
\t\tOFFSET 2 -1 0
\t\tCHANNELS 3 Xrotation Yrotation Zrotation
\t\tEnd Site
\t\t{
\t\t\tOFFSET 0 -8 0
\t\t}
\t}
}
MOTION
Frames: 3
Frame Time: 0.04
0 90 0 0 0 0 0 0 0 0 0 0
1 90 0 90 0 0 0 0 0 0 0 0
2 90 0 0 0 30 0 0 45 0 0 0
"""


@needs_shared
@pytest.mark.parametrize("name", sorted(REAL_CLIPS))
def test_real_clips_parse_with_their_declared_shape(name):
    clip = load_bvh(BVH_DIR / name)
    frames, joints, channels, fps = REAL_CLIPS[name]
    assert clip.motion.shape == (frames, channels)
    assert len(clip.joints) == joints
    assert clip.fps == pytest.approx(fps, rel=1e-3)
    assert np.isfinite(clip.world_positions()).all()


@needs_shared
def test_fair_skeleton_is_z_up_and_cmu_y_up():
    fair = load_bvh(BVH_DIR / "fair1/dab.bvh").world_positions()
    cmu = load_bvh(BVH_DIR / "cmu1/jumping_jacks.bvh")
    head_minus_hips = lambda p, clip: (p[:, clip.joint_index("Head")] - p[:, 0]).mean(0)  # noqa: E731
    fair_clip = load_bvh(BVH_DIR / "fair1/dab.bvh")
    assert np.argmax(np.abs(head_minus_hips(fair, fair_clip))) == 2
    assert np.argmax(np.abs(head_minus_hips(cmu.world_positions(), cmu))) == 1


def test_forward_kinematics_follows_channel_order():
    clip = parse_bvh(SMALL, "small.bvh")
    pos = clip.world_positions()
    # Frame 0: rest pose translated to (0, 90, 0).
    assert np.allclose(pos[0], [[0, 90, 0], [0, 100, 0], [2, 89, 0]])
    # Frame 1: root Zrotation 90 (counter-clockwise about Z) turns +Y into -X.
    assert np.allclose(pos[1, 1], [1 - 10, 90, 0])
    assert np.allclose(pos[1, 2], [1 + 1, 90 + 2, 0])
    # Frame 2: root Y 30 then Spine Z 45: the End Site follows R_y(30) · R_z(45) · (0, 5, 0).
    ends = clip.end_site_positions()
    c, s = np.cos(np.radians(30)), np.sin(np.radians(30))
    r_y = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    tip = np.array([-np.sin(np.radians(45)) * 5, np.cos(np.radians(45)) * 5, 0])
    assert np.allclose(ends[1][2], pos[2, 1] + r_y @ tip)


def test_tabs_spaces_and_crlf_parse_identically():
    reference = parse_bvh(SMALL, "a.bvh")
    variants = [
        SMALL.replace("\n", "\r\n"),
        SMALL.replace("\t", "    "),
        SMALL.replace("\t", " \t  ").replace(" 0 ", "   0\t"),
        SMALL.replace("\n", "\r"),
        SMALL + "\n\n   \n",
    ]
    for text in variants:
        clip = parse_bvh(text, "b.bvh")
        assert clip.names == reference.names
        assert np.array_equal(clip.motion, reference.motion)


def test_write_then_parse_round_trips(tmp_path):
    clip = parse_bvh(SMALL, "small.bvh")
    write_bvh(clip, tmp_path / "out.bvh")
    again = load_bvh(tmp_path / "out.bvh")
    assert again.names == clip.names
    assert [j.channels for j in again.joints] == [j.channels for j in clip.joints]
    assert np.allclose(again.world_positions(), clip.world_positions(), atol=1e-3)


@needs_shared
def test_real_clip_round_trips_through_writer(tmp_path):
    clip = load_bvh(BVH_DIR / "cmu1/jumping_jacks.bvh")
    write_bvh(clip, tmp_path / "jj.bvh")
    again = load_bvh(tmp_path / "jj.bvh")
    assert np.allclose(again.world_positions(), clip.world_positions(), atol=1e-2)


@pytest.mark.parametrize("mutate, message", [
    (lambda s: s[: s.rindex(" 0 0 0")], "line 30: expected 12 values, got 9 (file truncated?)"),
    (lambda s: s.replace("2 90 0 0 0 30", "2 90 0 0 0 nan"), "line 30: 'nan' is not a finite number"),
    (lambda s: s.replace("1 90 0 90", "1 90 0 x90"), "line 29: 'x90' is not a number"),
    (lambda s: s.replace("1 90 0 90 0 0 0 0 0 0 0 0", "1 90 0 90 0 0 0 0 0 0 0"), "line 29: expected 12 values, got 11"),
    (lambda s: s.replace("Frame Time: 0.04", "Frame Time: -0.04"), "line 27: frame time must be a positive"),
    (lambda s: s.replace("Frame Time: 0.04", "Frame Time: 0"), "line 27: frame time must be a positive"),
    (lambda s: s.replace("Frames: 3", "Frames: 99999999999"), "line 26: 99999999999 frames is more than"),
    (lambda s: s.replace("Frames: 3", "Frames: 4"), "line 26: 'Frames: 4' but only 3 frame lines follow"),
    (lambda s: s.replace("Frames: 3", "Frames: 0"), "line 26: the clip has 0 frames"),
    (lambda s: s.replace("Frames: 3", "Frames: three"), "line 26: frame count 'three' is not a whole number"),
    (lambda s: s[: s.index("ROOT")] + s[s.index("MOTION"):], "the HIERARCHY holds no joints"),
    (lambda s: s[:200], "no MOTION section"),
    (lambda s: s.replace("Zrotation Xrotation Yrotation", "Zrotation Xrotation Wrotation"), "line 5: unknown channel 'Wrotation'"),
    (lambda s: s.replace("JOINT Leg", "JOINT Spine"), "line 15: joint name 'Spine' is used twice"),
    (lambda s: s.replace("\t\tOFFSET 0 10 0\n", ""), "line 6: joint 'Spine' has no OFFSET"),
    (lambda s: s.replace("OFFSET 2 -1 0", "OFFSET 2 inf 0"), "line 17: OFFSET holds a non-finite number"),
    (lambda s: s.replace("MOTION", "}\nMOTION"), "unmatched '}'"),
    (lambda s: s.replace("\t}\n}\nMOTION", "\t}\nMOTION"), "unclosed '{' (truncated?)"),
    (lambda s: "garbage\n" + s, "line 1: expected HIERARCHY"),
])
def test_malformed_files_are_refused_with_file_and_line(mutate, message):
    with pytest.raises(InputError) as info:
        parse_bvh(mutate(SMALL), "bad.bvh")
    assert str(info.value).startswith("bad.bvh: ")
    assert message in str(info.value)


def test_deeply_nested_hierarchy_is_refused():
    depth = 400
    text = "HIERARCHY\n" + "".join(
        f"{'ROOT' if i == 0 else 'JOINT'} j{i}\n{{\nOFFSET 0 1 0\nCHANNELS 3 Xrotation Yrotation Zrotation\n"
        for i in range(depth)) + "}\n" * depth + "MOTION\nFrames: 1\nFrame Time: 0.1\n" + "0 " * 3 * depth + "\n"
    with pytest.raises(InputError, match="nested deeper than 256"):
        parse_bvh(text, "deep.bvh")


def test_unreadable_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_bvh(tmp_path / "missing.bvh")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_files_parse_or_fail_cleanly(data):
    """Random edits of a valid file: the parser returns a consistent clip or an InputError."""
    text = SMALL
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["delete", "insert", "replace", "truncate"]))
        at = data.draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + data.draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:at] + data.draw(st.text(alphabet="{}0123456789.-eE \t\n\rnaJOINTEndSite:", max_size=12)) + text[at:]
        elif kind == "replace":
            text = text[:at] + data.draw(st.sampled_from(["nan", "1e999", "-", "{", "}", "\n", "End Site"])) + text[at + 1:]
        else:
            text = text[:at]
    try:
        clip = parse_bvh(text, "fuzz.bvh")
    except InputError as err:
        assert str(err).startswith("fuzz.bvh: ")
        return
    assert clip.motion.shape[1] == sum(len(j.channels) for j in clip.joints)
    assert np.isfinite(clip.motion).all() and clip.frame_time > 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 8), min_size=1, max_size=9), st.integers(1, 5),
       st.lists(st.sampled_from(["XYZ", "ZXY", "ZYX", "YXZ"]), min_size=9, max_size=9), st.randoms())
def test_random_skeletons_round_trip(parents, frames, orders, rnd):
    """Random trees, rotation orders and position channels survive write → parse unchanged."""
    joints = []
    for i, p in enumerate(parents):
        parent = min(p, i - 1) if i else -1
        channels = [f"{a}rotation" for a in orders[i]]
        if i == 0 or rnd.random() < 0.3:
            channels = ["Xposition", "Yposition", "Zposition"] + channels
        joints.append(BvhJoint(f"j{i}", parent, np.array([rnd.uniform(-5, 5) for _ in range(3)]), channels,
                               np.array([0.0, 1.0, 0.0]) if rnd.random() < 0.5 else None))
    joints = _depth_first(joints)
    total = sum(len(j.channels) for j in joints)
    motion = np.array([[rnd.uniform(-180, 180) for _ in range(total)] for _ in range(frames)])
    clip = BvhClip("rand.bvh", joints, 1 / 30, motion)
    text_path = Path(__import__("tempfile").mkdtemp()) / "r.bvh"
    write_bvh(clip, text_path)
    again = load_bvh(text_path)
    assert again.names == clip.names
    assert np.allclose(again.world_positions(), clip.world_positions(), atol=0.05)


def _depth_first(joints: list[BvhJoint]) -> list[BvhJoint]:
    """Reorder joints (parents given as indices) depth-first, as a BVH file stores them."""
    order = []

    def visit(i):
        order.append(i)
        for c, j in enumerate(joints):
            if j.parent == i and c != i:
                visit(c)
    for i, j in enumerate(joints):
        if j.parent < 0:
            visit(i)
    new_index = {old: new for new, old in enumerate(order)}
    return [BvhJoint(joints[o].name, new_index.get(joints[o].parent, -1), joints[o].offset,
                     joints[o].channels, joints[o].end_site) for o in order]


@needs_shared
@pytest.mark.blender
def test_forward_kinematics_matches_blenders_bvh_importer():
    """Blender's own importer is an independent implementation of the same conventions."""
    bpy = pytest.importorskip("bpy")
    for name in ("fair1/dab.bvh", "cmu1/jumping_jacks.bvh"):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        bpy.ops.import_anim.bvh(filepath=str(BVH_DIR / name), axis_forward="Y", axis_up="Z",
                                rotate_mode="NATIVE")
        armature = next(o for o in bpy.data.objects if o.type == "ARMATURE")
        clip = load_bvh(BVH_DIR / name)
        pos = clip.world_positions()
        for frame in (0, 37, 100):
            bpy.context.scene.frame_set(frame + 1)
            heads = np.array([list(armature.matrix_world @ armature.pose.bones[j.name].head)
                              for j in clip.joints])
            assert np.abs(heads - pos[frame]).max() < 1e-3
