"""Face finding (models/face.py): generated faces with known positions, the hand-labelled
shared drawings, bad cases, and the face in analysis.json and the joint overlay."""

from __future__ import annotations

import json

import numpy as np
import pytest

from animate_drawing.imaging.draw import draw_polyline, fill_disc
from animate_drawing.models.analyze import AnalysisSettings, analyze_array, models_for
from animate_drawing.models.annotate import write_annotations
from animate_drawing.models.face import Face, find_face
from animate_drawing.models.joints import AD_NAMES
from animate_drawing.models.overlay import draw_face, draw_joint_overlay

INK, PAPER = (30, 30, 40), (238, 236, 230)


class Page:
    """A figure drawn with the project's own drawing helpers, its mask and 16 joints."""

    def __init__(self, size=(420, 300), head=(150, 110), radius=60.0, thick=3.0):
        self.rgb = np.zeros((*size, 3), np.uint8)
        self.rgb[:] = PAPER
        self.cx, self.cy = head
        self.r, self.t = radius, thick
        silhouette = np.zeros((*size, 3), np.uint8)
        fill_disc(silhouette, head, radius + thick, (255, 255, 255))
        trunk = [(self.cx, self.cy + radius), (self.cx, self.cy + 3.2 * radius)]
        draw_polyline(silhouette, trunk, (255, 255, 255), 4 * thick)
        self.mask = silhouette[:, :, 0] > 127
        draw_polyline(self.rgb, self._circle(head, radius), INK, thick, closed=True)
        draw_polyline(self.rgb, trunk, INK, thick)
        shoulder_y = self.cy + 1.4 * radius
        j = {n: (self.cx, self.cy + 2.5 * radius) for n in AD_NAMES}
        j.update(neck=(self.cx, self.cy), torso=(self.cx, shoulder_y),
                 right_shoulder=(self.cx - 0.6 * radius, shoulder_y), left_shoulder=(self.cx + 0.6 * radius, shoulder_y),
                 root=(self.cx, self.cy + 3 * radius), hip=(self.cx, self.cy + 3 * radius))
        self.joints = np.array([j[n] for n in AD_NAMES], np.float64)

    @staticmethod
    def _circle(centre, radius, start=0.0, stop=2 * np.pi, n=48):
        a = np.linspace(start, stop, n)
        return np.stack([centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a)], 1)

    def eyes_at(self):
        return (self.cx - 0.35 * self.r, self.cy - 0.15 * self.r), (self.cx + 0.35 * self.r, self.cy - 0.15 * self.r)

    def dot_eyes(self, radius=None):
        for e in self.eyes_at():
            fill_disc(self.rgb, e, radius or 0.1 * self.r, INK)

    def ring_eyes(self, pupil_offset=(0.0, 0.0)):
        for e in self.eyes_at():
            draw_polyline(self.rgb, self._circle(e, 0.17 * self.r), INK, self.t * 0.7, closed=True)
            fill_disc(self.rgb, np.add(e, pupil_offset), 0.06 * self.r, INK)

    def closed_eyes(self):
        for e in self.eyes_at():   # an upward arc: a closed, smiling eye
            draw_polyline(self.rgb, self._circle((e[0], e[1] + 0.1 * self.r), 0.15 * self.r, np.pi * 1.15, np.pi * 1.85, 12),
                          INK, self.t * 0.7)

    def smile(self, colour=INK):
        arc = self._circle((self.cx, self.cy + 0.25 * self.r), 0.35 * self.r, np.pi * 0.15, np.pi * 0.85, 16)
        draw_polyline(self.rgb, arc, colour, self.t)
        return arc[0], arc[-1], (self.cx, self.cy + 0.6 * self.r)


def _close(point, expected, tolerance):
    assert point is not None and np.hypot(*np.subtract(point, expected)) <= tolerance, (point, expected)


def test_dot_eyes_and_a_smile_are_found_where_they_are_drawn():
    page = Page()
    page.dot_eyes()
    right_end, left_end, bottom = page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    assert len(face.eyes) == 2
    for eye, expected in zip(face.eyes, page.eyes_at()):   # left to right as the viewer sees them
        _close(eye.center, expected, 1.0)
        assert 0.07 * page.r <= eye.radius <= 0.16 * page.r
        assert eye.pupil is None                            # a dot has no pupil
    assert face.mouth is not None
    corners = sorted([tuple(right_end), tuple(left_end)])
    _close(face.mouth.corners[0], corners[0], 3.0)
    _close(face.mouth.corners[1], corners[1], 3.0)
    assert abs(face.mouth.center[0] - page.cx) <= 1.0
    assert page.cy + 0.3 * page.r < face.mouth.center[1] < bottom[1] + 1


def test_ring_eyes_report_their_pupils_where_they_look():
    page = Page()
    page.ring_eyes(pupil_offset=(0.07 * 60, 0.0))          # both pupils moved to the viewer's right
    page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    for eye, expected in zip(face.eyes, page.eyes_at()):
        _close(eye.center, expected, 1.5)
        assert 0.13 * page.r <= eye.radius <= 0.22 * page.r
        _close(eye.pupil, (expected[0] + 0.07 * 60, expected[1]), 1.5)


def test_closed_arc_eyes_are_eyes_without_pupils():
    page = Page()
    page.closed_eyes()
    page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    for eye, expected in zip(face.eyes, page.eyes_at()):
        assert abs(eye.center[0] - expected[0]) <= 1.5
        assert eye.pupil is None


def test_a_face_without_a_mouth_has_eyes_only():
    page = Page()
    page.dot_eyes()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    assert len(face.eyes) == 2 and face.mouth is None


def test_a_blank_head_or_a_single_eye_gives_no_face_and_a_reason():
    page = Page()
    page.smile()
    assert find_face(page.rgb, page.mask, page.joints)[0] is None
    one_eye = Page()
    fill_disc(one_eye.rgb, one_eye.eyes_at()[1], 6, INK)    # profile: one eye
    face, why = find_face(one_eye.rgb, one_eye.mask, one_eye.joints)
    assert face is None and "eyes" in why


def test_a_coloured_mouth_crossed_by_a_line_is_still_the_mouth():
    page = Page()
    page.dot_eyes()
    page.smile(colour=(210, 40, 40))
    draw_polyline(page.rgb, [(page.cx, page.cy + 0.3 * page.r), (page.cx, page.cy + 0.95 * page.r)], INK, 2)
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None and face.mouth is not None, why
    assert face.mouth.corners[1][0] - face.mouth.corners[0][0] >= 0.5 * page.r


def test_a_big_head_is_searched_shrunk_and_answered_in_full_size_pixels():
    page = Page(size=(1500, 1000), head=(500, 360), radius=220, thick=8)
    page.dot_eyes()
    page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    for eye, expected in zip(face.eyes, page.eyes_at()):
        _close(eye.center, expected, 4.0)
        assert abs(eye.radius - 0.1 * page.r) <= 0.04 * page.r


def test_a_face_drawn_on_the_body_is_found_when_the_shoulders_are_above_the_head_centre():
    page = Page(size=(420, 300), head=(150, 200), radius=110)
    page.dot_eyes()
    page.smile()
    joints = page.joints.copy()
    shoulders = [AD_NAMES.index("right_shoulder"), AD_NAMES.index("left_shoulder")]
    joints[shoulders, 1] = page.cy - 0.8 * page.r           # arms come out high on a garlic-like body
    face, why = find_face(page.rgb, page.mask, joints)
    assert face is not None, why
    for eye, expected in zip(face.eyes, page.eyes_at()):
        _close(eye.center, expected, 2.0)


def test_tiny_dot_eyes_on_a_small_head_are_found():
    page = Page(size=(200, 150), head=(75, 40), radius=22, thick=1.5)
    page.dot_eyes(radius=1.6)
    page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is not None, why
    for eye, expected in zip(face.eyes, page.eyes_at()):
        _close(eye.center, expected, 1.0)


def test_sunglasses_hide_the_eyes_and_say_so():
    page = Page()
    lenses = page.eyes_at()
    for x, y in lenses:
        fill_disc(page.rgb, (x, y), 0.2 * page.r, INK)
    draw_polyline(page.rgb, [lenses[0], lenses[1]], INK, 3)        # the bridge joins the lenses
    page.smile()
    face, why = find_face(page.rgb, page.mask, page.joints)
    assert face is None and "eyes" in why


def test_a_figure_without_a_face_gets_a_warning_in_the_analysis():
    page = Page(size=(500, 400), head=(220, 130), radius=60)
    settings = AnalysisSettings(provider="cpu", manual_box=(130, 50, 310, 380))
    analysis = analyze_array(page.rgb, None, settings, models_for(settings))
    assert analysis.figures and analysis.figures[0].face is None and analysis.figures[0].face_note
    assert f"no face found ({analysis.figures[0].face_note})" in analysis.warnings


@pytest.mark.parametrize("joints", [np.full((16, 2), np.nan), np.zeros((16, 2)), np.zeros((3, 2))])
def test_bad_joints_or_masks_never_raise(joints):
    page = Page()
    page.dot_eyes()
    assert find_face(page.rgb, page.mask, joints)[0] is None or joints.shape == (16, 2)
    assert find_face(page.rgb, np.zeros_like(page.mask), page.joints)[0] is None
    assert find_face(page.rgb[:5, :5], page.mask[:5, :5], page.joints)[0] is None


def test_face_moves_scales_and_writes_json():
    page = Page()
    page.ring_eyes()
    page.smile()
    face, _ = find_face(page.rgb, page.mask, page.joints)
    moved = face.moved(10, -5)
    assert moved.eyes[0].center == (face.eyes[0].center[0] + 10, face.eyes[0].center[1] - 5)
    record = json.loads(json.dumps(moved.to_json()))
    assert set(record) == {"eyes", "mouth"} and len(record["eyes"]) == 2
    assert set(record["eyes"][0]) == {"center", "radius", "pupil"} and len(record["mouth"]["corners"]) == 2
    back = Face.from_json(record)                       # what the review keeps and the rig reads back
    assert back.to_json() == record and Face.from_json(None) is None
    assert np.allclose(back.eyes[0].center, moved.eyes[0].center, atol=0.01)
    assert back.mouth.corners[1] == tuple(record["mouth"]["corners"][1])


def test_the_overlay_draws_eye_circles_and_the_mouth():
    page = Page()
    page.dot_eyes()
    page.smile()
    face, _ = find_face(page.rgb, page.mask, page.joints)
    out = draw_joint_overlay(page.rgb, page.mask, page.joints, face=face)
    x, y = np.round(face.eyes[0].center).astype(int)
    r = int(face.eyes[0].radius) + 4
    around = out[y - r:y + r + 1, x - r:x + r + 1].reshape(-1, 3).astype(int)
    cyan = (around[:, 0] < 120) & (around[:, 1] > 180) & (around[:, 2] > 180)
    assert cyan.sum() >= 2 * np.pi * face.eyes[0].radius * 0.6     # a cyan circle round the eye
    assert not ((page.rgb[:, :, 0] < 120) & (page.rgb[:, :, 1] > 180)).any()
    assert (draw_face(page.rgb, None) == page.rgb).all()
    mx, my = np.round(face.mouth.center).astype(int)
    assert (draw_face(page.rgb, face)[my - 1:my + 2, mx - 1:mx + 2] != page.rgb[my - 1:my + 2, mx - 1:mx + 2]).any()


def test_analysis_and_annotate_carry_the_face_in_image_pixels(tmp_path):
    page = Page(size=(500, 400), head=(220, 130), radius=60)
    page.dot_eyes()
    page.smile()
    settings = AnalysisSettings(provider="cpu", manual_box=(130, 50, 310, 380))
    analysis = analyze_array(page.rgb, None, settings, models_for(settings))
    figure = analysis.figures[0]
    assert "face" in analysis.timings_ms
    if figure.face is None:   # the pose net may place the head elsewhere: then it must say so
        assert any("no face" in w for w in analysis.warnings)
        pytest.skip("pose model put the head elsewhere")
    for eye, expected in zip(figure.face.eyes, page.eyes_at()):
        _close(eye.center, expected, 2.0)                   # image pixels, not crop pixels
    write_annotations(analysis, tmp_path)
    record = json.loads((tmp_path / "analysis.json").read_text())["figures"][0]["face"]
    _close(record["eyes"][0]["center"], page.eyes_at()[0], 2.0)
    assert record["mouth"] is not None


# --- the hand-labelled shared drawings (vision_dev/training/face_labels.json) ---------------

FOUND_WITH_LABELLED_JOINTS = [
    "A2S-LAB_AnimatedTale__garlic_out",                       # face on the body, lashes
    "Ajaypawar02_AnimatedDrawings__garlic_out",
    "AnimatedDrawings_Server-Backend__example1",              # black eyes on a brown face
    "AnimatedDrawings_Server-Backend__garlic",
    "facebookresearch_AnimatedDrawings__PR195_output_garlic",
    "limefresh5455_animation_drawing__20230502_170503_jpg",   # ring eyes with pupils
    "limefresh5455_animation_drawing__boyHERE",
    "xkromkad_AnimatedDrawings-1__postava_out",               # a nose curve above the mouth
    "mikaelapisani_AnimatedDrawings-JM__output_2",            # closed arcs touching the head's lines
    "ihayvuk_AnimatedDrawings__professor_cat",                # cyan eyes in brown rings, open mouth
]


def _labelled(shared_data, name):
    from animate_drawing.vision_dev.evaluate_faces import load_labels, load_texture
    return load_texture(shared_data / "drawings" / "annotated" / name), load_labels()[name]


@pytest.mark.parametrize("name", FOUND_WITH_LABELLED_JOINTS)
def test_labelled_drawings_eyes_and_mouth_are_found(shared_data, name):
    from animate_drawing.vision_dev.evaluate_faces import score
    (rgb, mask, joints), label = _labelled(shared_data, name)
    face, why = find_face(rgb, mask, joints)
    s = score(face, label)
    assert s["eyes_matched"] == 2 and s["eyes_found"] == 2, why
    assert s["eye_error"] <= 0.15                    # of the head size (twice the eye spacing)
    assert s["mouth_found"] and s["mouth_error"] <= 0.12


def test_the_pig_has_eyes_and_no_mouth_and_the_blank_head_no_face(shared_data):
    from animate_drawing.vision_dev.evaluate_faces import score
    (rgb, mask, joints), label = _labelled(shared_data, "A2S-LAB_AnimatedTale__test_2")
    s = score(find_face(rgb, mask, joints)[0], label)
    assert s["eyes_matched"] == 2 and not s["mouth_found"]       # the snout is not a mouth
    (rgb, mask, joints), _ = _labelled(shared_data, "mikaelapisani_AnimatedDrawings-JM__output")
    face, why = find_face(rgb, mask, joints)
    assert face is None and why


def test_all_labelled_drawings_meet_the_measured_floor(shared_data):
    """The evaluation's totals with the labelled joints stay at least as good as measured
    (27 of 28 eyes, 1 wrong, 13 of 13 mouths, no mouth where none is drawn); one eye of a
    30-px pencil face is the known miss."""
    from animate_drawing.vision_dev.evaluate_faces import load_labels, score
    results = []
    for name in load_labels():
        (rgb, mask, joints), label = _labelled(shared_data, name)
        results.append(score(find_face(rgb, mask, joints)[0], label))
    assert sum(r["eyes_matched"] for r in results) >= 26
    assert sum(r["eyes_found"] - r["eyes_matched"] for r in results) <= 2
    assert sum(r["mouth_found"] and r["mouth_expected"] for r in results) >= 12
    assert not any(r["mouth_found"] and not r["mouth_expected"] for r in results)


def test_the_analysis_notes_name_figures_without_a_face_or_a_mouth():
    from animate_drawing.models.analyze import Figure, _face_notes
    from animate_drawing.models.face import Eye

    def figure(face, note=""):
        return Figure((0, 0, 1, 1), 1.0, np.ones((2, 2), bool), np.zeros((16, 2)), np.ones(16), face=face, face_note=note)
    eyes = (Eye((1, 1), 1, None), Eye((3, 1), 1, None))
    assert _face_notes([figure(Face(eyes, None))]) == ["no mouth found on the face"]
    notes = _face_notes([figure(Face(eyes, None)), figure(None, "no pair of eyes found in the head")])
    assert notes == ["figure 1: no mouth found on the face", "figure 2: no face found (no pair of eyes found in the head)"]
