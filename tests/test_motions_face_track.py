"""Face mesh per frame → blink/smile/mouth_open/gaze (motions/face_track.py), and the face mesh
net itself on real ONNX (models/face_landmarks.py).

No shared video shows a face big enough for eyelids (street_dance.avi: eyes at most 20 px apart,
turned away or cut by the frame; basketball: under 5 px), so the maths is tested on a face mesh
whose eyelids, mouth and nose move as a performer's would, and the net on real frames."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.motions import face_track as ft

FPS = 30.0


def _face(frames: int, seed: int = 0) -> np.ndarray:
    """(T, 468, 3) a level face mesh: eyes 60 px apart and 30 px wide, open 9 px; mouth 50 px
    wide, closed; noise of 0.3 px as the net's jitter."""
    rng = np.random.default_rng(seed)
    mesh = np.zeros((468, 3))
    for (up, low, inner, outer), x in zip(ft.EYES, (-30.0, 30.0)):
        side = np.sign(x)
        mesh[inner, :2] = (x - side * 15, 0)
        mesh[outer, :2] = (x + side * 15, 0)
        mesh[up, :2], mesh[low, :2] = (x, -4.5), (x, 4.5)
    right, left, upper, lower = ft.MOUTH
    mesh[right, :2], mesh[left, :2] = (-25, 60), (25, 60)
    mesh[upper, :2], mesh[lower, :2] = (0, 60), (0, 60)
    mesh[ft.NOSE, :2] = (0, 35)
    mesh[ft.RIGHT_CHEEK, :2], mesh[ft.LEFT_CHEEK, :2] = (-70, 20), (70, 20)
    track = np.repeat(mesh[None], frames, axis=0) + (300, 200, 0)
    return track + rng.normal(0, 0.3, track.shape)


def _close_eyes(points: np.ndarray, frames: slice, gap: float = 1.0) -> None:
    for up, low, _, _ in ft.EYES:
        mid = (points[frames, up, 1] + points[frames, low, 1]) / 2
        points[frames, up, 1], points[frames, low, 1] = mid - gap / 2, mid + gap / 2


def test_a_150_ms_blink_survives_and_open_eyes_stay_open():
    points = _face(90)
    _close_eyes(points, slice(40, 45))        # 5 frames = 167 ms closed
    track = ft.face_track(np.arange(90) / FPS, points)
    blink = track.controls["blink"]
    assert blink[40:45].max() > 0.85          # the blink shows closed after smoothing
    assert blink[:35].max() < 0.2 and blink[50:].max() < 0.2
    assert np.argmax(blink) in range(40, 45)


def test_blink_is_calibrated_on_the_performers_own_open_eyes():
    narrow = _face(90)
    for up, low, _, _ in ft.EYES:             # narrow eyes: open 5 px instead of 9
        narrow[:, up, 1] += 2.0
        narrow[:, low, 1] -= 2.0
    _close_eyes(narrow, slice(40, 45), gap=0.5)
    blink = ft.face_track(np.arange(90) / FPS, narrow).controls["blink"]
    assert blink[:35].max() < 0.2 and blink[40:45].max() > 0.85


def test_a_tilted_head_changes_nothing():
    points = _face(60)
    _close_eyes(points, slice(20, 25))
    angle = np.radians(25)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = points.copy()
    tilted[..., :2] = points[..., :2] @ rot.T
    times = np.arange(60) / FPS
    for name, values in ft.face_track(times, points).controls.items():
        assert np.allclose(values, ft.face_track(times, tilted).controls[name], atol=1e-6), name


def test_smile_mouth_and_head_turn():
    points = _face(90)
    right, left, upper, lower = ft.MOUTH
    points[65:, [right, left], 1] -= 6.0       # corners up 6 px (12 % of the mouth width)
    points[30:45, lower, 1] += 25.0            # the jaw drops: half the mouth width open
    points[70:, ft.NOSE, 0] += 50.0            # head turned: the nose a third of the face width right
    c = ft.face_track(np.arange(90) / FPS, points).controls
    assert c["smile"][70:].min() > 0.8 and abs(c["smile"][:60]).max() < 0.2   # the open jaw is no smile
    assert c["mouth_open"][33:43].min() > 0.7 and c["mouth_open"][:25].max() < 0.05
    assert c["gaze_x"][75:].min() > 0.8 and abs(c["gaze_x"][:60]).max() < 0.2
    mirrored = ft.face_track(np.arange(90) / FPS, points, mirror=True).controls
    assert mirrored["gaze_x"][75:].max() < -0.8


def test_frames_without_a_face_are_filled_and_a_face_seen_too_rarely_is_none():
    points = _face(60)
    points[10:20] = np.nan
    track = ft.face_track(np.arange(60) / FPS, points)
    assert not track.seen[10:20].any() and np.isfinite(track.controls["blink"]).all()
    points[:50] = np.nan
    assert ft.face_track(np.arange(60) / FPS, points) is None


def test_keys_land_on_scene_frames_from_the_clip_start():
    track = ft.face_track(np.arange(45) / 25.0 + 2.0, _face(45))   # a 25 fps video from 2 s
    frames, values = ft.face_keys(track, FPS, 5)
    assert frames[0] == 5 and np.allclose(np.diff(frames), 1) and len(frames) == int(44 / 25 * FPS) + 1
    assert set(values) == {"blink", "smile", "mouth_open", "gaze_x", "gaze_y"}


def test_face_mesh_net_runs_on_onnx_and_frames_the_face_from_the_pose():
    from animate_drawing.models.face_landmarks import FaceLandmarker, roi_from_mesh, roi_from_pose
    from animate_drawing.models.human_pose import LM, PoseFrame, Roi
    net = FaceLandmarker()
    assert net.size == 192
    blank = net.run(np.full((400, 400, 3), 128, np.uint8), Roi(200, 200, 150, 0.0))
    assert not blank.found and np.isnan(blank.points).all()       # a grey wall is no face
    xy = np.full((33, 2), np.nan)
    xy[LM["right_eye"]], xy[LM["left_eye"]] = (180, 100), (220, 110)   # 41 px apart, tilted
    xy[LM["mouth_right"]], xy[LM["mouth_left"]] = (185, 150), (215, 156)
    pose = PoseFrame(True, xy, np.ones(33), np.zeros((33, 3)), 1.0, None)
    roi = roi_from_pose(pose)
    assert roi.size == pytest.approx(3.2 * np.hypot(40, 10)) and roi.angle == pytest.approx(np.arctan2(10, 40))
    xy[LM["left_eye"]] = (188, 102)                                   # 8 px apart: too small to see eyelids
    assert roi_from_pose(pose) is None
    mesh = _face(1)[0]            # spans x 230..370 (cheeks), y 195.5..260 (lids to mouth)
    again = roi_from_mesh(mesh)
    assert np.allclose((again.cx, again.cy, again.size), (300, 227.75, 1.5 * 140), atol=2) and abs(again.angle) < 0.02
