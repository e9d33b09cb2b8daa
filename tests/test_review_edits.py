"""Markers an artist drags in the review (pipeline/review_edits.py): which exist, which one a press
picks up, and what moving one changes (plain Python, a review figure as the overlay stores it)."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.pipeline.review_edits import markers, move_marker, nearest_marker, part_of, rim_of

FIGURE = {
    "box": [0, 0, 100, 200],
    "joints": [[50.0, 150.0], [50.0, 140.0], [50.0, 90.0], [50.0, 40.0]],
    "face": {"eyes": [{"center": [40.0, 30.0], "radius": 4.0, "pupil": [41.0, 31.0]},
                      {"center": [60.0, 30.0], "radius": 4.0, "pupil": None}],
             "mouth": {"center": [50.0, 48.0], "corners": [[42.0, 46.0], [58.0, 46.0]]}},
}


def test_every_joint_eye_pupil_and_mouth_point_is_a_marker():
    names = [name for name, _ in markers(FIGURE)]
    assert names == ["joint:0", "joint:1", "joint:2", "joint:3", "eye:0", "pupil:0", "eye:1",
                     "mouth", "mouth_corner:0", "mouth_corner:1"]
    assert rim_of("eye:1") == "eye_rim:1" and rim_of("mouth") is None and rim_of("joint:2") is None
    assert markers({"box": [0, 0, 1, 1], "joints": [], "face": None}) == []
    assert {part_of(name) for name in names} == {"joints", "face"}
    assert part_of("joint:3") == "joints" and part_of("mouth") == "face"


def test_a_press_picks_the_nearest_marker_within_reach_of_any_figure():
    other = move_marker(FIGURE, "eye:1", (300.0, 30.0))
    identity = np.asarray
    assert nearest_marker([FIGURE, other], identity, (60.5, 31.0), 3.0) == (0, "eye:1")
    assert nearest_marker([FIGURE, other], identity, (298.0, 30.0), 3.0) == (1, "eye:1")
    assert nearest_marker([FIGURE, other], identity, (40.8, 30.9), 3.0) == (0, "pupil:0")  # nearer than its eye
    assert nearest_marker([FIGURE], identity, (80.0, 80.0), 3.0) is None
    doubled = lambda uv: np.asarray(uv) * 2.0   # a zoomed view: the reach is in view pixels   # noqa: E731
    assert nearest_marker([FIGURE], doubled, (42.0, 46.0), 3.0) is None       # where it is in image pixels
    assert nearest_marker([FIGURE], doubled, (84.0, 92.0), 3.0) == (0, "mouth_corner:0")


def test_an_eye_takes_its_pupil_along_and_the_mouth_its_corners():
    moved = move_marker(FIGURE, "eye:0", (45.0, 25.0))
    assert moved["face"]["eyes"][0] == {"center": [45.0, 25.0], "radius": 4.0, "pupil": [46.0, 26.0]}
    assert FIGURE["face"]["eyes"][0]["center"] == [40.0, 30.0]          # the given figure stays as it was
    moved = move_marker(FIGURE, "mouth", (50.0, 58.0))
    assert moved["face"]["mouth"] == {"center": [50.0, 58.0], "corners": [[42.0, 56.0], [58.0, 56.0]]}
    moved = move_marker(FIGURE, "mouth_corner:1", (62.0, 40.0))
    assert moved["face"]["mouth"]["corners"] == [[42.0, 46.0], [62.0, 40.0]]
    assert moved["face"]["mouth"]["center"] == [50.0, 48.0]
    moved = move_marker(FIGURE, "pupil:0", (38.0, 29.0))
    assert moved["face"]["eyes"][0]["center"] == [40.0, 30.0] and moved["face"]["eyes"][0]["pupil"] == [38.0, 29.0]
    assert move_marker(FIGURE, "joint:2", (51.0, 95.0))["joints"][2] == [51.0, 95.0]
    sized = move_marker(FIGURE, "eye_rim:0", (40.0, 37.0))["face"]["eyes"][0]   # the rim (Shift-drag) sizes it
    assert sized == {"center": [40.0, 30.0], "radius": 7.0, "pupil": [41.0, 31.0]}
    assert move_marker(FIGURE, "eye_rim:0", (40.0, 30.0))["face"]["eyes"][0]["radius"] == 1.0


@pytest.mark.parametrize("marker", ["pupil:1", "eye:2", "eye_rim:2", "joint:9", "joint:-1", "nose", "mouth:0", "eye"])
def test_a_marker_the_figure_has_not_is_refused(marker):
    with pytest.raises(ValueError):
        move_marker(FIGURE, marker, (1.0, 1.0))
    with pytest.raises(ValueError):
        move_marker({"joints": [], "face": None}, "mouth", (1.0, 1.0))
