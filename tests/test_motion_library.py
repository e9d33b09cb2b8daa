"""The shipped clip library: listed, resolvable, regenerable, looping, and auto-mappable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from animate_drawing.errors import InputError
from animate_drawing.motions import authoring
from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.library import CLIPS, list_clips, resolve_motion
from animate_drawing.motions.mapping import analyze_skeleton, auto_map

EXPECTED_IDS = {"idle", "wave", "walk", "run", "jump", "jumping_jacks", "dance", "dab", "zombie_walk", "cheer"}


def test_library_lists_at_least_ten_named_clips_that_exist():
    clips = list_clips()
    assert {c[0] for c in clips} >= EXPECTED_IDS and len(clips) >= 10
    for clip_id, label, path in clips:
        assert label and Path(path).is_file() and Path(path).stem == clip_id


def test_resolve_motion_accepts_ids_labels_and_paths(tmp_path):
    walk = dict((c[0], c[2]) for c in list_clips())["walk"]
    assert resolve_motion("walk") == walk
    assert resolve_motion("Walk cycle") == walk
    assert resolve_motion("  WALK ") == walk
    assert resolve_motion("jumping jacks") == resolve_motion("jumping-jacks") == resolve_motion("jumping_jacks")
    own = tmp_path / "mine.bvh"
    own.write_text("x")
    assert resolve_motion(own) == str(own)
    with pytest.raises(InputError, match="moonwalk: unknown motion; use a .bvh file or one of: idle"):
        resolve_motion("moonwalk")
    with pytest.raises(InputError, match="missing.bvh: no such BVH file"):
        resolve_motion(tmp_path / "missing.bvh")


def test_authoring_regenerates_the_shipped_files_exactly(tmp_path):
    written = authoring.author_all(tmp_path)
    assert {p.stem for p in written} == set(CLIPS)
    for path in written:
        shipped = Path(resolve_motion(path.stem))
        assert path.read_bytes() == shipped.read_bytes(), path.stem


def test_zombie_walk_is_the_779_frame_benchmark_clip():
    clip = load_bvh(resolve_motion("zombie_walk"))
    assert clip.frame_count == 779 and clip.fps == pytest.approx(30.0)


@pytest.mark.parametrize("clip_id", sorted(EXPECTED_IDS))
def test_every_clip_loops_cleanly_and_maps_itself(clip_id):
    clip = load_bvh(resolve_motion(clip_id))
    assert clip.fps == pytest.approx(30.0)
    assert auto_map(clip)["right_elbow"] == "RightForeArm"
    assert analyze_skeleton(clip).sides_from == "names"
    pos = clip.world_positions()
    local = pos - pos[:, :1]                     # pose relative to the hips: root travel may accumulate
    steps = np.linalg.norm(np.diff(local, axis=0), axis=2).max(axis=1)
    wrap = np.linalg.norm(local[0] - local[-1], axis=1).max()
    assert wrap <= 1.5 * steps.max() + 1e-6, (wrap, steps.max())
    # Feet rest on the floor (y = 0) at some point of every clip and never go through it.
    ends = np.concatenate([pos] + [e[:, None] for e in clip.end_site_positions().values()], axis=1)
    lowest = ends[..., 1].min(axis=1)
    assert lowest.min() == pytest.approx(0.0, abs=0.5) and lowest.min() > -0.5
    # Every clip visibly moves its arms or legs (no accidental frozen clip).
    assert np.ptp(local, axis=0).max() > 5


def test_walking_clips_do_not_skate():
    """The lowest foot point of each frame (the one carrying the body) stays where it is planted
    until the next frame: the body moves forward as fast as the foot moves back."""
    for clip_id in ("walk", "run", "zombie_walk"):
        clip = load_bvh(resolve_motion(clip_id))
        pos = clip.world_positions()
        ends = clip.end_site_positions()
        feet = [clip.names.index(n) for n in ("LeftFoot", "LeftToe", "RightFoot", "RightToe")]
        points = np.concatenate([pos[:, feet]] + [ends[i][:, None] for i in feet if i in ends], axis=1)
        stance = np.argmin(points[..., 1], axis=1)[:-1]
        slide = np.linalg.norm((points[1:] - points[:-1])[np.arange(len(stance)), stance][:, [0, 2]], axis=1)
        assert slide.max() < 0.2, clip_id        # cm per frame: loop-closing sideways drift + rounding
        assert pos[-1, 0, 2] - pos[0, 0, 2] > 50             # and they do travel forward
