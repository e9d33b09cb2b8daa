"""Walks read from the front: a front-view drawing's legs step out to their own sides instead of
scissoring across each other (motions/retarget.py, `_legs_step_outward`).

Real library walks and runs on real annotated drawings, bones from their own char_cfg."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from animate_drawing.motions.bvh import load_bvh
from animate_drawing.motions.library import list_clips
from animate_drawing.motions.retarget import RetargetOptions, pose_2d, retarget
from animate_drawing.rig.character import load_character_dir
from animate_drawing.rig.skeleton import plan_bones

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not (SHARED / "drawings").is_dir(), reason="../shared/data is not beside the repository")
LIBRARY = {clip_id: path for clip_id, _, path in list_clips()}
# Before: the ankles swapped sides in 15-45% of these walks' frames (legs crossed into an X).
DRAWINGS = ("xkromkad_AnimatedDrawings-1__postava_out", "limefresh5455_animation_drawing__boyHERE",
            "AnimatedDrawings_Server-Backend__example1")


@needs_shared
@pytest.mark.parametrize("name", DRAWINGS, ids=lambda n: n.split("__")[-1])
@pytest.mark.parametrize("clip_id", ("walk", "run", "zombie_walk"))
def test_front_view_legs_do_not_cross(name, clip_id):
    _, mask, config = load_character_dir(SHARED / "drawings" / "annotated" / name)
    rows = np.flatnonzero(mask.any(axis=1))
    scale = 2.0 / (rows[-1] - rows[0] + 1)
    bones = plan_bones(config)
    names = [b.name for b in bones]
    result = retarget(load_bvh(LIBRARY[clip_id]), bones, options=RetargetOptions(fps=30, cyclic=True), scale=scale)
    assert result.projection["legs"] == "sagittal"          # the swing is shown, not flattened away
    heads, _ = pose_2d(bones, result.rotation, result.root_location, scale)
    for joint in ("foot", "knee"):
        right, left = (heads[:, names.index(f"{side}_{joint}"), 0] for side in ("right", "left"))
        crossed = np.mean(left <= right)                      # drawn: the right leg on the viewer's left
        assert crossed <= 0.05, (joint, crossed)
    # Still a walk: each leg swings through a visible range in the picture.
    for side in ("right", "left"):
        thigh = heads[:, names.index(f"{side}_knee")] - heads[:, names.index(f"{side}_hip")]
        assert np.degrees(np.ptp(np.arctan2(thigh[:, 0], -thigh[:, 1]))) > 10, side
