"""The face rig's geometry (rig/face_rig.py) on hand-labelled shared drawings: what each shape
key shows once rasterised over the drawing (imaging/raster.py, pure numpy), the bad cases, the
skinning and the idle blinks."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.imaging import raster
from animate_drawing.models.face import Eye, Face, Mouth
from animate_drawing.rig.face_rig import (BLINK_GAP_S, CONTROLS, SHAPE_KEYS, idle_blinks, interpolate_weights,
                                          plan_face_rig)

BROWN = "AnimatedDrawings_Server-Backend__example1"     # solid dot eyes, short smile
GARLIC = "Ajaypawar02_AnimatedDrawings__garlic_out"      # grey eyes with pupils, a slanted smile
CAT = "ihayvuk_AnimatedDrawings__professor_cat"          # blue eyes in thick brown rings


def _labelled(shared_data, name):
    from animate_drawing.vision_dev.evaluate_faces import load_labels, load_texture
    rgb, mask, _ = load_texture(shared_data / "drawings" / "annotated" / name)
    label = load_labels()[name]
    face = Face(tuple(Eye(tuple(e["center"]), e["radius"], tuple(e["pupil"]) if e["pupil"] else None)
                      for e in label["eyes"]),
                Mouth(tuple(label["mouth"]["center"]), tuple(tuple(c) for c in label["mouth"]["corners"]))
                if label["mouth"] else None)
    texture = np.dstack([rgb, np.where(mask, 255, 0).astype(np.uint8)])
    return texture, mask, face


def _one_bone_mesh(mask):
    """The whole texture as two triangles skinned to one bone (the drawing's real mesh needs Blender)."""
    h, w = mask.shape
    vertices = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    return vertices, np.array([[0, 1, 2], [0, 2, 3]]), np.ones((4, 1), np.float32)


def _plan(texture, mask, face):
    return plan_face_rig(face, texture, mask, *_one_bone_mesh(mask))


def _render(texture, plan, values: dict) -> np.ndarray:
    """RGB of the drawing with the face rig over it, shape keys at `values` (over white paper)."""
    h, w = texture.shape[:2]
    body_xy = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64)
    body_tri = np.array([[0, 1, 2], [0, 2, 3]])
    body_uv = np.column_stack([body_xy[:, 0] / w, 1 - body_xy[:, 1] / h])[body_tri]
    positions = plan.vertices_uv.copy()
    for key, value in values.items():
        positions += value * (plan.keys[key] - plan.vertices_uv)
    meshes = [raster.TexturedMesh(body_tri, body_uv, texture), raster.TexturedMesh(plan.triangles, plan.corner_uv, plan.atlas)]
    frame = raster.shade(meshes, [np.column_stack([body_xy, np.zeros(4)]), np.column_stack([positions, -plan.depth])], w, h)
    alpha = frame[..., 3:] / 255.0
    return frame[..., :3] * alpha + 255 * (1 - alpha)


def _disc(shape, centre, radius):
    ys, xs = np.mgrid[:shape[0], :shape[1]]
    return (xs - centre[0]) ** 2 + (ys - centre[1]) ** 2 <= radius ** 2


def _ink_centroid(rgb, where, skin):
    ink = where & (np.linalg.norm(rgb - skin, axis=-1) > 90)
    ys, xs = np.nonzero(ink)
    return np.array([xs.mean(), ys.mean()]), ink.sum()


@pytest.mark.parametrize("name", [BROWN, GARLIC, CAT])
def test_at_rest_the_face_rig_shows_the_drawing_unchanged(shared_data, name):
    texture, mask, face = _labelled(shared_data, name)
    plan, notes = _plan(texture, mask, face)
    assert plan.controls == tuple(CONTROLS) and notes == []
    drawing = _render(texture, plan, {})
    plain = texture[..., :3] * (texture[..., 3:] / 255.0) + 255 * (1 - texture[..., 3:] / 255.0)
    diff = np.abs(drawing - plain).max(-1)
    assert np.mean(diff > 12) < 0.002, "the patch, pupils or folded lids show at rest"


@pytest.mark.parametrize("name", [BROWN, GARLIC, CAT])
def test_blink_covers_each_eye_with_the_skin_around_it_and_one_line(shared_data, name):
    texture, mask, face = _labelled(shared_data, name)
    plan, _ = _plan(texture, mask, face)
    opened, closed = _render(texture, plan, {}), _render(texture, plan, {"blink": 1.0})
    for eye in face.eyes:
        inside = _disc(mask.shape, eye.center, 0.9 * eye.radius)
        ring = _disc(mask.shape, eye.center, 2.6 * eye.radius) & ~_disc(mask.shape, eye.center, 1.5 * eye.radius)
        skin = np.median(opened[ring & mask], axis=0)
        near_skin = np.linalg.norm(closed[inside] - skin, axis=-1) < 40
        was_skin = np.linalg.norm(opened[inside] - skin, axis=-1) < 40
        assert near_skin.mean() > 0.7 > was_skin.mean(), "the closed lid is not the colour around the eye"
        dark = np.linalg.norm(closed[inside] - skin, axis=-1) > 60
        assert 0.02 < dark.mean() < 0.3, "a closed eye shows a thin line"
    half = _render(texture, plan, {"blink": 0.5})
    assert np.abs(half - opened).max(-1).astype(bool).sum() < np.abs(closed - opened).max(-1).astype(bool).sum()


def test_smile_lifts_the_mouth_corners_and_frown_drops_them(shared_data):
    texture, mask, face = _labelled(shared_data, GARLIC)
    plan, _ = _plan(texture, mask, face)
    skin = np.median(texture[..., :3][_disc(mask.shape, face.mouth.center, 40) & mask], axis=0)
    rest, smile, frown = (_render(texture, plan, v) for v in ({}, {"smile": 1.0}, {"frown": 1.0}))
    for corner in face.mouth.corners:
        window = _disc(mask.shape, corner, 6)
        y0 = _ink_centroid(rest, window, skin)[0][1]
        assert _ink_centroid(smile, window, skin)[0][1] < y0 - 1.0
        assert _ink_centroid(frown, window, skin)[0][1] > y0 + 1.0
    middle = _disc(mask.shape, face.mouth.center, 2.5)
    assert abs(_ink_centroid(smile, middle, skin)[0][1] - _ink_centroid(rest, middle, skin)[0][1]) < 1.0


def test_mouth_open_shows_a_dark_opening_under_the_mouth(shared_data):
    texture, mask, face = _labelled(shared_data, BROWN)
    plan, _ = _plan(texture, mask, face)
    rest, opened = _render(texture, plan, {}), _render(texture, plan, {"mouth_open": 1.0})
    x, y = face.mouth.center
    below = np.zeros(mask.shape, bool)
    below[int(y):int(y) + 7, int(x) - 6:int(x) + 7] = True
    changed = below & (np.abs(opened - rest).max(-1) > 40)
    assert changed.sum() >= 15
    inside = opened[changed]
    assert (inside[:, 0] - inside[:, 1] > 30).mean() > 0.4              # the mouth's dark red inside
    assert (np.abs(opened - rest).max(-1) > 40)[~_disc(mask.shape, (x, y), 20)].sum() == 0  # nothing else


def test_the_pupils_slide_inside_the_eye_and_the_drawn_pupil_is_painted_over(shared_data):
    texture, mask, face = _labelled(shared_data, CAT)
    plan, _ = _plan(texture, mask, face)
    rest, right, up = (_render(texture, plan, v) for v in ({}, {"look_right": 1.0}, {"look_up": 1.0}))
    for eye in face.eyes:
        window = _disc(mask.shape, eye.center, 1.2 * eye.radius)
        dark = lambda rgb: window & (rgb.mean(-1) < 50)     # the pupil (and the ring, which stays)
        for looked, axis, sign in ((right, 0, 1), (up, 1, -1)):
            gained = np.argwhere(dark(looked) & ~dark(rest))[:, ::-1]   # x, y where the pupil went
            lost = np.argwhere(dark(rest) & ~dark(looked))[:, ::-1]     # x, y it left (painted over)
            assert len(gained) > 5 and len(lost) > 5
            assert sign * (gained[:, axis].mean() - lost[:, axis].mean()) > 1.5
            # still inside the eye: nothing dark appears outside its outline
            assert np.hypot(*(gained - eye.center).T).max() < 0.9 * eye.radius
    assert set(plan.keys) == set(SHAPE_KEYS)


def test_bad_faces_give_a_partial_rig_or_none_with_a_note(shared_data):
    texture, mask, face = _labelled(shared_data, BROWN)
    assert _plan(texture, mask, None) == (None, ["no face found: the character has no face rig"])
    one_eye, notes = _plan(texture, mask, Face(face.eyes[:1], None))
    assert one_eye.controls == ("blink", "gaze_x", "gaze_y")
    assert any("one eye" in n for n in notes) and any("no mouth" in n for n in notes)
    tiny = Face(tuple(Eye(e.center, 0.5, None) for e in face.eyes), face.mouth)
    mouth_only, notes = _plan(texture, mask, tiny)
    assert mouth_only.controls == ("smile", "mouth_open") and "blink" not in mouth_only.keys
    assert any("2 px" in n for n in notes)
    assert _plan(texture, mask, Face(tiny.eyes, None))[0] is None


def test_eyes_on_the_body_are_rigged_with_the_body(shared_data):
    texture, mask, face = _labelled(shared_data, "A2S-LAB_AnimatedTale__garlic_out")
    plan, notes = _plan(texture, mask, face)
    assert plan is not None and "blink" in plan.controls and "smile" in plan.controls


def test_weights_are_interpolated_from_the_triangle_under_each_point():
    vertices = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.float64)
    triangles = np.array([[0, 1, 2], [0, 2, 3]])
    weights = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], np.float32)
    points = np.array([[5, 0], [5, 10], [10, 5], [20, 20], [2, 5]], np.float64)
    got = interpolate_weights(points, vertices, triangles, weights)
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-6)
    np.testing.assert_allclose(got[:3, 1], [0.0, 1.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(got[3], [0, 1], atol=1e-6)       # off the mesh: the nearest corner's


def test_idle_blinks_are_natural_and_reproducible():
    fps = 30.0
    frames, values = idle_blinks(1, 900, fps, seed=7)
    again = idle_blinks(1, 900, fps, seed=7)
    np.testing.assert_array_equal(frames, again[0])
    assert not np.array_equal(frames, idle_blinks(1, 900, fps, seed=8)[0])
    closed = frames[values == 1.0]
    assert 30 / BLINK_GAP_S[1] - 1 <= len(closed) <= 30 / BLINK_GAP_S[0] + 1
    assert np.all(closed == np.round(closed))              # each blink shows closed on a whole frame
    gaps = np.diff(closed) / fps
    assert gaps.min() >= BLINK_GAP_S[0] and gaps.max() <= BLINK_GAP_S[1] + 0.2
    for c in closed:
        i = int(np.flatnonzero(frames == c)[0])
        assert values[i - 1] == 0 and values[i + 1] == 0
        assert 0.1 <= (frames[i + 1] - frames[i - 1]) / fps <= 0.2   # about 150 ms
    assert values[0] == 0 and values[-1] == 0 and frames[0] == 1 and frames[-1] == 900
    short = idle_blinks(1, 10, fps, seed=7)
    assert (short[1] == 0).all()                            # too short to blink
