"""A face where none was found: the review's Add Face puts eyes and a mouth on the figure's head,
Accept rigs them where the artist left them; Remove Face builds a figure with no face rig (real
analysis of shared drawings, real bpy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from animate_drawing.models.analyze import analyze_image, figure_to_character
from animate_drawing.models.joints import AD_NAMES
from animate_drawing.pipeline import review_edits
from animate_drawing.pipeline.default_face import default_face, head_box
from animate_drawing.rig.character import load_character_dir

from composed_pages import write_page
from conftest import ANNOTATED

BLANK_HEAD = ANNOTATED / "mikaelapisani_AnimatedDrawings-JM__output" / "texture.png"   # a head with no face drawn
FACE_LABELS = Path(__file__).resolve().parents[1] / "vision_dev" / "training" / "face_labels.json"
FACE_MARKERS = {"eye:0", "eye:1", "mouth", "mouth_corner:0", "mouth_corner:1"}
EYE_LEFT = np.array([-3.0, 2.0])   # image pixels: where the artist drags the first eye (the head is ~50 px)


def _face_markers(figure: dict) -> dict[str, np.ndarray]:
    return {name: np.array(xy) for name, xy in review_edits.markers(figure) if not name.startswith("joint")}


def _labelled_heads():
    """(joints, mask, labelled eye centres) of each annotated drawing hand-labelled with two eyes."""
    labels = json.loads(FACE_LABELS.read_text())["drawings"]
    for name, label in labels.items():
        if len(label.get("eyes") or ()) != 2 or not (ANNOTATED / name / "mask.png").is_file():
            continue
        _, mask, config = load_character_dir(ANNOTATED / name)
        joints = {joint.name: joint.loc for joint in config.joints}
        yield (np.array([joints[n] for n in AD_NAMES], np.float64), mask,
               np.array([eye["center"] for eye in label["eyes"]], np.float64))


def test_the_default_face_lies_near_the_drawn_one_on_labelled_heads():
    """Placed from the drawings' own joints and masks, the eyes land near the hand-labelled ones
    (median 0.08 head heights away when this was written), left to right, on the figure."""
    errors = []
    for joints, mask, labelled in _labelled_heads():
        face = default_face(joints, mask)
        eyes = np.array([eye.center for eye in face.eyes])
        assert eyes[0, 0] < eyes[1, 0] and face.mouth.center[1] > eyes[:, 1].max()
        assert all(mask[int(round(y)), int(round(x))] for x, y in eyes)
        errors.append(np.linalg.norm(eyes - labelled, axis=1).mean() / head_box(joints, mask)[3])
    assert len(errors) >= 10
    assert np.median(errors) < 0.12


def test_without_a_mask_the_face_is_placed_around_the_head_joint():
    joints = np.zeros((len(AD_NAMES), 2))
    joints[AD_NAMES.index("neck")], joints[AD_NAMES.index("torso")] = (100.0, 50.0), (100.0, 80.0)
    face = default_face(joints)
    assert [round(eye.center[0] - 100.0, 3) for eye in face.eyes] == [-7.2, 7.2]   # 0.3 × 48 px apart
    assert 26.0 < face.eyes[0].center[1] < 50.0 < face.mouth.center[1] < 74.0


@pytest.mark.blender
def test_add_face_gives_a_faceless_figure_markers_and_accept_rigs_them(blender):
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    analysis = analyze_image(BLANK_HEAD)
    assert analysis.figures[0].face is None                 # nothing drawn on the head
    drawing_analysis.store(bpy.context, analysis)
    stored = bpy.context.scene.animate_drawing_analysis
    assert not _face_markers(stored.figures[0])

    assert bpy.ops.animate_drawing.ui_add_face(figure=0) == {"FINISHED"}
    assert "UNDO" in bpy.types.ANIMATE_DRAWING_OT_ui_add_face.bl_options
    markers = _face_markers(stored.figures[0])
    assert set(markers) == FACE_MARKERS and stored.face_edited and not stored.joints_edited
    mask, neck = analysis.figures[0].mask, analysis.figures[0].joints[AD_NAMES.index("neck")]
    for name in ("eye:0", "eye:1", "mouth"):                 # on the head, eyes above the mouth
        x, y = markers[name]
        assert mask[int(round(y)), int(round(x))] and y < analysis.figures[0].joints[AD_NAMES.index("torso")][1]
    assert markers["eye:0"][0] < markers["eye:1"][0] and markers["mouth"][1] > markers["eye:0"][1]
    assert abs(markers["eye:0"][1] - neck[1]) < 25
    with pytest.raises(RuntimeError, match="has a face already"):   # the operator's error, in background mode
        bpy.ops.animate_drawing.ui_add_face(figure=0)

    placed_eye = markers["eye:0"] + EYE_LEFT                # the artist drags it onto the drawn eye
    bpy.ops.animate_drawing.ui_move_marker(figure=0, marker="eye:0", position=tuple(placed_eye))
    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    props = armature.animate_drawing
    assert props.face_object is not None and "blink" in armature.keys()
    corner = figure_to_character(analysis, 0)[3]
    lids = _moved_by(props, "blink") + (corner["left"], corner["top"])     # image pixels
    first_eye = lids[lids[:, 0] < lids[:, 0].mean()].mean(axis=0)
    assert np.linalg.norm(first_eye - placed_eye) < 1.5                   # the lids close where it was put
    kept = json.loads(props.edited_face_json)
    np.testing.assert_allclose(kept["eyes"][0]["center"], placed_eye - (corner["left"], corner["top"]), atol=0.01)


def _moved_by(props, key: str) -> np.ndarray:
    """(N, 2) texture pixels of the face mesh's vertices that the shape key `key` moves (at rest)."""
    blocks = props.face_object.data.shape_keys.key_blocks
    rest = np.array([v.co[:] for v in blocks["Basis"].data])
    moved = np.abs(np.array([v.co[:] for v in blocks[key].data]) - rest).max(axis=1) > 1e-6
    return np.stack([rest[moved, 0] / props.scale + props.origin_uv[0],
                     props.origin_uv[1] - rest[moved, 2] / props.scale], axis=-1)


@pytest.mark.blender
def test_remove_face_builds_the_figure_without_a_face_rig_and_a_rebuild_keeps_it_so(blender, tmp_path):
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    page, _ = write_page(tmp_path)
    drawing_analysis.store(bpy.context, analyze_image(page))
    stored = bpy.context.scene.animate_drawing_analysis
    stored.include_figures[1] = stored.include_figures[2] = False
    assert _face_markers(stored.figures[0])                   # a drawn face, found

    assert bpy.ops.animate_drawing.ui_remove_face(figure=0) == {"FINISHED"}
    assert not _face_markers(stored.figures[0]) and review_edits.face_removed(stored.figures[0])
    assert bpy.ops.animate_drawing.ui_accept_review(clip="jump") == {"FINISHED"}
    armature = bpy.context.view_layer.objects.active
    props = armature.animate_drawing
    assert props.face_object is None and "blink" not in armature.keys()
    assert any("removed in the review" in note for note in json.loads(props.face_notes))

    assert bpy.ops.animate_drawing.rebuild_rig() == {"FINISHED"}
    assert props.face_object is None


@pytest.mark.blender
def test_add_face_is_one_undo_step(blender):
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    drawing_analysis.store(bpy.context, analyze_image(BLANK_HEAD))
    bpy.ops.ed.undo_push(message="reviewed")
    bpy.ops.animate_drawing.ui_add_face(figure=0)
    bpy.ops.ed.undo_push(message="Add Face")   # what the interface records after an UNDO operator
    stored = bpy.context.scene.animate_drawing_analysis
    assert stored.face_edited and _face_markers(stored.figures[0])
    bpy.ops.ed.undo()
    stored = bpy.context.scene.animate_drawing_analysis
    assert not stored.face_edited and stored.figures[0]["face"] is None


@pytest.mark.blender
def test_after_reopening_add_face_measures_the_head_on_the_stored_outline(blender):
    """The masks are not saved with the .blend: the head is then measured on the figure's outline
    kept in the review, and the face lands where the mask would have put it."""
    bpy = blender
    from animate_drawing.addon.build import drawing_analysis

    assert bpy.ops.animate_drawing.ui_review_drawing(filepath=str(BLANK_HEAD)) == {"FINISHED"}
    stored = bpy.context.scene.animate_drawing_analysis
    bpy.ops.animate_drawing.ui_add_face(figure=0)
    with_mask = _face_markers(stored.figures[0])
    bpy.ops.animate_drawing.ui_remove_face(figure=0)
    drawing_analysis._cache.clear()   # as after reopening the .blend
    bpy.ops.animate_drawing.ui_add_face(figure=0)
    with_outline = _face_markers(stored.figures[0])
    assert set(with_outline) == FACE_MARKERS
    for name in FACE_MARKERS:
        np.testing.assert_allclose(with_outline[name], with_mask[name], atol=2.0)
