"""The performer's face beside a BVH file (motions/face_file.py): written, read back, opened
with the BVH as the video's performer, and refused in one line when it is not ours."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.motions.face_file import face_file_path, read_face_file, remove_face_file, write_face_file
from animate_drawing.motions.face_track import CONTROL_NAMES, FaceTrack
from animate_drawing.motions.library import library_clip_path
from animate_drawing.motions.source import open_motion


def _track(frames: int = 45) -> FaceTrack:
    times = 0.5 + np.arange(frames) / 30.0
    controls = {name: np.linspace(-1.0, 1.0, frames) * (k + 1) / 5 for k, name in enumerate(CONTROL_NAMES)}
    seen = np.arange(frames) % 7 != 3
    return FaceTrack(times, controls, seen)


@pytest.fixture
def bvh(tmp_path):
    path = tmp_path / "performer.bvh"
    shutil.copyfile(library_clip_path("wave"), path)
    return path


def test_a_face_track_comes_back_with_its_bvh(bvh):
    track = _track()
    assert write_face_file(bvh, track) == bvh.parent / "performer.face.json"
    motion = open_motion(bvh)
    assert motion.source == "video" and motion.name == "performer" and not motion.loops
    assert np.allclose(motion.face.times, track.times) and (motion.face.seen == track.seen).all()
    for name in CONTROL_NAMES:
        assert np.allclose(motion.face.controls[name], track.controls[name], atol=1e-4)


def test_a_face_looked_for_but_not_followed_keeps_the_video_source(bvh):
    write_face_file(bvh, None)
    motion = open_motion(bvh)
    assert motion.source == "video" and motion.face is None


def test_without_a_face_file_a_bvh_is_a_bvh(bvh):
    write_face_file(bvh, _track())
    remove_face_file(bvh)
    remove_face_file(bvh)          # nothing left to remove: no error
    assert read_face_file(bvh) == (False, None)
    motion = open_motion(bvh)
    assert motion.source == "bvh" and motion.face is None


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not a face track"),
    (json.dumps({"version": 2, "track": None}), "version 2"),
    (json.dumps({"version": 1, "track": {"times": [0, 1], "seen": [True, True], "controls": {"blink": [0, 1]}}}),
     "smile"),
    (json.dumps({"version": 1, "track": {"times": [0, 1], "seen": [True],
                                         "controls": {name: [0, 1] for name in CONTROL_NAMES}}}), "same length"),
])
def test_a_face_file_that_is_not_ours_fails_in_one_line(bvh, content, problem):
    face_file_path(bvh).write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem) as info:
        open_motion(bvh)
    assert str(info.value).startswith(str(face_file_path(bvh)))
