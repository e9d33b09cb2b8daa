"""The review shows each figure's face and lets the artist move its eye and mouth markers: Accept
rigs the face where they were put, and a rebuild keeps it there (a page composed of shared
drawings, real analysis, real bpy)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from animate_drawing.models.analyze import figure_to_character

from composed_pages import review_page

pytestmark = pytest.mark.blender
EYE_DOWN, MOUTH_DOWN = np.array([0.0, 14.0]), np.array([0.0, 12.0])   # image pixels; the eyes are ~9 px wide


def _key_points(armature, key: str, corner) -> np.ndarray:
    """(N, 2) image pixels of the face mesh's vertices that the shape key `key` moves (at rest)."""
    props = armature.animate_drawing
    blocks = props.face_object.data.shape_keys.key_blocks
    rest = np.array([v.co[:] for v in blocks["Basis"].data])
    moved = np.abs(np.array([v.co[:] for v in blocks[key].data]) - rest).max(axis=1) > 1e-6
    # mesh → texture pixels (RigPlan.to_world backwards) → image pixels
    u = rest[moved, 0] / props.scale + props.origin_uv[0] + corner["left"]
    v = props.origin_uv[1] - rest[moved, 2] / props.scale + corner["top"]
    return np.stack([u, v], axis=-1)


def _rigged_face(armature, corner) -> tuple[np.ndarray, np.ndarray]:
    """Where the rig put the first eye (its lids' centre) and the mouth (its opening's centre)."""
    lids = _key_points(armature, "blink", corner)
    first_eye = lids[lids[:, 0] < lids[:, 0].mean()]
    return first_eye.mean(axis=0), _key_points(armature, "mouth_open", corner).mean(axis=0)


def test_the_overlay_shows_every_figures_face_as_markers(blender, tmp_path):
    bpy = blender
    from animate_drawing.addon.ui import review_overlay

    _, analysis, stored = review_page(bpy, tmp_path)
    shapes = [review_overlay.figure_shapes(figure) for figure in stored.figures]
    assert all(figure.face is not None for figure in analysis.figures)   # three drawn faces
    for figure, shape in zip(analysis.figures, shapes, strict=True):
        np.testing.assert_allclose(shape.eyes, [e.center for e in figure.face.eyes], atol=0.01)
        np.testing.assert_allclose(shape.eye_radius, [e.radius for e in figure.face.eyes], atol=0.01)
        if figure.face.mouth is not None:
            np.testing.assert_allclose(shape.mouth[1], figure.face.mouth.center, atol=0.01)
        else:
            assert len(shape.mouth) == 0


def test_moved_eye_and_mouth_markers_are_rigged_there_and_a_rebuild_keeps_them(blender, tmp_path):
    bpy = blender

    _, analysis, stored = review_page(bpy, tmp_path)
    stored.include_figures[1] = stored.include_figures[2] = False
    face = stored.figures[0]["face"]
    eye, mouth = np.array(face["eyes"][0]["center"]), np.array(face["mouth"]["center"])

    # What the Image Editor's drag does on each drop: one Move Marker (one undo step each).
    assert bpy.ops.animate_drawing.ui_move_marker(figure=0, marker="eye:0", position=tuple(eye + EYE_DOWN)) \
        == {"FINISHED"}
    assert bpy.ops.animate_drawing.ui_move_marker(figure=0, marker="mouth", position=tuple(mouth + MOUTH_DOWN)) \
        == {"FINISHED"}
    assert stored.face_edited and not stored.joints_edited
    edited = stored.figures[0]["face"]
    np.testing.assert_allclose(edited["eyes"][0]["center"], eye + EYE_DOWN, atol=1e-3)
    np.testing.assert_allclose(edited["mouth"]["corners"], np.array(face["mouth"]["corners"]) + MOUTH_DOWN, atol=1e-3)
    assert edited["eyes"][1] == face["eyes"][1]
    with pytest.raises(RuntimeError, match="no marker 'pupil:5'"):   # the operator's error, in background mode
        bpy.ops.animate_drawing.ui_move_marker(figure=0, marker="pupil:5", position=(1, 1))
    assert stored.figures[0]["face"] == edited

    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    corner = figure_to_character(analysis, 0)[3]
    rigged_eye, rigged_mouth = _rigged_face(armature, corner)
    assert np.linalg.norm(rigged_eye - (eye + EYE_DOWN)) < 1.5        # the lids close where the eye was put
    assert np.linalg.norm(rigged_mouth - (mouth + MOUTH_DOWN)) < 1.5
    kept = json.loads(armature.animate_drawing.edited_face_json)        # texture pixels
    np.testing.assert_allclose(kept["eyes"][0]["center"], eye + EYE_DOWN - (corner["left"], corner["top"]), atol=0.01)

    assert bpy.ops.animate_drawing.rebuild_rig() == {"FINISHED"}
    rebuilt_eye, rebuilt_mouth = _rigged_face(armature, corner)
    np.testing.assert_allclose(rebuilt_eye, rigged_eye, atol=0.5)
    np.testing.assert_allclose(rebuilt_mouth, rigged_mouth, atol=0.5)


def test_an_unedited_face_is_the_one_found_on_the_drawing(blender, tmp_path):
    bpy = blender

    _, analysis, stored = review_page(bpy, tmp_path)
    stored.include_figures[1] = stored.include_figures[2] = False
    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    assert armature.animate_drawing.edited_face_json == ""
    rigged_eye, rigged_mouth = _rigged_face(armature, figure_to_character(analysis, 0)[3])
    found = analysis.figures[0].face
    assert np.linalg.norm(rigged_eye - found.eyes[0].center) < 1.5
    assert np.linalg.norm(rigged_mouth - found.mouth.center) < 1.5


def test_after_reopening_the_moved_face_is_rigged_on_the_figure_found_again(blender, tmp_path):
    """The masks are not saved with the .blend: the figure is found again inside its box, and the
    face the artist placed (kept in the scene) is the one rigged."""
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    _, _, stored = review_page(bpy, tmp_path)
    stored.include_figures[0] = stored.include_figures[1] = False
    face = stored.figures[2]["face"]
    eyes = np.array([eye["center"] for eye in face["eyes"]])
    bpy.ops.animate_drawing.ui_move_marker(figure=2, marker="eye:1", position=tuple(eyes[1] + EYE_DOWN))
    drawing_analysis._cache.clear()   # as after reopening the .blend

    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    kept = np.array([eye["center"] for eye in json.loads(armature.animate_drawing.edited_face_json)["eyes"]])
    np.testing.assert_allclose(kept[1] - kept[0], eyes[1] + EYE_DOWN - eyes[0], atol=0.01)   # texture pixels
