"""Retargeting 3D clips onto 2D drawn skeletons, checked against BVH world positions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.motions import authoring
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.library import list_clips
from animate_drawing.motions.mapping import auto_map
from animate_drawing.motions.retarget import MAX_LIMB_BEND, RetargetOptions, limited_bend, pose_2d, retarget

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BVH_DIR = SHARED / "bvh"
needs_shared = pytest.mark.skipif(not BVH_DIR.is_dir(), reason="../shared/data is not beside the repository")
LIBRARY = {clip_id: path for clip_id, _, path in list_clips()}

# A childlike figure in pixels (v down), 400 px tall: big head, short legs.
KID = [
    ("root", None, (200, 250)), ("hip", "root", (200, 250)), ("torso", "hip", (200, 150)),
    ("neck", "torso", (200, 90)),
    ("right_shoulder", "torso", (160, 155)), ("right_elbow", "right_shoulder", (130, 200)),
    ("right_hand", "right_elbow", (110, 240)),
    ("left_shoulder", "torso", (240, 155)), ("left_elbow", "left_shoulder", (270, 200)),
    ("left_hand", "left_elbow", (290, 240)),
    ("right_hip", "root", (175, 255)), ("right_knee", "right_hip", (170, 310)), ("right_foot", "right_knee", (168, 360)),
    ("left_hip", "root", (225, 255)), ("left_knee", "left_hip", (230, 310)), ("left_foot", "left_knee", (232, 360)),
]
KID_SCALE = 2.0 / 400
GROUP = {"hip": "trunk", "torso": "trunk"} | {f"{s}_{j}": "arms" for s in ("left", "right") for j in ("shoulder", "elbow")} \
    | {f"{s}_{j}": "legs" for s in ("left", "right") for j in ("hip", "knee")}


@dataclass
class Bone:
    name: str
    parent: str | None
    head_uv: tuple[float, float]
    tail_uv: tuple[float, float]


def bones_from_joints(joints, height=400.0, primary=None) -> list[Bone]:
    """ARCHITECTURE.md's rule: a bone per joint, tail at its primary child (else the farthest
    child); leaves continue their parent's direction at 0.35 × its length; coincident tails
    get a vertical tail of 0.1 × height."""
    primary = primary or {"root": "hip", "hip": "torso", "torso": "neck"}
    loc = {n: np.array(uv, float) for n, _, uv in joints}
    parent = {n: p for n, p, _ in joints}
    bones = {}
    for name, par, _ in joints:
        kids = [n for n, p, _ in joints if p == name]
        if kids:
            tail = loc[primary[name]] if primary.get(name) in kids else max((loc[k] for k in kids),
                                                                            key=lambda t: np.linalg.norm(t - loc[name]))
        else:
            p = bones[par]
            d = np.subtract(p.tail_uv, p.head_uv)
            tail = loc[name] + 0.35 * d
        if np.linalg.norm(tail - loc[name]) < 0.01 * height:
            tail = loc[name] + [0, -0.1 * height]
        bones[name] = Bone(name, parent[name], tuple(loc[name]), tuple(tail))
    return list(bones.values())


KID_BONES = bones_from_joints(KID)


def world_angles(bones, rotation):
    """Absolute 2D angle of each bone per frame: drawn angle + rotations down the chain."""
    names = [b.name for b in bones]
    rest = np.array([np.arctan2(-(b.tail_uv[1] - b.head_uv[1]), b.tail_uv[0] - b.head_uv[0]) for b in bones])
    out = np.zeros_like(rotation)
    for i, b in enumerate(bones):
        chain, p = rotation[:, i].copy(), b.parent
        while p is not None:
            chain += rotation[:, names.index(p)]
            p = bones[names.index(p)].parent
        out[:, i] = rest[i] + chain
    return out


def projected_angles(clip, result, bone_group):
    """Angle of each driver pair from the BVH world positions, in the view the result reports."""
    pos = clip.world_positions()
    out = {}
    for bone, (start, end) in result.drivers.items():
        v = pos[:, clip.names.index(end)] - pos[:, clip.names.index(start)]
        axes = result.view_axes[bone_group[bone]]
        out[bone] = np.arctan2(np.einsum("td,td->t", v, axes[:, 1]), np.einsum("td,td->t", v, axes[:, 0]))
    return out


def wrapped(a):
    return (a + np.pi) % (2 * np.pi) - np.pi


def clip_cases():
    cases = [("library", LIBRARY[c]) for c in ("walk", "dab", "jump", "zombie_walk")]
    if BVH_DIR.is_dir():
        cases += [("shared", BVH_DIR / n) for n in ("fair1/dab.bvh", "fair1/jumping.bvh", "fair1/wave_hello.bvh",
                                                   "cmu1/jumping_jacks.bvh")]
    return cases


@pytest.mark.parametrize("source, path", clip_cases(), ids=lambda x: Path(str(x)).stem)
def test_every_mapped_bone_takes_the_projected_bvh_angle(source, path):
    clip = load_bvh(path)
    # The projection itself; planted feet turn the legs a little more (test_motion_foot_plant.py),
    # a front-view kid's legs step outward (test_motion_legs_front.py).
    result = retarget(clip, KID_BONES, auto_map(clip), RetargetOptions(fps=clip.fps, pin_feet=False,
                                                                       legs_step_outward=False), scale=KID_SCALE)
    assert result.frame_count == clip.frame_count
    assert set(result.drivers) == set(GROUP) and not result.leaning_bones
    got = world_angles(KID_BONES, result.rotation)
    rest = world_angles(KID_BONES, np.zeros((1, len(KID_BONES))))[0]
    names = [b.name for b in KID_BONES]
    for bone, expected in projected_angles(clip, result, GROUP).items():
        b = names.index(bone)
        error = np.degrees(np.abs(wrapped(got[:, b] - expected)))
        if bone.endswith(("elbow", "knee")):
            # Past MAX_LIMB_BEND from its drawn bend the joint holds at the limit instead (the
            # fair1 dab's and wave's forearms pointing at the camera project past 180°).
            parent = names.index(KID_BONES[b].parent)
            asked = wrapped(expected - got[:, parent] - (rest[b] - rest[parent]))
            held = np.abs(asked) > MAX_LIMB_BEND
            assert np.allclose(np.abs(wrapped(result.rotation[held, b])), MAX_LIMB_BEND), bone
            error = error[~held]
        assert error.max() <= 0.5, (bone, error.max())
    # The views are honest: screen x horizontal and unit, screen up = the clip's up axis.
    pos = clip.world_positions()
    up = result.view_axes["trunk"][0, 1]
    for group, axes in result.view_axes.items():
        assert np.allclose(np.linalg.norm(axes, axis=2), 1) and np.allclose(axes[:, 0] @ up, 0)
    # Frontal screen x is the actor's left (their right on the viewer's left), measured here
    # from the raw hip and shoulder vectors.
    across = sum(pos[:, clip.names.index(auto_map(clip)[f"left_{j}"])] - pos[:, clip.names.index(auto_map(clip)[f"right_{j}"])]
                 for j in ("hip", "shoulder"))
    across -= np.outer(across @ up, up)
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    if result.projection["arms"] == "frontal":
        agree = np.einsum("td,td->t", result.view_axes["arms"][:, 0], across)
        assert np.mean(agree > np.cos(np.radians(30))) > 0.9


def test_a_joint_holds_at_its_bend_limit_and_comes_back_on_either_side():
    limit = np.radians(160)
    asked = np.radians([0, 100, 150, 170, 185, 200, 150, 100, 190, -150, -170, 175]) + 4 * np.pi
    held = limited_bend(asked, limit)
    expected = np.radians([0, 100, 150, 160, 160, 160, 150, 100, 160, 210, 200, 200]) + 4 * np.pi
    # 190° past the limit: held at 160 on the side it came from; -150 (= 210) is back within
    # it on the other side; -170 past it there, held at -160 (= 200), as is 175 (= -185).
    np.testing.assert_allclose(held, expected, atol=1e-9)
    assert np.abs(np.diff(held)).max() < np.pi                     # the keys never spin



def _clips_in_a_row(folder: Path, *parts: tuple[str, int]) -> Path:
    """A BVH playing library clips (which share one skeleton) one after another, each looped
    the given number of times."""
    header, frames = "", []
    for name, loops in parts:
        header, motion = Path(LIBRARY[name]).read_text().split("MOTION", 1)
        frames += [line for line in motion.strip().splitlines()[2:] if line.strip()] * loops
    path = folder / "in_a_row.bvh"
    path.write_text(f"{header}MOTION\nFrames: {len(frames)}\nFrame Time: 0.033333333\n" + "\n".join(frames) + "\n")
    return path


def test_each_moment_is_seen_from_its_own_side(tmp_path):
    """Walking 7 s, then waving 8 s: the swinging arms and legs of the walk are seen from the
    side, the wave from the front (one view for the whole clip showed the wave edge-on, a
    hand going up and down by the head); the view turns over half a second, not in a frame."""
    clip = load_bvh(_clips_in_a_row(tmp_path, ("walk", 6), ("wave", 6)))
    result = retarget(clip, KID_BONES, None, RetargetOptions(), KID_SCALE)
    front = result.view_axes["trunk"][:, 0]                             # the trunk faces the viewer throughout
    for group in ("arms", "legs"):
        screen_x = result.view_axes[group][:, 0]
        facing = np.abs(np.einsum("td,td->t", screen_x, front))          # 1: from the front, 0: from the side
        assert facing[:170].max() < 0.05 and facing[250:].min() > 0.999, group
        turn = np.abs(np.diff(np.degrees(np.arccos(np.minimum(facing, 1.0)))))   # the view's turn from the trunk's
        assert 89 < turn.sum() < 91 and turn.max() < 15, group            # one quarter turn, eased
    # A clip of one motion keeps one view however long it plays.
    walking = retarget(load_bvh(_clips_in_a_row(tmp_path, ("walk", 12))), KID_BONES, None, RetargetOptions(), KID_SCALE)
    assert walking.projection["arms"] == walking.projection["legs"] == "sagittal"
    assert np.abs(np.einsum("td,td->t", walking.view_axes["arms"][:, 0], walking.view_axes["trunk"][:, 0])).max() < 1e-9

def test_a_fixed_forward_gives_a_fixed_view():
    clip = load_bvh(LIBRARY["dance"])             # Y-up, facing +Z: its left is +X
    result = retarget(clip, KID_BONES, None, RetargetOptions(forward="z", projection="frontal"), KID_SCALE)
    assert np.allclose(result.view_axes["arms"][:, 0], [1, 0, 0])
    side = retarget(clip, KID_BONES, None, RetargetOptions(forward="z", projection="sagittal"), KID_SCALE)
    assert np.allclose(side.view_axes["legs"][:, 0], [0, 0, 1]) and np.allclose(side.view_axes["legs"][:, 1], [0, 1, 0])


def test_undriven_bones_keep_their_drawn_pose_relative_to_their_parent():
    clip = load_bvh(LIBRARY["dance"])
    mapping = auto_map(clip)
    del mapping["left_elbow"]          # the left forearm loses its driver, the left upper arm too
    # Planted feet turn back against the shin (test_motion_foot_plant.py): here, the clip alone.
    result = retarget(clip, KID_BONES, mapping, RetargetOptions(pin_feet=False), scale=KID_SCALE)
    column = {n: i for i, n in enumerate(result.bone_names)}
    for leaf in ("root", "neck", "right_hand", "left_hand", "right_foot", "left_foot", "left_shoulder", "left_elbow"):
        assert np.all(result.rotation[:, column[leaf]] == 0), leaf
    assert np.ptp(result.rotation[:, column["right_shoulder"]]) > 0.5


def test_the_actors_right_arm_is_the_drawings_right_arm_on_the_viewers_left():
    clip = load_bvh(LIBRARY["wave"])              # the actor waves with the right hand
    pos = clip.world_positions()
    hand_height = lambda side: pos[:, clip.names.index(f"{side}Hand"), 1].mean()  # noqa: E731
    assert hand_height("Right") > hand_height("Left") + 30
    result = retarget(clip, KID_BONES, None, scale=KID_SCALE)
    heads, tails = pose_2d(KID_BONES, result.rotation, result.root_location, KID_SCALE)
    names = [b.name for b in KID_BONES]
    right, left, root = (heads[:, names.index(n)] for n in ("right_hand", "left_hand", "root"))
    assert np.all(right[:, 1] > left[:, 1] + 0.3)          # raised, in world units (figure is 2 tall)
    assert np.all(right[:, 0] < root[:, 0])                # on the viewer's left


@needs_shared
def test_fair_wave_raises_the_same_hand_in_2d_as_in_3d():
    clip = load_bvh(BVH_DIR / "fair1/wave_hello.bvh")
    pos = clip.world_positions()
    up = 2
    raised = "right" if pos[:, clip.names.index("RightHand"), up].max() > pos[:, clip.names.index("LeftHand"), up].max() \
        else "left"
    frame = int(np.argmax(pos[:, clip.names.index(raised.capitalize() + "Hand"), up]))
    result = retarget(clip, KID_BONES, None, RetargetOptions(fps=clip.fps), scale=KID_SCALE)
    heads, _ = pose_2d(KID_BONES, result.rotation, result.root_location, KID_SCALE)
    names = [b.name for b in KID_BONES]
    other = "left" if raised == "right" else "right"
    assert heads[frame, names.index(f"{raised}_hand"), 1] > heads[frame, names.index(f"{other}_hand"), 1]
    root_x = heads[frame, names.index("root"), 0]
    assert (heads[frame, names.index(f"{raised}_hand"), 0] < root_x) == (raised == "right")


def _leg_lengths(clip, bones, mapping):
    rest = clip.rest_positions()
    j = lambda n: rest[clip.names.index(mapping[n])]  # noqa: E731
    theirs = sum(np.linalg.norm(j(f"{s}_knee") - j(f"{s}_hip")) + np.linalg.norm(j(f"{s}_foot") - j(f"{s}_knee"))
                 for s in ("left", "right"))
    by = {b.name: b for b in bones}
    ours = sum(np.hypot(*np.subtract(by[n].tail_uv, by[n].head_uv)) for s in ("left", "right")
               for n in (f"{s}_hip", f"{s}_knee")) * KID_SCALE
    return ours, theirs


def test_root_motion_is_scaled_by_leg_length_ratio():
    clip = load_bvh(LIBRARY["walk"])
    mapping = auto_map(clip)
    pos = clip.world_positions()
    travel = pos[-1, 0, 2] - pos[0, 0, 2]          # the authored walk heads along +Z
    ours, theirs = _leg_lengths(clip, KID_BONES, mapping)
    options = dict(fps=clip.fps, legs_step_outward=False)   # the side view's stride (front view: in place)
    scaled = retarget(clip, KID_BONES, mapping, RetargetOptions(**options), scale=KID_SCALE)
    assert scaled.projection["legs"] == "sagittal"
    # The planted feet set the pace (they must not slide): close to the leg-length ratio, which
    # ignores how the drawing splits its leg between thigh and shin.
    assert scaled.root_location[-1, 0] - scaled.root_location[0, 0] == pytest.approx(travel * ours / theirs, rel=0.15)
    heads, _ = pose_2d(KID_BONES, scaled.rotation, scaled.root_location, KID_SCALE)
    for foot, planted in scaled.contacts.items():
        x = heads[:, [b.name for b in KID_BONES].index(foot), 0]
        held = planted[1:] & planted[:-1]
        assert held.sum() > 5 and np.abs(np.diff(x)[held]).max() < 0.01, foot   # 0.5% of the 2-unit height
    in_place = retarget(clip, KID_BONES, mapping, RetargetOptions(root_motion="in_place", **options), scale=KID_SCALE)
    assert np.all(in_place.root_location[:, 0] == 0)
    raw = retarget(clip, KID_BONES, mapping, RetargetOptions(root_motion="raw", **options), scale=KID_SCALE)
    rest = clip.rest_positions()
    height = rest[:, 1].max() + 20 - rest[:, 1].min()       # head end site is 20 above the head joint
    assert raw.root_location[-1, 0] == pytest.approx(travel * 2.0 / height, rel=0.02)
    # Half the drawing → half the steps: root motion is in world units, scale-free.
    small = retarget(clip, KID_BONES, mapping, RetargetOptions(**options), scale=KID_SCALE / 2)
    assert small.root_location[-1, 0] == pytest.approx(scaled.root_location[-1, 0] / 2, rel=1e-9)


@pytest.mark.parametrize("path", [LIBRARY["jump"], LIBRARY["run"]] + ([BVH_DIR / "fair1/jumping.bvh"] if BVH_DIR.is_dir() else []),
                         ids=lambda p: Path(p).stem)
def test_feet_never_sink_and_jumps_lift_off(path):
    clip = load_bvh(path)
    for mode in ("scaled", "in_place", "raw"):
        result = retarget(clip, KID_BONES, None, RetargetOptions(fps=clip.fps, root_motion=mode), scale=KID_SCALE)
        heads, tails = pose_2d(KID_BONES, result.rotation, result.root_location, KID_SCALE)
        lowest = np.minimum(heads[..., 1].min(axis=1), tails[..., 1].min(axis=1))
        rest_lowest = min(min(-b.head_uv[1], -b.tail_uv[1]) for b in KID_BONES) * KID_SCALE
        assert lowest.min() >= rest_lowest - 1e-9, mode
        if mode != "raw":
            # Lift-off follows the actor's lowest point (scaled by the leg ratio).
            pos = clip.world_positions()
            pos = np.concatenate([pos] + [e[:, None] for e in clip.end_site_positions().values()], axis=1)
            up = 1 if "clips" in str(path) else 2
            actor_low = pos[..., up].min(axis=1)
            flying = actor_low - actor_low.min()
            ours, theirs = _leg_lengths(clip, KID_BONES, auto_map(clip))
            assert (lowest - rest_lowest).max() == pytest.approx(flying.max() * ours / theirs, rel=0.25)


def test_resampling_keeps_real_time():
    # The same motion authored at 120 and 30 fps: played at 30 fps both give the same keys.
    fast = authoring.build_clip("j", 192, 1, authoring.jumping_jacks, fps=120)
    slow = authoring.build_clip("j", 48, 1, authoring.jumping_jacks, fps=30)
    opts = RetargetOptions(fps=30, cyclic=True, pin_feet=False)
    a, b = retarget(fast, KID_BONES, None, opts, KID_SCALE), retarget(slow, KID_BONES, None, opts, KID_SCALE)
    assert a.frame_count == b.frame_count == 48
    assert np.allclose(a.rotation, b.rotation, atol=1e-6)
    assert a.duration == pytest.approx(fast.frame_count * fast.frame_time)
    # A landing is found a frame or two apart at 120 and 30 fps: pinned feet agree within 3%.
    opts.pin_feet = True
    a, b = retarget(fast, KID_BONES, None, opts, KID_SCALE), retarget(slow, KID_BONES, None, opts, KID_SCALE)
    poses = [pose_2d(KID_BONES, r.rotation, r.root_location, KID_SCALE)[0] for r in (a, b)]
    assert np.abs(poses[0] - poses[1]).max() < 0.03 * 2.0


@needs_shared
@pytest.mark.parametrize("fps", [24, 25, 30, 60])
def test_a_120_fps_clip_plays_at_real_speed(fps):
    clip = load_bvh(BVH_DIR / "fair1/wave_hello.bvh")     # 839 frames at 119.88 fps = 6.99 s
    result = retarget(clip, KID_BONES, None, RetargetOptions(fps=fps), KID_SCALE)
    assert abs(result.duration - clip.duration) < 1 / fps
    double = retarget(clip, KID_BONES, None, RetargetOptions(fps=fps, speed=2.0), KID_SCALE)
    assert abs(double.duration - clip.duration / 2) < 1 / fps
    part = retarget(clip, KID_BONES, None, RetargetOptions(fps=fps, frame_start=100, frame_end=499), KID_SCALE)
    assert abs(part.duration - 399 * clip.frame_time) < 1 / fps
    looped = retarget(clip, KID_BONES, None, RetargetOptions(fps=fps, cyclic=True), KID_SCALE)
    assert looped.frame_count == round(clip.frame_count * clip.frame_time * fps) and looped.cyclic


def test_cyclic_library_clips_close_their_loops():
    for clip_id in ("walk", "idle", "zombie_walk", "cheer"):
        clip = load_bvh(LIBRARY[clip_id])
        result = retarget(clip, KID_BONES, None, RetargetOptions(fps=30, cyclic=True, legs_step_outward=False),
                          KID_SCALE)   # the side view's stride; front-view legs step mostly in place
        # The step from the last frame back to the first is no bigger than any other step.
        rot = result.rotation
        steps = np.abs(np.diff(rot, axis=0)).max()
        assert np.abs(rot[0] - rot[-1]).max() <= steps * 1.5 + 1e-9, clip_id
        if clip_id in ("walk", "zombie_walk"):
            assert result.root_cycle_offset[0] > 0.3


def test_limbs_layer_in_front_of_or_behind_the_trunk_by_depth():
    def reach(p):   # right arm forward toward the viewer, left arm back, swinging a little
        return {"RightArm": (-70 + authoring.wave(p, 10), -10, 0), "LeftArm": (40 + authoring.wave(p, 10), 10, 0)}
    clip = authoring.build_clip("reach", 30, 1, reach)
    result = retarget(clip, KID_BONES, None, RetargetOptions(projection="frontal"), KID_SCALE)
    names = result.bone_names
    absolute = np.zeros_like(result.layer_offset)
    for i, b in enumerate(KID_BONES):
        absolute[:, i] = result.layer_offset[:, i] + (absolute[:, names.index(b.parent)] if b.parent else 0)
    for bone in ("right_shoulder", "right_elbow", "right_hand"):
        assert np.all(absolute[:, names.index(bone)] > 0)
    for bone in ("left_shoulder", "left_elbow", "left_hand"):
        assert np.all(absolute[:, names.index(bone)] < 0)
    for bone in ("root", "hip", "torso", "neck"):
        assert np.all(absolute[:, names.index(bone)] == 0)
    # Offsets are parent-relative: inside a limb only its first bone carries the step.
    assert np.all(result.layer_offset[:, names.index("right_elbow")] == 0)


def test_six_arms_and_four_legs_copy_the_bvh_limbs():
    clip = load_bvh(LIBRARY["jumping_jacks"])
    base = auto_map(clip)
    # Six arms: three per side, each a copy of that side's BVH arm.
    joints = [j for j in KID if "shoulder" not in j[0] and "elbow" not in j[0] and "hand" not in j[0]]
    mapping = {k: v for k, v in base.items() if not any(s in k for s in ("shoulder", "elbow", "hand"))}
    for side, sign in (("right", -1), ("left", 1)):
        for k, dv in enumerate((0, 25, 50)):
            names = [f"{side}_{j}_{k}" for j in ("shoulder", "elbow", "hand")]
            joints += [(names[0], "torso", (200 + sign * 40, 155 + dv)), (names[1], names[0], (200 + sign * 70, 200 + dv)),
                       (names[2], names[1], (200 + sign * 90, 240 + dv))]
            mapping |= {names[i]: base[f"{side}_{j}"] for i, j in enumerate(("shoulder", "elbow", "hand"))}
    bones = bones_from_joints(joints)
    result = retarget(clip, bones, mapping, RetargetOptions(fps=clip.fps), KID_SCALE)
    angles = world_angles(bones, result.rotation)
    col = {b.name: i for i, b in enumerate(bones)}
    group = {b.name: ("arms" if "shoulder" in b.name or "elbow" in b.name else GROUP.get(b.name, "trunk")) for b in bones}
    expected = projected_angles(clip, result, group)
    for side in ("right", "left"):
        for k in range(3):
            for j in ("shoulder", "elbow"):
                bone = f"{side}_{j}_{k}"
                assert np.degrees(np.abs(wrapped(angles[:, col[bone]] - expected[bone]))).max() <= 0.5
        assert np.allclose(angles[:, col[f"{side}_shoulder_0"]], angles[:, col[f"{side}_shoulder_2"]])


@pytest.mark.skipif(not (SHARED / "drawings/annotated/A2S-LAB_AnimatedTale__test_2").is_dir(), reason="no shared pig")
def test_quadruped_front_legs_copy_the_bvh_legs():
    import yaml
    cfg = yaml.safe_load((SHARED / "drawings/annotated/A2S-LAB_AnimatedTale__test_2/char_cfg.yaml").read_text())
    joints = [(j["name"], j["parent"], tuple(j["loc"])) for j in cfg["skeleton"]]
    bones = bones_from_joints(joints, cfg["height"])
    clip = load_bvh(LIBRARY["walk"])
    base = auto_map(clip)
    mapping = dict(base)
    for side in ("right", "left"):   # front legs (drawn as arms) follow the BVH legs too
        mapping |= {f"{side}_shoulder": base[f"{side}_hip"], f"{side}_elbow": base[f"{side}_knee"],
                    f"{side}_hand": base[f"{side}_foot"]}
    # The clip's angles themselves: planted paws are pinned on top of them (test_motion_foot_plant.py).
    result = retarget(clip, bones, mapping, RetargetOptions(fps=clip.fps, pin_feet=False), 2.0 / cfg["height"])
    group = {b: ("legs" if any(w in b for w in ("shoulder", "elbow", "_hip", "knee")) else "trunk") for b in result.drivers}
    assert result.projection["legs"] == "sagittal"
    angles = world_angles(bones, result.rotation)
    col = {b.name: i for i, b in enumerate(bones)}
    for bone, expected in projected_angles(clip, result, group).items():
        if bone in result.leaning_bones:
            continue
        assert np.degrees(np.abs(wrapped(angles[:, col[bone]] - expected))).max() <= 0.5, bone
    assert np.allclose(angles[:, col["right_shoulder"]], angles[:, col["right_hip"]])


@needs_shared
def test_a_torso_drawn_upside_down_leans_instead_of_flipping():
    import yaml
    cfg = yaml.safe_load((SHARED / "drawings/annotated/facebookresearch_AnimatedDrawings__PR195_output_garlic/char_cfg.yaml")
                         .read_text())
    joints = [(j["name"], j["parent"], tuple(j["loc"])) for j in cfg["skeleton"]]
    bones = bones_from_joints(joints, cfg["height"])
    clip = load_bvh(BVH_DIR / "fair1/dab.bvh")
    result = retarget(clip, bones, None, scale=2.0 / cfg["height"])
    assert result.leaning_bones == ["torso"]
    heads, _ = pose_2d(bones, result.rotation, result.root_location)
    names = [b.name for b in bones]
    assert np.all(heads[:, names.index("right_shoulder"), 0] < heads[:, names.index("left_shoulder"), 0])


def test_the_rig_packages_bone_plan_is_accepted():
    skeleton = pytest.importorskip("animate_drawing.rig.skeleton")
    char_cfg = pytest.importorskip("animate_drawing.formats.char_cfg")
    config = char_cfg.CharacterConfig(width=400, height=400, joints=[char_cfg.Joint(n, p, uv) for n, p, uv in KID])
    bones = skeleton.plan_bones(config)
    result = retarget(load_bvh(LIBRARY["wave"]), bones, None, scale=KID_SCALE)
    mine = retarget(load_bvh(LIBRARY["wave"]), KID_BONES, None, scale=KID_SCALE)
    assert result.drivers == mine.drivers and np.allclose(result.rotation, mine.rotation)


@pytest.mark.parametrize("options, message", [
    (RetargetOptions(projection="top"), "projection for trunk must be one of"),
    (RetargetOptions(projection={"tail": "frontal"}), "unknown groups"),
    (RetargetOptions(root_motion="fly"), "root_motion must be one of"),
    (RetargetOptions(speed=0), "speed must be in"),
    (RetargetOptions(fps=-1), "fps must be in"),
    (RetargetOptions(up="w"), "up must be one of"),
    (RetargetOptions(forward="y"), "forward 'y' is not horizontal"),
    (RetargetOptions(frame_start=10, frame_end=5), "frame range 10..5 is outside"),
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(InputError, match=message):
        retarget(load_bvh(LIBRARY["idle"]), KID_BONES, None, options, KID_SCALE)


def test_a_mapping_naming_missing_joints_is_refused():
    with pytest.raises(InputError, match="the mapping names joints this clip lacks: Tail"):
        retarget(load_bvh(LIBRARY["idle"]), KID_BONES, {"hip": "Hips", "torso": "Tail"}, scale=KID_SCALE)


def _recorded_differently(clip, fps: float, unit: float, start):
    """The same performance as a capture suite might export it: another frame rate (channels
    interpolated), another length unit, the actor starting somewhere else on the stage."""
    from animate_drawing.motions.bvh import BvhClip, BvhJoint

    joints = [BvhJoint(j.name, j.parent, np.asarray(j.offset) * unit, list(j.channels),
                       None if j.end_site is None else np.asarray(j.end_site) * unit) for j in clip.joints]
    motion = clip.motion.copy()
    motion[:, :3] = (motion[:, :3] + start) * unit
    times = np.arange(len(motion)) * clip.frame_time
    resampled = np.arange(0.0, times[-1] + 1e-9, 1.0 / fps)
    motion = np.stack([np.interp(resampled, times, motion[:, k]) for k in range(motion.shape[1])], axis=1)
    return BvhClip(clip.path, joints, 1.0 / fps, motion)


def test_root_travel_ignores_units_frame_rate_and_stage_position():
    """A 100 fps clip in metres whose actor starts 5 m away walks the drawing exactly as the
    30 fps centimetre original does: root motion starts at 0 and moves in the drawing's units."""
    clip = load_bvh(LIBRARY["walk"])
    side_stride = RetargetOptions(legs_step_outward=False)   # travel measured on the side view's stride
    original = retarget(clip, KID_BONES, options=side_stride, scale=KID_SCALE)
    other = retarget(_recorded_differently(clip, 100.0, 0.01, (300.0, 0.0, -500.0)), KID_BONES,
                     options=side_stride, scale=KID_SCALE)
    frames = min(original.frame_count, other.frame_count)
    assert abs(original.frame_count - other.frame_count) <= 1
    assert np.abs(other.rotation[:frames] - original.rotation[:frames]).max() < 0.02
    assert np.abs(other.root_location[:frames] - original.root_location[:frames]).max() < 0.03   # of 2 units
    assert np.allclose(other.root_location[0], original.root_location[0], atol=1e-3)
