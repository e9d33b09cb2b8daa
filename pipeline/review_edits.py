"""The review's figures corrected by hand: the markers an artist drags over the drawing.

Each figure of a review (the JSON of `Scene.animate_drawing_analysis.figures`: box, joints and
face in analysed-image pixels) has a marker on every joint, every eye (its centre), every drawn
pupil and the mouth (its centre and both corners); an eye's rim (`rim_of`) is moved to size it.
`move_marker` puts one where the artist dropped it; the part it belongs to (`part_of`: "joints"
or "face") is then taken from the review instead of the detection when the figure is built
(`pipeline.plan.apply_review`). A figure with no face found is given one (`with_default_face`:
eyes and mouth at the usual places on its head, to be dragged onto the drawn ones), and any figure
can be told it has none (`without_face`: `models.face.NO_FACE`, so the build does not look for
one either). Plain Python.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from ..models.face import NO_FACE
from .default_face import default_face

JOINT, EYE, RIM, PUPIL, MOUTH, CORNER = "joint", "eye", "eye_rim", "pupil", "mouth", "mouth_corner"
PARTS = {JOINT: "joints", EYE: "face", RIM: "face", PUPIL: "face", MOUTH: "face", CORNER: "face"}
MIN_EYE_RADIUS = 1.0   # pixels: an eye dragged smaller still has lids to close


def marker_name(kind: str, number: int | None = None) -> str:
    """"joint:3", "eye:0", "eye_rim:0", "pupil:1", "mouth", "mouth_corner:0" (left as the viewer sees it)."""
    return kind if number is None else f"{kind}:{number}"


def _parse(marker: str) -> tuple[str, int | None]:
    kind, _, number = marker.partition(":")
    if kind not in PARTS or (kind == MOUTH) != (number == "") or not (number == "" or number.isdigit()):
        raise ValueError(f"{marker!r} is not a review marker")
    return kind, int(number) if number else None


def part_of(marker: str) -> str:
    """Which part of the figure a marker edits: "joints" or "face"."""
    return PARTS[_parse(marker)[0]]


def markers(figure: dict) -> list[tuple[str, tuple[float, float]]]:
    """Every draggable point of one review figure: (marker name, (x, y) image pixels)."""
    points = [(marker_name(JOINT, k), (float(x), float(y))) for k, (x, y) in enumerate(figure.get("joints", ()))]
    face = figure.get("face") or {}
    for k, eye in enumerate(face.get("eyes", ())):
        points.append((marker_name(EYE, k), tuple(eye["center"])))
        if eye.get("pupil") is not None:
            points.append((marker_name(PUPIL, k), tuple(eye["pupil"])))
    mouth = face.get("mouth")
    if mouth is not None:
        points.append((marker_name(MOUTH), tuple(mouth["center"])))
        points += [(marker_name(CORNER, k), tuple(corner)) for k, corner in enumerate(mouth["corners"])]
    return points


def has_face(figure: dict) -> bool:
    """Whether the figure has a face with markers (eyes or a mouth), found or placed."""
    face = figure.get("face") or {}
    return bool(face.get("eyes") or face.get("mouth"))


def face_removed(figure: dict) -> bool:
    """Whether the artist said the figure has no face (`without_face`)."""
    return figure.get("face") is not None and not has_face(figure)


def with_default_face(figure: dict, mask: np.ndarray | None) -> dict:
    """A copy of `figure` with a face at the usual places on its head (`default_face`, measured on
    `mask`, the figure's pixels in image pixels; None: from the joints alone). Raises ValueError
    when it has a face already (remove it first: a found face is not thrown away by a stray click)."""
    if has_face(figure):
        raise ValueError("the figure has a face already")
    placed = copy.deepcopy(figure)
    placed["face"] = default_face(figure["joints"], mask).to_json()
    return placed


def without_face(figure: dict) -> dict:
    """A copy of `figure` rigged with no face: no markers, and none looked for on Accept."""
    bare = copy.deepcopy(figure)
    bare["face"] = NO_FACE.to_json()
    return bare


def rim_of(marker: str) -> str | None:
    """The rim of the eye `marker` marks (moving it sizes the eye), None for any other marker."""
    kind, number = _parse(marker)
    return marker_name(RIM, number) if kind == EYE else None


def nearest_marker(figures: list[dict], to_view: Callable[[np.ndarray], np.ndarray], point,
                   reach: float) -> tuple[int, str] | None:
    """(figure index, marker) of the marker nearest `point` within `reach`, both in the space
    `to_view` maps image pixels to (e.g. region pixels, so the reach is the same at any zoom)."""
    best, best_distance = None, 0.0
    for index, figure in enumerate(figures):
        named = markers(figure)
        if not named:
            continue
        seen = to_view(np.array([xy for _, xy in named], dtype=np.float64))
        distances = np.hypot(*(seen - np.asarray(point, dtype=np.float64)).T)
        k = int(np.argmin(distances))
        if distances[k] <= reach and (best is None or distances[k] < best_distance):   # ties: the first figure
            best, best_distance = (index, named[k][0]), float(distances[k])
    return best


def move_marker(figure: dict, marker: str, point) -> dict:
    """A copy of `figure` with `marker` at `point` (image pixels): an eye takes its pupil along,
    the mouth its corners, a rim sets its eye's radius. Raises ValueError for a marker the figure
    does not have."""
    kind, number = _parse(marker)
    x, y = float(point[0]), float(point[1])
    moved = copy.deepcopy(figure)
    try:
        if kind == JOINT:
            moved["joints"][number] = [x, y]
            return moved
        face = moved["face"]
        if kind == RIM:
            eye = face["eyes"][number]
            eye["radius"] = max(MIN_EYE_RADIUS, float(np.hypot(x - eye["center"][0], y - eye["center"][1])))
        elif kind in (EYE, PUPIL):
            eye = face["eyes"][number]
            if kind == PUPIL and eye.get("pupil") is None:
                raise IndexError(number)
            key = "center" if kind == EYE else "pupil"
            dx, dy = x - eye[key][0], y - eye[key][1]
            eye[key] = [x, y]
            if kind == EYE and eye.get("pupil") is not None:
                eye["pupil"] = [eye["pupil"][0] + dx, eye["pupil"][1] + dy]
        elif kind == MOUTH:
            mouth = face["mouth"]
            dx, dy = x - mouth["center"][0], y - mouth["center"][1]
            mouth["center"] = [x, y]
            mouth["corners"] = [[cx + dx, cy + dy] for cx, cy in mouth["corners"]]
        else:
            face["mouth"]["corners"][number] = [x, y]
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"the figure has no marker {marker!r}") from None
    return moved
