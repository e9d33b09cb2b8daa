"""Four-legged figures: joints read from the outline, and only the legs follow a clip
(the shared pig drawing, the library walk)."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.imaging.image_file import read_image
from animate_drawing.motions.body_mapping import TRUNK, body_mapping
from animate_drawing.motions.library import resolve_motion
from animate_drawing.models.quadruped import quadruped_joints

pytestmark = pytest.mark.blender   # PNG decoding goes through Blender
PIG = "A2S-LAB_AnimatedTale__test_2"


@pytest.fixture(scope="module")
def pig(shared_data):
    folder = shared_data / "drawings" / "annotated" / PIG
    mask = read_image(folder / "mask.png")[0][..., 0] > 127
    return read_image(folder / "texture.png")[0][..., :3], mask


def test_the_pigs_legs_and_head_are_found(pig):
    _, mask = pig
    j = quadruped_joints(mask)
    # Its head is on the right: the front legs (arm chains) are right of the back legs (leg chains).
    assert min(j["left_shoulder"][0], j["right_shoulder"][0]) > max(j["left_hip"][0], j["right_hip"][0])
    assert j["neck"][0] > j["right_shoulder"][0] - 20 and j["neck"][1] < j["right_shoulder"][1]
    for side in ("left", "right"):
        for top, middle, end in ((f"{side}_shoulder", f"{side}_elbow", f"{side}_hand"),
                                 (f"{side}_hip", f"{side}_knee", f"{side}_foot")):
            assert j[top][1] < j[middle][1] < j[end][1]                      # legs hang down
            u, v = (int(round(c)) for c in j[end])
            assert mask[v, u] and not mask[min(v + 4, mask.shape[0] - 1), u]  # at the hoof
    assert len({round(j[n][0]) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")}) == 4


def test_a_pig_facing_left_is_its_mirror(pig):
    _, mask = pig
    right, left = quadruped_joints(mask), quadruped_joints(mask[:, ::-1])
    width = mask.shape[1]
    for name, (u, v) in right.items():
        assert left[name] == pytest.approx((width - 1 - u, v), abs=1.0), name


def test_only_the_legs_follow_a_clip(pig):
    from animate_drawing.models.joints import AD_SKELETON
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.retarget import RetargetOptions, retarget
    from animate_drawing.formats.char_cfg import CharacterConfig, Joint
    from animate_drawing.rig.plan import build_rig_plan

    texture, mask = pig
    j = quadruped_joints(mask)
    config = CharacterConfig(mask.shape[1], mask.shape[0],
                             [Joint(n, p, tuple(int(round(c)) for c in j[n])) for n, p in AD_SKELETON])
    plan = build_rig_plan(texture, mask, config, "pig")
    walk = load_bvh(resolve_motion("walk"))
    mapping = body_mapping(walk, "quadruped")
    assert not set(TRUNK) & set(mapping) and body_mapping(walk, "biped") is None
    result = retarget(walk, plan.bones, mapping, RetargetOptions(cyclic=True), scale=plan.scale)
    swing = np.ptp(result.rotation, axis=0)
    by_name = dict(zip(result.bone_names, swing))
    legs = [name for name in result.bone_names if any(k in name for k in ("elbow", "knee", "shoulder", "hip_"))]
    trunk = [name for name in result.bone_names if name in ("hip", "torso", "neck")]
    assert trunk and all(by_name[name] < 1e-6 for name in trunk)           # the body keeps its drawn pose
    assert max(by_name[name] for name in legs) > 0.3                          # the legs swing


def _pig_plan(pig):
    from animate_drawing.models.joints import AD_SKELETON
    from animate_drawing.formats.char_cfg import CharacterConfig, Joint
    from animate_drawing.rig.plan import build_rig_plan

    texture, mask = pig
    j = quadruped_joints(mask)
    config = CharacterConfig(mask.shape[1], mask.shape[0],
                             [Joint(n, p, tuple(int(round(c)) for c in j[n])) for n, p in AD_SKELETON])
    return build_rig_plan(texture, mask, config, "pig")


def _retarget_for_pig(plan, clip_id):
    """What addon.animate.motion.retarget_track does for a quadruped, without Blender."""
    from animate_drawing.motions.body_mapping import options_for_body
    from animate_drawing.motions.bvh import load_bvh
    from animate_drawing.motions.retarget import RetargetOptions, retarget

    clip = load_bvh(resolve_motion(clip_id))
    options = options_for_body(clip, "quadruped", RetargetOptions(cyclic=True))
    return retarget(clip, plan.bones, body_mapping(clip, "quadruped"), options, scale=plan.scale)


def _swing_phase(result, bone):
    """The phase (0..1) of a bone's swing: its angle's first Fourier harmonic over the loop."""
    angle = result.rotation[:, result.bone_names.index(bone)]
    harmonic = np.sum(angle * np.exp(-2j * np.pi * np.arange(len(angle)) / len(angle)))
    return (np.angle(harmonic) / (2 * np.pi)) % 1.0


def _phase_gap(a, b):
    return abs((a - b + 0.5) % 1.0 - 0.5)


LEGS = {"left_hind": "left_hip", "right_hind": "right_hip", "left_fore": "left_shoulder", "right_fore": "right_shoulder"}


def test_a_quadruped_asked_for_a_two_legged_clip_plays_the_four_legged_one():
    from animate_drawing.motions.library import clip_for_body, is_four_legged_clip

    assert clip_for_body("walk", "quadruped") == "quadruped_walk"
    assert clip_for_body("Run cycle", "quadruped") == "quadruped_trot"
    assert clip_for_body("jump", "quadruped") == "quadruped_jump"
    assert clip_for_body("walk", "biped") == "walk" and clip_for_body("wave", "quadruped") == "wave"
    assert clip_for_body("/no/such/dir/walk.bvh", "quadruped") == "/no/such/dir/walk.bvh"
    assert is_four_legged_clip(resolve_motion("quadruped_trot")) and not is_four_legged_clip(resolve_motion("walk"))


def test_the_four_legged_walk_is_four_beat_and_the_trot_moves_diagonal_pairs(pig):
    plan = _pig_plan(pig)
    walk = _retarget_for_pig(plan, "quadruped_walk")
    phase = {leg: _swing_phase(walk, bone) for leg, bone in LEGS.items()}
    # Four beats: every leg a quarter cycle from the legs beside it, the two hind (and fore) legs half apart.
    assert _phase_gap(phase["left_hind"], phase["right_hind"]) == pytest.approx(0.5, abs=0.05)
    assert _phase_gap(phase["left_fore"], phase["right_fore"]) == pytest.approx(0.5, abs=0.05)
    assert _phase_gap(phase["left_hind"], phase["left_fore"]) == pytest.approx(0.25, abs=0.05)
    trot = _retarget_for_pig(plan, "quadruped_trot")
    phase = {leg: _swing_phase(trot, bone) for leg, bone in LEGS.items()}
    assert _phase_gap(phase["left_hind"], phase["right_fore"]) < 0.05        # diagonal pairs together
    assert _phase_gap(phase["right_hind"], phase["left_fore"]) < 0.05
    assert _phase_gap(phase["left_hind"], phase["left_fore"]) == pytest.approx(0.5, abs=0.05)
    for result in (walk, trot):
        swing = dict(zip(result.bone_names, np.ptp(result.rotation, axis=0)))
        assert min(swing[bone] for bone in LEGS.values()) > 0.3           # every leg swings (> 17 degrees)
        assert np.ptp(result.root_location[:, 0]) > 0.05                   # and it walks forward


def test_the_pig_sits_rear_down_and_jumps_off_the_ground(pig):
    plan = _pig_plan(pig)
    sit = _retarget_for_pig(plan, "quadruped_sit")
    body = sit.rotation[:, sit.bone_names.index("hip")]            # the body's bone, from the hips forward
    assert "hip" in sit.leaning_bones and np.degrees(body.max()) > 20   # pitched nose up (counter-clockwise)
    assert abs(body[0]) < 1e-3                                         # from standing level
    jump = _retarget_for_pig(plan, "quadruped_jump")
    height = jump.root_location[:, 1]
    assert height.max() - height[0] > 0.1 and abs(height[-1] - height[0]) < 0.02
