"""Motion sources: every way of naming a motion opens one joint track (a BvhClip)."""

from __future__ import annotations

import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.library import resolve_motion
from animate_drawing.motions.source import BVH_FILE, PURE_SOURCES, Motion, MotionSource, open_motion
from conftest import BVH_DIR


@pytest.mark.parametrize("name", ["walk", "Walk cycle", "jumping-jacks"])
def test_library_clip_by_id_or_label_loops(name):
    motion = open_motion(name)
    expected = load_bvh(resolve_motion(name))
    assert motion.source == "library" and motion.loops
    assert motion.name == name.lower().replace(" cycle", "").replace("-", "_")
    assert motion.track.frame_count == expected.frame_count
    np.testing.assert_array_equal(motion.track.motion, expected.motion)


def test_bvh_file_is_a_one_shot_track_named_after_the_file(shared_data):
    path = BVH_DIR / "fair1" / "jumping.bvh"
    motion = open_motion(f"  {path}  ")
    assert motion.source == "bvh" and not motion.loops and motion.name == "jumping"
    assert motion.track.frame_count == load_bvh(path).frame_count > 10
    assert motion.track.fps > 0


@pytest.mark.parametrize("text, problem", [
    ("", "choose a BVH file or a library clip"),
    ("moonwalk", "unknown motion; use a .bvh file or one of: idle"),
    ("missing.bvh", "no such BVH file"),
])
def test_names_no_source_claims_are_one_line_input_errors(text, problem):
    with pytest.raises(InputError, match=problem):
        open_motion(text)


def test_a_new_source_is_one_motion_source_asked_in_order(tmp_path):
    # A stand-in "source" that claims *.motion files and serves a library track under its own name.
    walk = load_bvh(resolve_motion("walk"))
    custom = MotionSource("custom", lambda text: text.endswith(".motion"),
                          lambda text: Motion(walk, "custom", loops=False, source="custom"))
    (tmp_path / "x.motion").write_text("anything")
    assert open_motion(tmp_path / "x.motion", (custom, *PURE_SOURCES)).source == "custom"
    # Order matters: the BVH-file source claims any existing file when asked first.
    assert BVH_FILE.claims(str(tmp_path / "x.motion"))
