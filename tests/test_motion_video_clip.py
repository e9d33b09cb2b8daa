"""Landmark tracks → BVH clips (pure): skeleton solve, filtering, gaps, mirror, feet, partial bodies."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.motions.bvh import load_bvh, write_bvh
from animate_drawing.motions.mapping import auto_map
from animate_drawing.motions.video_clip import (
    L_ANK, L_WR, R_ANK, R_WR, PoseTrack, VideoClipOptions, clip_from_track, euler_zxy, fill_gaps,
    joint_points, one_euro, solve_rotations, build_skeleton, bone_lengths, _to_y_up)

# A standing person in BlazePose world axes (x right in the image, y down, z away), metres.
# Facing the camera, the actor's left is image right (+x).
STAND = {
    0: (0, -0.62, -0.05), 7: (0.07, -0.6, 0.0), 8: (-0.07, -0.6, 0.0),
    11: (0.18, -0.45, 0), 12: (-0.18, -0.45, 0), 13: (0.2, -0.18, 0), 14: (-0.2, -0.18, 0),
    15: (0.21, 0.08, 0), 16: (-0.21, 0.08, 0), 17: (0.21, 0.15, 0), 18: (-0.21, 0.15, 0),
    19: (0.22, 0.16, 0), 20: (-0.22, 0.16, 0), 21: (0.2, 0.12, 0), 22: (-0.2, 0.12, 0),
    23: (0.1, 0, 0), 24: (-0.1, 0, 0), 25: (0.1, 0.42, 0), 26: (-0.1, 0.42, 0),
    27: (0.1, 0.83, 0), 28: (-0.1, 0.83, 0), 29: (0.1, 0.88, 0.05), 30: (-0.1, 0.88, 0.05),
    31: (0.1, 0.9, -0.13), 32: (-0.1, 0.9, -0.13),
}
PX_PER_M = 200.0


def standing_world() -> np.ndarray:
    pose = np.zeros((33, 3))
    for i in range(33):
        pose[i] = STAND.get(i, STAND[0])
    return pose


def make_track(world: np.ndarray, fps: float = 30.0, visibility: float = 0.95, drift_px=None) -> PoseTrack:
    """A track whose image landmarks are the world ones seen by an orthographic camera."""
    frames = len(world)
    image = world[:, :, :2] * PX_PER_M + np.array([320.0, 240.0])
    if drift_px is not None:
        image = image + np.asarray(drift_px)[:, None, :]
    vis = np.full((frames, 33), visibility)
    return PoseTrack("clip.mp4", np.arange(frames) / fps, world.copy(), image, vis, (640, 480))


def waving(frames: int = 90) -> np.ndarray:
    """The left arm swings up and down in the image plane; everything else stands."""
    world = np.repeat(standing_world()[None], frames, axis=0)
    angle = np.linspace(0, 2 * np.pi, frames)
    shoulder = world[0, 11]
    for joint, length in ((13, 0.27), (15, 0.53), (17, 0.6), (19, 0.61), (21, 0.57)):
        lift = 0.5 * (1 - np.cos(angle)) * np.pi * 0.8   # 0 (hanging) .. 144° (raised)
        world[:, joint, 0] = shoulder[0] + length * np.sin(lift) + 0.02
        world[:, joint, 1] = shoulder[1] + length * np.cos(lift)
    return world


def test_rotations_reproduce_the_observed_bone_directions():
    world = _to_y_up(waving(60))
    lengths = bone_lengths(world)
    joints = build_skeleton(lengths)
    motion = solve_rotations(world, joints, legs_seen=True)
    motion[:, :3] = joint_points(world)["Hips"]
    from animate_drawing.motions.bvh import BvhClip
    clip = BvhClip("x", joints, 1 / 30, motion)
    pos = clip.world_positions()
    pts = joint_points(world)
    names = clip.names
    for child, parent in (("LeftForeArm", "LeftArm"), ("LeftHand", "LeftForeArm"), ("RightLeg", "RightUpLeg"),
                          ("LeftArm", "Chest"), ("Chest", "Hips")):
        got = pos[:, names.index(child)] - pos[:, names.index(parent)]
        want = pts[child] - pts[parent]
        cos = np.sum(got * want, axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
        assert cos.min() > 0.999, (child, cos.min())


def test_euler_zxy_round_trip():
    rng = np.random.default_rng(1)
    angles = rng.uniform(-1.2, 1.2, (50, 3))
    z, x, y = angles.T
    def rot(axis, a):
        c, s = np.cos(a), np.sin(a)
        m = np.zeros((len(a), 3, 3))
        i, j = [(1, 2), (0, 2), (0, 1)][axis]
        m[:, axis, axis] = 1
        m[:, i, i], m[:, j, j] = c, c
        m[:, i, j], m[:, j, i] = -s, s
        if axis == 1:
            m[:, i, j], m[:, j, i] = s, -s
        return m
    mats = rot(2, z) @ rot(0, x) @ rot(1, y)
    assert np.allclose(euler_zxy(mats), angles, atol=1e-9)


def test_clip_is_a_bvh_the_project_reads_back_and_maps(tmp_path):
    result = clip_from_track(make_track(waving()))
    path = tmp_path / "wave.bvh"
    write_bvh(result.clip, path)
    clip = load_bvh(path)
    assert clip.frame_count == 90 and abs(clip.fps - 30.0) < 1e-3
    mapping = auto_map(clip)
    assert mapping["left_hand"] == "LeftHand" and mapping["right_foot"] == "RightFoot"
    assert mapping["torso"] == "Chest" and mapping["root"] == "Hips"
    # The left hand is raised above the head half way through (Y up), hanging at the start.
    pos = clip.world_positions()
    hand, head = clip.names.index("LeftHand"), clip.names.index("Head")
    assert pos[45, hand, 1] > pos[45, head, 1]
    assert pos[0, hand, 1] < pos[0, clip.names.index("Hips"), 1]


def test_mirror_swaps_the_actors_sides():
    plain = clip_from_track(make_track(waving())).clip
    mirrored = clip_from_track(make_track(waving()), VideoClipOptions(mirror=True)).clip
    p, m = plain.world_positions(), mirrored.world_positions()
    names = plain.names
    assert p[45, names.index("LeftHand"), 1] > p[45, names.index("RightHand"), 1] + 0.5
    assert np.allclose(m[:, names.index("RightHand"), 1], p[:, names.index("LeftHand"), 1], atol=0.02)


def test_one_euro_removes_jitter_without_lagging_a_move():
    rng = np.random.default_rng(0)
    times = np.arange(300) / 30.0
    truth = np.where(times < 5, 0.0, 0.5)[:, None, None] * np.ones((1, 1, 3))
    noisy = truth + rng.normal(0, 0.01, truth.shape)
    smooth = one_euro(noisy, times, np.ones((300, 1)), min_cutoff=1.5, beta=0.3)
    still = slice(30, 140)
    assert np.std(smooth[still] - truth[still]) < 0.5 * np.std(noisy[still] - truth[still])
    after = np.searchsorted(times, 5.0) + 6    # 0.2 s after the jump it has arrived
    assert abs(smooth[after, 0, 0] - 0.5) < 0.05


def test_low_confidence_samples_pull_less():
    times = np.arange(60) / 30.0
    values = np.zeros((60, 1, 3))
    values[30] = 1.0                                   # one outlier frame
    trusted = one_euro(values, times, np.ones((60, 1)), 1.5, 0.3)
    doubted_weight = np.ones((60, 1))
    doubted_weight[30] = 0.05
    doubted = one_euro(values, times, doubted_weight, 1.5, 0.3)
    assert doubted[30, 0, 0] < 0.2 * trusted[30, 0, 0]


def test_gaps_are_interpolated():
    times = np.arange(10, dtype=float)
    values = np.arange(10, dtype=float)[:, None, None] * np.ones((1, 1, 2))
    good = np.ones((10, 1), bool)
    good[3:7] = False
    values[3:7] = 99.0
    filled = fill_gaps(values, good, times)
    assert np.allclose(filled[:, 0, 0], np.arange(10))


def test_frames_without_a_person_are_filled_and_reported():
    world = waving()
    world[20:50] = np.nan
    track = make_track(world)
    track.image_xy[20:50] = np.nan
    track.visibility[20:50] = 0.0
    result = clip_from_track(track)
    assert np.isfinite(result.clip.motion).all()
    assert result.found_fraction == pytest.approx(60 / 90)


def test_nobody_in_the_video_is_an_input_error():
    world = np.full((30, 33, 3), np.nan)
    track = make_track(world)
    track.visibility[:] = 0
    with pytest.raises(InputError, match="clip.mp4: no person found"):
        clip_from_track(track)


def test_upper_body_video_keeps_legs_at_rest_and_warns():
    world = waving()
    track = make_track(world)
    track.visibility[:, 25:] = 0.1                    # knees, ankles, feet not seen
    result = clip_from_track(track)
    assert any("legs are not visible" in w for w in result.warnings)
    names = result.clip.names
    for leg in ("LeftUpLeg", "LeftLeg", "RightLeg", "RightFoot"):
        assert np.allclose(result.clip.channel_values(names.index(leg)), 0.0)


def test_resampled_to_the_requested_frame_rate():
    result = clip_from_track(make_track(waving(100), fps=50.0), VideoClipOptions(fps=25.0))
    assert result.clip.frame_count == 50
    assert result.clip.frame_time == pytest.approx(0.04)


def test_planted_foot_does_not_slide():
    """A step in place while the image drifts sideways (a panning camera): the standing foot
    must stay where it is; the root moves instead."""
    frames = 60
    world = np.repeat(standing_world()[None], frames, axis=0)
    # The body sways 10 cm over the planted left foot: relative to the hips the foot moves.
    sway = 0.1 * np.sin(np.linspace(0, np.pi, frames))
    for j in (L_ANK, 29, 31, 25):
        world[:, j, 0] -= sway
    # The right shin bends back 40° about the knee: that foot is lifted (not in contact).
    knee, shin = world[0, 26], world[0, R_ANK] - world[0, 26]
    lift = knee + np.linalg.norm(shin) * np.array([0.0, np.cos(0.7), np.sin(0.7)]) - world[0, R_ANK]
    for j in (R_ANK, 30, 32):
        world[:, j] += lift
    drift = np.column_stack([np.linspace(0, 40, frames), np.zeros(frames)])
    result = clip_from_track(make_track(world, drift_px=drift))
    clip = result.clip
    assert result.contacts[:, 0].mean() > 0.8 and result.contacts[:, 1].mean() < 0.1
    foot = clip.world_positions()[:, clip.names.index("LeftFoot")]
    planted = result.contacts[:, 0]
    assert np.ptp(foot[planted, 0]) < 0.01
    # On the floor: the ankle stands as high above it as above the toes (7 cm here).
    assert 0.04 < np.min(foot[:, 1]) < 0.1


def test_landmarks_never_seen_do_not_break_the_solve():
    track = make_track(waving())
    track.visibility[:, [L_WR, R_WR]] = 0.0           # hands never seen: positions from the net kept
    result = clip_from_track(track)
    assert np.isfinite(result.clip.motion).all()
